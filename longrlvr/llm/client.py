"""Async OpenAI-compatible chat-completions client shared by the judge, data_gen and eval.

Built on aiohttp: httpx/httpcore's connection pool scans every connection per request, which costs
about 10 ms per request at 64 concurrent connections (``benchmarks/bench_judge.py``); aiohttp's does not.
Bounded concurrency, optional requests-per-minute limit, a timeout per attempt and per call (retries included),
a cap on the reply size, round-robin over several endpoints with health tracking, and retries with exponential
backoff and jitter on transport errors, timeouts, 429/5xx, garbage bodies and replies that ``validate`` rejects.
Every failure reason is redacted (:mod:`longrlvr.llm.redact`) before it leaves this module::

    client = AsyncLLMClient(LLMConfig.from_mapping(cfg))
    verdict = await client.chat(messages, validate=parse_verdict, temperature=0.0)
    await client.aclose()
"""

from __future__ import annotations

import asyncio
import json
import math
import random
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any, TypeVar

import aiohttp

from longrlvr.llm.config import LLMConfig
from longrlvr.llm.endpoints import EndpointHealth, EndpointPool, RateLimiter
from longrlvr.llm.redact import redact, register_userinfo
from longrlvr.llm.retry import AttemptFailed, LLMError, RetryStats, call_with_retries

__all__ = ["AsyncLLMClient", "ClientStats", "LLMConfig", "LLMError"]

T = TypeVar("T")
Messages = Sequence[Mapping[str, Any]]
RETRYABLE_CLIENT_STATUSES = (408, 409, 429)
READ_CHUNK = 64 << 10


class ReplyTooLarge(Exception):
    """A reply body over ``max_reply_bytes``."""


async def read_capped(response: aiohttp.ClientResponse, limit: int) -> str:
    """The body as text, read in chunks; :class:`ReplyTooLarge` as soon as it passes ``limit`` bytes.

    A declared ``Content-Length`` over the limit fails before anything is read; memory stays under
    ``limit + READ_CHUNK`` whatever the server sends (an endless chunked reply included).
    """
    declared = response.content_length
    if declared is not None and declared > limit:
        raise ReplyTooLarge(f"reply of {declared} bytes is over max_reply_bytes={limit}")
    parts: list[bytes] = []
    size = 0
    async for chunk in response.content.iter_chunked(READ_CHUNK):
        size += len(chunk)
        if size > limit:
            raise ReplyTooLarge(f"reply is over max_reply_bytes={limit} (stopped reading)")
        parts.append(chunk)
    return b"".join(parts).decode(response.charset or "utf-8", errors="replace")


@dataclass
class ClientStats(RetryStats):
    """The retry loop's counters plus HTTP ``requests``, in-flight requests and each endpoint's health."""

    requests: int = 0
    in_flight: int = 0
    max_in_flight: int = 0
    endpoints: dict[str, EndpointHealth] = field(default_factory=dict)

    def as_dict(self) -> dict[str, Any]:
        counters = {k: v for k, v in vars(self).items() if k != "endpoints"}
        return {**counters, "endpoints": {url: h.as_dict() for url, h in self.endpoints.items()}}


@dataclass
class _LoopSession:
    """The asyncio objects bound to one event loop (HTTP sessions and semaphores must not cross loops)."""

    loop: asyncio.AbstractEventLoop
    http: aiohttp.ClientSession
    semaphore: asyncio.Semaphore
    limiter: RateLimiter | None


