"""The chat-backend protocol: chat messages and sampling settings in, ``n`` reply texts out.

Every backend (``longrlvr.llm.backends.make_backend``: an OpenAI-compatible endpoint, HF transformers or vLLM
in this process) implements :class:`ChatBackend`. A reply that the optional ``validate`` callable rejects
(ValueError) is retried by the one retry loop (:func:`longrlvr.llm.retry.call_with_retries`); a call that
still fails raises :class:`~longrlvr.llm.retry.LLMError`, the layer's one failure type.
"""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable, Mapping, Sequence
from dataclasses import dataclass, replace
from typing import TYPE_CHECKING, Any, Protocol, TypeVar

from longrlvr.llm.retry import RetryStats, call_with_retries

if TYPE_CHECKING:
    from longrlvr.llm.client import AsyncLLMClient

T = TypeVar("T")
Messages = Sequence[Mapping[str, Any]]


SAMPLING_RULES: dict[str, tuple[Callable[[Any], bool], str]] = {
    "max_tokens": (lambda v: v >= 1, "at least 1"),
    "temperature": (lambda v: v >= 0, ">= 0"),
    "top_p": (lambda v: 0 < v <= 1, "in (0, 1]"),
    "n": (lambda v: v >= 1, "at least 1"),
}


def check_sampling(values: Mapping[str, Any], names: Mapping[str, str] | None = None, prefix: str = "") -> None:
    """ValueError naming the first of ``values`` (:class:`Sampling` fields) out of range as ``prefix`` + its
    name (``names`` maps a field to the caller's spelling of it, e.g. ``{"max_tokens": "max_new_tokens"}``)."""
    for key, (ok, rule) in SAMPLING_RULES.items():
        if key in values and not ok(values[key]):
            raise ValueError(f"{prefix}{(names or {}).get(key, key)} must be {rule}, got {values[key]!r}")


@dataclass(frozen=True)
class Sampling:
    """Sampling settings of one call. ``n`` replies come back; greedy when ``temperature == 0``.

    ``top_k`` and ``enable_thinking`` (``chat_template_kwargs``) are sent only when set; ``seed`` seeds the
    in-process engines (sample ``i``, attempt ``a`` uses ``seed + i + a * n``) and is not sent to endpoints.
    """

    max_tokens: int = 512
    temperature: float = 0.0
    top_p: float = 1.0
    top_k: int | None = None
    seed: int | None = None
    enable_thinking: bool | None = None
    n: int = 1

    def __post_init__(self) -> None:
        check_sampling({key: getattr(self, key) for key in SAMPLING_RULES})

    def request_fields(self) -> dict[str, Any]:
        """The fields of an OpenAI-compatible chat request (vLLM/SGLang servers also take the optional ones)."""
        fields: dict[str, Any] = {"temperature": self.temperature, "max_tokens": self.max_tokens, "top_p": self.top_p}
        if self.top_k is not None:
            fields["top_k"] = self.top_k
        if self.enable_thinking is not None:
            fields["chat_template_kwargs"] = self.template_kwargs()
        return fields

    def template_kwargs(self) -> dict[str, Any]:
        """Extra arguments of the chat template (``enable_thinking`` when set)."""
        return {} if self.enable_thinking is None else {"enable_thinking": self.enable_thinking}

    def one_sample(self, index: int, attempt: int) -> Sampling:
        """The settings of sample ``index``'s attempt ``attempt``: one reply, its own seed."""
        seed = None if self.seed is None else self.seed + index + attempt * self.n
        return replace(self, n=1, seed=seed)


class ChatBackend(Protocol):
    """Chat messages to ``sampling.n`` replies (each ``validate(text)`` when given); :class:`LLMError` when a
    reply keeps failing. ``stats`` counts the retry loop's calls, retries, failures and rejected replies."""

    @property
    def stats(self) -> RetryStats: ...

    async def generate(
        self, messages: Messages, sampling: Sampling, *, validate: Callable[[str], T] | None = None
    ) -> list[Any]: ...

    async def aclose(self) -> None: ...


async def gather_or_fail(*calls: Awaitable[Any]) -> list[Any]:
    """``asyncio.gather`` that lets every call finish, then raises the first exception raised; exceptions
    *returned* as values are results like any other."""
    tasks = [asyncio.ensure_future(call) for call in calls]
    if tasks:
        await asyncio.wait(tasks)
    errors = [task.exception() for task in tasks]  # retrieves every one (no "never retrieved" log)
    for error in errors:
        if error is not None:
            raise error
    return [task.result() for task in tasks]


class OpenAIBackend:
    """An OpenAI-compatible endpoint through :class:`~longrlvr.llm.client.AsyncLLMClient` (its transport and
    ``validate`` retries, rate limit and endpoint pool); ``n`` replies are ``n`` requests."""

    def __init__(self, client: AsyncLLMClient) -> None:
        self.client = client
        self.stats = client.stats

    async def generate(
        self, messages: Messages, sampling: Sampling, *, validate: Callable[[str], T] | None = None
    ) -> list[Any]:
        fields = sampling.request_fields()
        calls = (self.client.chat(messages, validate=validate, **fields) for _ in range(sampling.n))
        return await gather_or_fail(*calls)

    async def aclose(self) -> None:
        await self.client.aclose()


class LocalBackend:
    """Base of the in-process engines: each of the ``n`` replies is one engine request (the engine batches
    concurrent requests) through the retry loop, a fresh seed per attempt. Subclasses implement
    :meth:`complete`."""

    tokenizer: Any  # a transformers tokenizer with a chat template

    def __init__(self, max_retries: int) -> None:
        self.max_retries = max_retries
        self.stats = RetryStats()

    def prompt_text(self, messages: Messages, sampling: Sampling) -> str:
        """``messages`` through the tokenizer's chat template, ready for the assistant's reply."""
        return self.tokenizer.apply_chat_template(
            [dict(m) for m in messages], tokenize=False, add_generation_prompt=True, **sampling.template_kwargs()
        )

    async def generate(
        self, messages: Messages, sampling: Sampling, *, validate: Callable[[str], T] | None = None
    ) -> list[Any]:
        async def sample(index: int) -> Any:
            return await call_with_retries(
                lambda attempt: self.complete(messages, sampling.one_sample(index, attempt)),
                validate,
                max_retries=self.max_retries,
                stats=self.stats,
            )

        return await gather_or_fail(*(sample(i) for i in range(sampling.n)))

    async def complete(self, messages: Messages, sampling: Sampling) -> str:
        """One reply text for ``messages``."""
        raise NotImplementedError

    async def aclose(self) -> None:
        """Release the engine."""
