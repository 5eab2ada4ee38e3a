"""Settings of the OpenAI-compatible client: endpoints from config or env, the key from a named env var."""

from __future__ import annotations

import dataclasses
import os
import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from longrlvr.errors import check_names

_URL_SPLIT_RE = re.compile(r"[,\s]+")


def split_urls(value: str | Any) -> tuple[str, ...]:
    """Base URLs from a list or a comma/whitespace separated string, trailing slashes removed."""
    items = _URL_SPLIT_RE.split(value) if isinstance(value, str) else [str(v) for v in value or ()]
    return tuple(u.strip().rstrip("/") for u in items if u and u.strip())


@dataclass(frozen=True)
class LLMConfig:
    """How :class:`~longrlvr.llm.client.AsyncLLMClient` talks to one or more OpenAI-compatible endpoints.

    ``base_urls``: e.g. ``http://host:8000/v1`` (requests go to ``{base_url}/chat/completions``), used
    round-robin; an endpoint failing ``failures_to_skip`` times in a row is skipped for ``cooldown_s``
    and then probed again. ``max_retries`` retries follow the first attempt, with exponential backoff
    (``backoff_base_s * 2**n`` capped at ``backoff_max_s``) plus up to ``jitter`` of it at random.
    ``api_key_env`` names the environment variable that holds the key (never the key itself).
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
    params: Mapping[str, Any] = field(default_factory=dict)

    def __post_init__(self) -> None:
        object.__setattr__(self, "base_urls", split_urls(self.base_urls))
        if not self.base_urls:
            raise ValueError("LLMConfig.base_urls is empty: give base_urls or base_urls_env")
        bad = [u for u in self.base_urls if not u.startswith(("http://", "https://"))]
        if bad:
            raise ValueError(f"LLMConfig.base_urls must be http(s) URLs, got {bad}")
        if not self.model:
            raise ValueError("LLMConfig.model is empty")
        checks = {
            "max_concurrency": self.max_concurrency >= 1,
            "timeout_s": self.timeout_s > 0,
            "max_retries": self.max_retries >= 0,
            "failures_to_skip": self.failures_to_skip >= 1,
            "requests_per_minute": self.requests_per_minute is None or self.requests_per_minute > 0,
            "backoff_base_s": 0 <= self.backoff_base_s <= self.backoff_max_s,
            "jitter": self.jitter >= 0,
            "cooldown_s": self.cooldown_s >= 0,
        }
        wrong = [name for name, ok in checks.items() if not ok]
        if wrong:
            raise ValueError(f"LLMConfig has invalid value(s) for {wrong}")

    def api_key(self) -> str | None:
        """The API key read from ``api_key_env`` (None when no variable is named)."""
        if not self.api_key_env:
            return None
        key = os.environ.get(self.api_key_env)
        if not key:
            raise ValueError(f"LLMConfig.api_key_env names {self.api_key_env!r} but that environment variable is unset")
        return key

    @classmethod
    def field_names(cls) -> frozenset[str]:
        return frozenset(f.name for f in dataclasses.fields(cls)) | {"base_urls_env"}

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
            if f.name not in values and f.default is dataclasses.MISSING and f.default_factory is dataclasses.MISSING
        ]
        if required:
            raise ValueError(f"LLM client: missing required key(s) {required}")
        return cls(**values)