class AsyncLLMClient:
    """Chat completions against ``config.base_urls``; see :class:`~longrlvr.llm.config.LLMConfig`."""

    def __init__(self, config: LLMConfig) -> None:
        self.config = config
        self.pool = EndpointPool(config.base_urls, config.failures_to_skip, config.cooldown_s)
        self.stats = ClientStats(endpoints=self.pool.health)
        key = config.api_key()  # registered for redaction
        self._headers = {"Authorization": f"Bearer {key}"} if key else {}
        for user, password in config.credentials.values():
            register_userinfo(user, password)  # again: a config unpickled on a worker skipped __post_init__
        self._auth = {url: aiohttp.BasicAuth(user, password) for url, (user, password) in config.credentials.items()}
        self._session: _LoopSession | None = None

    async def chat(self, messages: Messages, *, validate: Callable[[str], T] | None = None, **params: Any) -> str | T:
        """The assistant's reply to ``messages`` (or ``validate(reply)``); ``params`` extend the request body.

        ``validate`` raises ValueError on an unusable reply, which is retried like a transport fault.
        Raises :class:`LLMError` with the last reason once ``max_retries`` retries are spent, or when the call
        takes longer than ``max_call_s`` in all.
        """
        deadline = self.config.call_deadline_s
        attempts = 0

        def attempt(_: int) -> Any:
            nonlocal attempts
            attempts += 1
            return self._request(messages, params)

        try:
            async with asyncio.timeout(deadline):
                return await call_with_retries(
                    attempt,
                    validate,
                    max_retries=self.config.max_retries,
                    stats=self.stats,
                    backoff_s=self._backoff_s,
                )
        except TimeoutError:
            self.stats.failures += 1
            raise LLMError(f"no reply within max_call_s={deadline:g}s (retries included)", attempts) from None

    async def aclose(self) -> None:
        """Close the HTTP connection pool of the current event loop."""
        if self._session is not None:
            await self._session.http.close()
            self._session = None

    async def __aenter__(self) -> AsyncLLMClient:
        return self

    async def __aexit__(self, *exc: object) -> None:
        await self.aclose()

    def _backoff_s(self, retry: int, retry_after_s: float | None) -> float:
        cfg = self.config
        delay = min(cfg.backoff_max_s, cfg.backoff_base_s * 2**retry)
        delay += random.uniform(0.0, cfg.jitter * delay)
        # a server's Retry-After is honoured up to the configured maximum wait, never beyond it
        return max(delay, min(retry_after_s or 0.0, cfg.backoff_max_s))

    def _live_session(self) -> _LoopSession:
        loop = asyncio.get_running_loop()
        if self._session is None or self._session.loop is not loop:
            # a new event loop (e.g. a sync wrapper's): the old loop's pool cannot be reused from here
            cfg = self.config
            http = aiohttp.ClientSession(
                connector=aiohttp.TCPConnector(limit=cfg.max_concurrency),
                timeout=aiohttp.ClientTimeout(total=cfg.timeout_s, sock_read=cfg.timeout_s),
                headers=self._headers,
                # no HTTP(S)_PROXY/netrc lookups: judges sit on the cluster network, and trust_env costs an
                # executor round trip per request
                trust_env=False,
            )
            limiter = RateLimiter(cfg.requests_per_minute) if cfg.requests_per_minute else None
            self._session = _LoopSession(loop, http, asyncio.Semaphore(cfg.max_concurrency), limiter)
        return self._session

    async def _request(self, messages: Messages, params: Mapping[str, Any]) -> str:
        """One HTTP attempt under the concurrency bound; raises :class:`AttemptFailed`."""
        session = self._live_session()
        body = {"model": self.config.model, "messages": [dict(m) for m in messages], **self.config.params, **params}
        async with session.semaphore:
            if session.limiter is not None:
                await session.limiter.wait()
            url = self.pool.pick()
            self.stats.requests += 1
            self.stats.in_flight += 1
            self.stats.max_in_flight = max(self.stats.max_in_flight, self.stats.in_flight)
            try:
                async with session.http.post(
                    f"{url}/chat/completions", json=body, auth=self._auth.get(url)
                ) as response:
                    text = await read_capped(response, self.config.max_reply_bytes)
                    status, retry_after = response.status, response.headers.get("Retry-After")
            except ReplyTooLarge as exc:
                self.pool.failed(url)
                raise AttemptFailed(f"{url}: {exc}", retryable=False) from None
            except (aiohttp.ClientError, asyncio.TimeoutError) as exc:
                self.pool.failed(url)
                kind = "timeout" if isinstance(exc, asyncio.TimeoutError) else type(exc).__name__
                raise AttemptFailed(redact(f"{url}: {kind} {exc}".strip())) from None
            except (ValueError, TypeError) as exc:  # aiohttp refusing the request itself: retrying cannot help
                raise AttemptFailed(redact(f"{url}: request refused: {exc}"), retryable=False) from None
            finally:
                self.stats.in_flight -= 1
        return self._reply_text(url, status, retry_after, text)

    def _reply_text(self, url: str, status: int, retry_after: str | None, text: str) -> str:
        """The reply's content; raises :class:`AttemptFailed` with a redacted reason (a 401 body may echo the key)."""
        if status in RETRYABLE_CLIENT_STATUSES:
            raise AttemptFailed(f"{url}: HTTP {status}", retry_after_s=_seconds(retry_after))
        if status >= 500:
            self.pool.failed(url)
            raise AttemptFailed(f"{url}: HTTP {status} {_excerpt(text, 200)}")
        if status >= 400:
            # a malformed request or a wrong key does not get better by retrying
            raise AttemptFailed(f"{url}: HTTP {status} {_excerpt(text, 200)}", retryable=False)
        try:
            content = json.loads(text)["choices"][0]["message"]["content"]
        except (ValueError, KeyError, IndexError, TypeError):
            content = None
        if not isinstance(content, str):
            self.pool.failed(url)
            raise AttemptFailed(f"{url}: garbage response body {_excerpt(text, 120)!r}")
        self.pool.succeeded(url)
        return content


def _excerpt(text: str, limit: int) -> str:
    """The first ``limit`` characters of a body, redacted before the cut (a secret the cut would split is masked
    whole: redaction runs on a longer head than is kept)."""
    return redact(text[: limit + 4096])[:limit]


def _seconds(value: str | None) -> float | None:
    """A Retry-After header in seconds (None when absent, an HTTP date, negative, infinite or NaN)."""
    try:
        seconds = float(value) if value is not None else None
    except ValueError:
        return None
    return seconds if seconds is not None and math.isfinite(seconds) and seconds >= 0 else None
