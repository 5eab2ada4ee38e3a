"""Redaction of secrets from text that is about to be stored (error bodies, URLs, manifests, ledgers).

An endpoint's error body may echo the request headers (``Authorization: Bearer <key>``), and a base URL may
carry credentials (``https://user:token@host``). :func:`redact` removes both kinds, ``api_key=...``-style
query parameters, and any literal secret passed in (e.g. the value of the env var named by ``api_key_env``).
Every replacement is a linear-time regex substitution (no nested quantifiers).
"""

from __future__ import annotations

import os
import re
from collections.abc import Iterable, Mapping
from typing import Any

MASK = "***"
_PATTERNS: tuple[tuple[re.Pattern[str], str], ...] = (
    # "Authorization: Bearer x", "authorization": "Basic x", 'x-api-key': 'x' (header dumps, JSON, repr)
    (
        re.compile(
            r"""(?i)(["']?(?:proxy-)?(?:authorization|x-api-key|api-key|cookie|set-cookie)["']?\s*[:=]\s*["']?)"""
            r"""[^"'\r\n,}]+"""
        ),
        r"\1" + MASK,
    ),
    (re.compile(r"(?i)\b(bearer|basic|token)\s+[A-Za-z0-9._~+/=-]{4,}"), r"\1 " + MASK),
    (re.compile(r"(?i)\b([a-z][a-z0-9+.-]*://)[^/\s@:'\"]+(?::[^/\s@'\"]*)?@"), r"\1" + MASK + "@"),  # URL userinfo
    (re.compile(r"(?i)([?&](?:api[_-]?key|key|token|access_token|secret|password)=)[^&\s'\"]+"), r"\1" + MASK),
    (re.compile(r"\bsk-[A-Za-z0-9_-]{8,}"), MASK),  # OpenAI-style keys anywhere
)


def env_secrets(names: Iterable[str | None]) -> list[str]:
    """Values of the named environment variables that are set (the keys a config refers to)."""
    return [os.environ[n] for n in names if n and os.environ.get(n)]


def redact(text: str, secrets: Iterable[str] = ()) -> str:
    """``text`` with credentials, auth headers, key parameters and the given literal ``secrets`` masked."""
    for secret in secrets:
        if secret and len(secret) >= 4:
            text = text.replace(secret, MASK)
    for pattern, replacement in _PATTERNS:
        text = pattern.sub(replacement, text)
    return text


def redact_obj(value: Any, secrets: Iterable[str] = ()) -> Any:
    """A JSON-like value with every string (keys included) passed through :func:`redact`."""
    secrets = list(secrets)
    if isinstance(value, str):
        return redact(value, secrets)
    if isinstance(value, Mapping):
        return {redact(str(k), secrets): redact_obj(v, secrets) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [redact_obj(v, secrets) for v in value]
    return value
