"""Redaction of secrets from text that is about to be stored or shown (error bodies, messages, manifests, ledgers,
failed-item files, stderr).

Two layers, both linear (``str.replace`` per known form, regexes without nested quantifiers):

- **The configured secret values, in every form.** Whatever the process read from configuration is registered
  once (:func:`register`: ``LLMConfig.api_key()`` registers the key, :func:`split_credentials` the ``user:pass``
  of a base URL) and :func:`redact` masks each registered secret wherever it appears: the value, its
  percent-encoded and percent-decoded forms, base64 of it (standard and URL-safe, with and without padding), and
  for URL credentials ``user:pass`` and its base64 (the ``Authorization: Basic`` header) and the password alone.
  An endpoint that echoes the bare key in a 401 body therefore leaks nothing.
- **Patterns**: header dumps (``Authorization: Bearer x``), URL userinfo, ``api_key=`` parameters, ``sk-`` keys.

Secrets shorter than :data:`MIN_SECRET` characters are not registered (they would mask ordinary words).
"""

from __future__ import annotations

import base64
import os
import re
import threading
from collections.abc import Iterable, Mapping
from typing import Any
from urllib.parse import quote, unquote, urlsplit, urlunsplit

MASK = "***"
MIN_SECRET = 4
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
_LOCK = threading.Lock()
_REGISTERED: set[str] = set()  # every form of every registered secret


def forms(secret: str) -> set[str]:
    """The strings under which ``secret`` may appear in text (value, percent forms, base64 forms)."""
    out = {secret, quote(secret, safe=""), quote(secret), unquote(secret)}
    raw = secret.encode("utf-8", "surrogatepass")
    for encoded in (base64.b64encode(raw), base64.urlsafe_b64encode(raw)):
        text = encoded.decode("ascii")
        out |= {text, text.rstrip("=")}
    return {f for f in out if len(f) >= MIN_SECRET}


def register(*secrets: str | None) -> None:
    """Remember every form of ``secrets`` for every later :func:`redact` in this process."""
    with _LOCK:
        for secret in secrets:
            if secret and len(secret) >= MIN_SECRET:
                _REGISTERED.update(forms(secret))


def register_userinfo(user: str, password: str) -> None:
    """URL credentials: ``user:pass`` (raw and decoded; its base64 is the Basic-auth header) and the password."""
    register(f"{user}:{password}", f"{unquote(user)}:{unquote(password)}", password, unquote(password))


def forget_all() -> None:
    """Forget every registered secret (tests)."""
    with _LOCK:
        _REGISTERED.clear()


def split_credentials(url: str) -> tuple[str, tuple[str, str] | None]:
    """``(url without userinfo, (user, password) decoded or None)``; registers the credentials. Never raises."""
    try:
        parts = urlsplit(url)
        user, password = parts.username, parts.password
    except ValueError:
        return url, None
    if user is None and password is None:
        return url, None
    register_userinfo(user or "", password or "")
    netloc = parts.netloc.rpartition("@")[2]
    clean = urlunsplit((parts.scheme, netloc, parts.path, parts.query, parts.fragment))
    return clean, (unquote(user or ""), unquote(password or ""))


def env_secrets(names: Iterable[str | None]) -> list[str]:
    """Values of the named environment variables that are set (the keys a config refers to); registered too."""
    values = [os.environ[n] for n in names if n and os.environ.get(n)]
    register(*values)
    return values


def redact(text: str, secrets: Iterable[str] = ()) -> str:
    """``text`` with every registered secret and the given ``secrets`` masked in every form (longest first),
    then credentials, auth headers, key parameters and ``sk-`` keys."""
    with _LOCK:
        known = set(_REGISTERED)
    for secret in secrets:
        if secret and len(secret) >= MIN_SECRET:
            known |= forms(secret)
    for form in sorted(known, key=len, reverse=True):
        if form in text:
            text = text.replace(form, MASK)
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
