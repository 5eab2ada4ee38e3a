"""Strict settings: an unknown key is an error naming it and the closest valid key."""

from __future__ import annotations

from collections.abc import Collection, Mapping
from difflib import get_close_matches
from typing import Any


class UnknownKeyError(ValueError):
    """A misspelled or unsupported settings key."""


def check_keys(values: Mapping[str, Any], known: Collection[str], where: str) -> None:
    """Raise :class:`UnknownKeyError` for the first key of ``values`` not in ``known``."""
    for key in values:
        if key not in known:
            close = get_close_matches(str(key), list(known), n=1)
            hint = f"did you mean {close[0]!r}? " if close else ""
            raise UnknownKeyError(f"unknown key {key!r} in {where}: {hint}known: {sorted(known)}")
