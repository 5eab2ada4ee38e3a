"""Helpers for the LLM client and judge tests: fast client settings against a loopback fake server."""

from __future__ import annotations

from typing import Any

from longrlvr.llm import AsyncLLMClient, LLMConfig

FAST_RETRIES = {"max_retries": 3, "backoff_base_s": 0.005, "backoff_max_s": 0.02, "timeout_s": 2.0}


def fast_config(*base_urls: str, **overrides: Any) -> LLMConfig:
    """Client settings with millisecond backoff, so retry tests run fast."""
    return LLMConfig.from_mapping({"base_urls": list(base_urls), "model": "fake-model", **FAST_RETRIES, **overrides})


def fast_client(*base_urls: str, **overrides: Any) -> AsyncLLMClient:
    return AsyncLLMClient(fast_config(*base_urls, **overrides))


def user(text: str) -> list[dict[str, str]]:
    return [{"role": "user", "content": text}]


def yes_judge(request: dict[str, Any]) -> str:
    """A picklable handler (for ``serve_in_process``) that always says yes."""
    return "[[Yes]]"
