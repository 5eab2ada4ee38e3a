"""The error contract of every command: :class:`UserError` (bad input the user can fix: a file, row, key or flag)
and :class:`TaskFailed` (the task ran and found a problem, e.g. invalid rows or records left to retry).

``longrlvr.cli.main`` alone turns them into one line on stderr and exit 2 (``UserError``) or 1 (``TaskFailed``),
with no traceback. The message names the file, row or key and, where one exists, the fix.
"""

from __future__ import annotations

import difflib
from collections.abc import Collection, Iterable


class UserError(ValueError):
    """Bad user input; ``str(error)`` is one line naming the file/row/key.

    A ``ValueError``, so that code reporting bad values (``except ValueError``) reports these the same way.
    """


class TaskFailed(RuntimeError):
    """The task ran and found a problem the user should see (exit 1): ``str(error)`` is one line."""


def one_line(exc: BaseException, limit: int = 300) -> str:
    """An exception's message on one line (whitespace collapsed, at most ``limit`` characters; its type when
    the message is empty), for a :class:`UserError` that wraps it."""
    return (" ".join(str(exc).split()) or type(exc).__name__)[:limit]


def closest(word: str, candidates: Iterable[str]) -> str:
    """`` (did you mean 'X'?)`` for the closest candidate, or an empty string when none is close."""
    match = difflib.get_close_matches(word, list(candidates), n=1, cutoff=0.6)
    return f" (did you mean {match[0]!r}?)" if match else ""


class UnknownKeyError(UserError):
    """A misspelled or unsupported settings key (also a ValueError, for code that builds settings from dicts)."""


def check_names(values: Iterable[str], valid: Collection[str], source: str, prefix: str = "") -> None:
    """Raise :class:`UnknownKeyError` for the first of ``values`` (keys) not in ``valid``: the one message for an
    unknown key anywhere, ``{source}: unknown key 'prefix.key' (did you mean 'prefix.other'?)`` (without a close
    key: the valid ones)."""
    for key in values:
        if key not in valid:
            full, names = f"{prefix}{key}", [f"{prefix}{name}" for name in valid]
            hint = closest(full, names) or f"; valid: {', '.join(sorted(names))}"
            raise UnknownKeyError(f"{source}: unknown key {full!r}{hint}")
