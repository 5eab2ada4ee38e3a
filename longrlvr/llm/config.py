"""Settings of the OpenAI-compatible client: endpoints from config or env, the key from a named env var."""

from __future__ import annotations

import dataclasses
import os
import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from longrlvr.errors import UserError, check_names
from longrlvr.llm.redact import redact, register, split_credentials
from longrlvr.settings_check import Num, SettingError, check_numbers

DEFAULT_MAX_REPLY_BYTES = 4 << 20
_URL_SPLIT_RE = re.compile(r"[,\s]+")


def split_urls(value: str | Any) -> tuple[str, ...]:
    """Base URLs from a list or a comma/whitespace separated string, trailing slashes removed."""
    items = _URL_SPLIT_RE.split(value) if isinstance(value, str) else [str(v) for v in value or ()]
    return tuple(u.strip().rstrip("/") for u in items if u and u.strip())


LLM_RULES: dict[str, Num] = {
    "max_concurrency": Num(lo=1, hi=1_000_000, integer=True),
    "requests_per_minute": Num(lo=0, lo_open=True, hi=1e9, nullable=True),
    "timeout_s": Num(lo=0, lo_open=True, hi=86_400),
    "max_retries": Num(lo=0, hi=1000, integer=True),
    "backoff_base_s": Num(lo=0, hi=3600),
    "backoff_max_s": Num(lo=0, hi=3600),
    "jitter": Num(lo=0, hi=10),
    "failures_to_skip": Num(lo=1, hi=1_000_000, integer=True),
    "cooldown_s": Num(lo=0, hi=86_400),
    "max_reply_bytes": Num(lo=1024, hi=1 << 30, integer=True),
    "max_call_s": Num(lo=0, lo_open=True, hi=7 * 86_400, nullable=True),
}
SOURCE = "LLM client"


@dataclass(frozen=True)
class LLMConfig:
    """How :class:`~longrlvr.llm.client.AsyncLLMClient` talks to one or more OpenAI-compatible endpoints.

    ``base_urls``: e.g. ``http://host:8000/v1`` (requests go to ``{base_url}/chat/completions``), used
    round-robin; an endpoint failing ``failures_to_skip`` times in a row is skipped for ``cooldown_s``
    and then probed again. ``max_retries`` retries follow the first attempt, with exponential backoff
    (``backoff_base_s * 2**n`` capped at ``backoff_max_s``) plus up to ``jitter`` of it at random.
    ``api_key_env`` names the environment variable that holds the key (never the key itself); a base URL may
    carry ``user:pass@`` instead (split off at load, sent as Basic auth, never stored in the URL), not both.
    ``timeout_s`` bounds one attempt (and each read), ``max_call_s`` a whole call with its retries and backoff
    (default: ``timeout_s * (max_retries + 1) + backoff_max_s * max_retries``), ``max_reply_bytes`` the size of a
    reply body (default 4 MiB; a larger or endless reply fails without retry).
    ``params`` are default request fields (``temperature``, ``max_tokens`` ...), overridable per call.
    """

    base_urls: tuple[str, ...]
    model: str
    api_key_env: str | None = None
    max_concurrency: int = 32
    requests_per_minute: float | None = None
    timeout_s: float = 60.0
    max_retries: int = 4
    backoff_base_s: float = 0.5
    backoff_max_s: float = 8.0
    jitter: float = 0.5
    failures_to_skip: int = 3
    cooldown_s: float = 30.0
    max_reply_bytes: int = DEFAULT_MAX_REPLY_BYTES
    max_call_s: float | None = None
    params: Mapping[str, Any] = field(default_factory=dict)
    # URL credentials split off base_urls at load: {clean base URL: (user, password)}
    credentials: Mapping[str, tuple[str, str]] = field(default_factory=dict, init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        urls = split_urls(self.base_urls)
        if not urls:
            raise ValueError("LLMConfig.base_urls is empty: give base_urls or base_urls_env")
        bad = [redact(u) for u in urls if not u.startswith(("http://", "https://"))]
        if bad:
            raise ValueError(f"LLMConfig.base_urls must be http(s) URLs, got {bad}")
        clean, credentials = [], {}
        for i, url in enumerate(urls):
            plain, pair = split_credentials(url)
            if pair is not None and self.api_key_env:
                raise UserError(
                    f"{SOURCE}: base_urls[{i}] carries credentials (user:pass@) and api_key_env={self.api_key_env!r} "
                    "is set too: use one of them"
                )
            clean.append(plain)
            if pair is not None:
                credentials[plain] = pair
        object.__setattr__(self, "base_urls", tuple(clean))
        object.__setattr__(self, "credentials", credentials)
        if not self.model:
            raise ValueError("LLMConfig.model is empty")
        check_numbers({f.name: getattr(self, f.name) for f in dataclasses.fields(self)}, LLM_RULES, SOURCE)
        if self.backoff_base_s > self.backoff_max_s:
            raise SettingError(
                f"{SOURCE}: backoff_base_s={self.backoff_base_s} is out of range: allowed <= backoff_max_s"
                f"={self.backoff_max_s}"
            )

    @property
    def call_deadline_s(self) -> float:
        """The most one :meth:`~longrlvr.llm.client.AsyncLLMClient.chat` call may take, retries included."""
        if self.max_call_s is not None:
            return float(self.max_call_s)
        return self.timeout_s * (self.max_retries + 1) + self.backoff_max_s * (1 + self.jitter) * self.max_retries

    def api_key(self) -> str | None:
        """The API key read from ``api_key_env`` (None when no variable is named); registered for redaction."""
        if not self.api_key_env:
            return None
        key = os.environ.get(self.api_key_env)
        if not key:
            raise ValueError(f"LLMConfig.api_key_env names {self.api_key_env!r} but that environment variable is unset")
        register(key)
        return key

    @classmethod
    def field_names(cls) -> frozenset[str]:
        return frozenset(f.name for f in dataclasses.fields(cls) if f.init) | {"base_urls_env"}

    @classmethod
    def from_mapping(cls, values: Mapping[str, Any]) -> LLMConfig:
        """Build from a config mapping (a plain dict on Ray workers too); an unknown key is an
        :class:`~longrlvr.errors.UnknownKeyError` (a ValueError) naming the closest key. ``base_urls_env``
        names an env var with the URLs (comma separated), used when ``base_urls`` is empty."""
        values = dict(values)
        check_names(values, sorted(cls.field_names()), "LLM client")
        urls_env = values.pop("base_urls_env", None)
        urls = split_urls(values.get("base_urls") or ())
        if not urls and urls_env:
            urls = split_urls(os.environ.get(urls_env, ""))
            if not urls:
                raise ValueError(f"LLM client: base_urls is empty and environment variable {urls_env!r} is unset")
        values["base_urls"] = urls
        values["params"] = dict(values.get("params") or {})
        required = [
            f.name
            for f in dataclasses.fields(cls)
            if f.init
            and f.name not in values
            and f.default is dataclasses.MISSING
            and f.default_factory is dataclasses.MISSING
        ]
        if required:
            raise ValueError(f"LLM client: missing required key(s) {required}")
        return cls(**values)
