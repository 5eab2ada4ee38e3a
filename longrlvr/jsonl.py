"""The one jsonl module: whole-line appends, atomic rewrites, and a reader that tolerates a torn last line.

- :func:`append` writes each record as one complete line in one ``write`` (+ flush/fsync when asked), so a
  crash leaves at most a torn *last* line; the next append cuts that torn tail off first (a complete last
  record that only lacks its newline is kept), so a torn line never ends up in the middle.
- :func:`rewrite` writes a temporary file beside the target and renames it over the target (atomic on POSIX).
- :func:`read` returns the records; a last line without its newline that does not parse (a write cut short)
  is dropped (and reported through ``on_torn``); any other bad line is a :class:`UserError` naming file:line.
"""

from __future__ import annotations

import json
import os
import tempfile
from collections.abc import Callable, Iterable, Iterator
from pathlib import Path
from typing import Any, BinaryIO

from longrlvr.errors import UserError


def dumps(record: Any) -> str:
    """One record as one line (UTF-8 kept readable; no embedded newlines)."""
    return json.dumps(record, ensure_ascii=False)


def append(path: str | Path, records: Iterable[Any], fsync: bool = False) -> int:
    """Append ``records`` as whole lines; returns how many. A torn last line left by a crash is cut off first."""
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    data = "".join(dumps(r) + "\n" for r in records)
    with open(path, "r+b" if path.exists() else "w+b") as fh:
        _repair_tail(fh)
        fh.write(data.encode("utf-8"))
        fh.flush()
        if fsync:
            os.fsync(fh.fileno())
    return data.count("\n")


def _repair_tail(fh: BinaryIO) -> None:
    """Position ``fh`` at the end, after dropping an unterminated last line that does not parse."""
    end = fh.seek(0, os.SEEK_END)
    if end == 0:
        return
    fh.seek(end - 1)
    if fh.read(1) == b"\n":
        return
    start = end
    while start > 0:  # find the start of the last line, reading backwards in blocks
        block = min(65536, start)
        fh.seek(start - block)
        chunk = fh.read(block)
        nl = chunk.rfind(b"\n")
        if nl >= 0:
            start = start - block + nl + 1
            break
        start -= block
    fh.seek(start)
    try:
        json.loads(fh.read())
        fh.seek(end)
        fh.write(b"\n")  # a complete record that only lacked its newline
    except (json.JSONDecodeError, UnicodeDecodeError):
        fh.truncate(start)
        fh.seek(start)


def rewrite(path: str | Path, records: Iterable[Any]) -> int:
    """Replace the file with ``records`` atomically (temporary file in the same directory, fsync, rename)."""
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")
    count = 0
    try:
        with os.fdopen(fd, "w", encoding="utf-8") as fh:
            for record in records:
                fh.write(dumps(record) + "\n")
                count += 1
            fh.flush()
            os.fsync(fh.fileno())
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise
    return count


def iter_records(path: str | Path, on_torn: Callable[[int, str], None] | None = None) -> Iterator[Any]:
    """Records of ``path`` in order; see the module docstring for torn and bad lines. A missing file is empty."""
    path = Path(path)
    if not path.exists():
        return
    with open(path, "rb") as fh:
        lines = fh.read().split(b"\n")
    last = len(lines) - 1  # the text after the final newline ("" when the file ends cleanly)
    for index, raw in enumerate(lines):
        if not raw.strip():
            continue
        try:
            yield json.loads(raw)
        except (json.JSONDecodeError, UnicodeDecodeError) as exc:
            if index == last:  # no newline after it: a write cut short
                if on_torn is not None:
                    on_torn(index + 1, raw.decode("utf-8", "replace")[:80])
                continue
            raise UserError(f"{path}:{index + 1}: invalid JSON line: {exc}") from exc


def read(path: str | Path, on_torn: Callable[[int, str], None] | None = None) -> list[Any]:
    """All records of ``path`` (see :func:`iter_records`)."""
    return list(iter_records(path, on_torn))
