"""The one retry loop of every chat call: the OpenAI-compatible client's and the local engines' alike.

An *attempt* produces one reply text or raises :class:`AttemptFailed` (a transport fault, a 5xx, ...); a reply
that ``validate`` rejects (ValueError) counts as a failed attempt too. After ``max_retries`` retries the call
raises :class:`LLMError`, the one failure type of the chat layer, with the last reason.
"""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, fields
from typing import Any, TypeVar

T = TypeVar("T")
REJECTED = "reply rejected by validate"


class LLMError(RuntimeError):
    """A chat call that failed after all retries (or hit a non-retryable error); ``reason`` is the last one."""

    def __init__(self, reason: str, attempts: int) -> None:
        super().__init__(f"LLM call failed after {attempts} attempt(s): {reason}")
        self.reason = reason
        self.attempts = attempts

    @property
    def rejected(self) -> bool:
        """True when the last attempt's reply was rejected by ``validate`` (the model's answer, not a fault)."""
        return self.reason.startswith(REJECTED)


class AttemptFailed(Exception):
    """One attempt failed; ``retryable`` says whether another may help, ``retry_after_s`` is a server's hint."""

    def __init__(self, reason: str, retryable: bool = True, retry_after_s: float | None = None) -> None:
        super().__init__(reason)
        self.reason, self.retryable, self.retry_after_s = reason, retryable, retry_after_s


@dataclass
class RetryStats:
    """Counters: ``calls``, ``retries``, calls that ended in :class:`LLMError` (``failures``) and replies
    ``validate`` rejected (``invalid``)."""

    calls: int = 0
    retries: int = 0
    failures: int = 0
    invalid: int = 0

    def as_dict(self) -> dict[str, Any]:
        return {f.name: getattr(self, f.name) for f in fields(self)}


async def call_with_retries(
    attempt: Callable[[int], Awaitable[str]],
    validate: Callable[[str], T] | None,
    *,
    max_retries: int,
    stats: RetryStats,
    backoff_s: Callable[[int, float | None], float] | None = None,
) -> str | T:
    """``validate(await attempt(i))`` for the first attempt ``i`` that succeeds, at most ``max_retries + 1``.

    ``backoff_s(retry, retry_after_s)`` is the wait before retry number ``retry`` (0-based); none: no wait.
    """
    stats.calls += 1
    reason, retry_after_s = "", None
    attempts = max_retries + 1
    for number in range(attempts):
        if number:
            stats.retries += 1
            if backoff_s is not None:
                await asyncio.sleep(backoff_s(number - 1, retry_after_s))
        try:
            text = await attempt(number)
        except AttemptFailed as failure:
            reason, retry_after_s = failure.reason, failure.retry_after_s
            if not failure.retryable:
                attempts = number + 1
                break
            continue
        if validate is None:
            return text
        try:
            return validate(text)
        except ValueError as rejected:
            stats.invalid += 1
            reason, retry_after_s = f"{REJECTED}: {rejected}", None
    stats.failures += 1
    raise LLMError(reason, attempts)
