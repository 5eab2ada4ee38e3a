"""The one jsonl module: whole-line appends, atomic rewrites, and a reader that tolerates a torn last line.

- :func:`append` writes records as complete lines in one ``write`` under an exclusive lock (+ fsync when
  asked), so a crash leaves at most a torn *last* line; the next append cuts that torn tail off first (a
  complete last record that only lacks its newline is kept), so a torn line never ends up in the middle.
- :func:`rewrite` (records), :func:`write_json` (one JSON document) and :func:`write_text` write a temporary
  file beside the target, fsync it and rename it over the target: a crash leaves the old file or the new one,
  never a mix. :func:`atomic_path` gives that temporary path to any writer (parquet, torch). The temporary is
  removed on every exit Python sees; one orphaned by kill -9 is named ``.<target>.<pid>-<random>.tmp`` and
  removed by the next write of that target, or by :func:`sweep_temps` when a run takes its directory.
- :func:`scan` / :func:`iter_records` / :func:`read` stream the records (JSON objects); a last line without
  its newline that is not a valid record (a write cut short) is dropped and reported through ``on_torn``;
  any other bad line is a :class:`UserError` naming ``file:line`` (or, with ``on_bad``, reported and skipped).
- :func:`keep_first` cuts a file after its first ``n`` complete lines (a ledger's resume point).

Lines are compact UTF-8 JSON (``ensure_ascii=False``; ``ascii=True`` escapes, for text that may hold a lone
surrogate). A missing file is a :class:`UserError` unless ``missing_ok``.
"""

from __future__ import annotations

import fcntl
import glob
import json
import os
import re
import tempfile
from collections.abc import Callable, Iterable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import IO, Any, BinaryIO, NamedTuple

from longrlvr.errors import UserError

OnLine = Callable[[int, str], None]  # (line number, the line's first 80 characters)
_TEMP_NAME = re.compile(r"^\.(?P<name>.+)\.(?P<pid>\d+)-[^.]+\.tmp$")  # atomic_path's temporaries


class Line(NamedTuple):
    """One record of a jsonl file with its 1-based line number and the byte offset where the line starts."""

    number: int
    offset: int
    record: dict[str, Any]


def dumps(record: Any, ascii: bool = False) -> str:
    """One record as one compact line (no newline inside; non-ASCII kept readable unless ``ascii``)."""
    return json.dumps(record, ensure_ascii=ascii, separators=(",", ":"))


def encode(records: Iterable[Any], ascii: bool = False) -> bytes:
    """The jsonl bytes of ``records``; ``UnicodeEncodeError`` when a string holds a lone surrogate."""
    return "".join(dumps(r, ascii) + "\n" for r in records).encode("utf-8")


def append(path: str | Path, records: Iterable[Any], fsync: bool = False) -> int:
    """Append ``records`` as whole lines; returns how many. A torn last line left by a crash is cut off first."""
    data = encode(records)
    append_encoded(path, data, fsync)
    return data.count(b"\n")


def append_encoded(path: str | Path, data: bytes, fsync: bool = False) -> None:
    """Append lines already made by :func:`encode` (one write, under an exclusive lock; see :func:`append`)."""
    if data and not data.endswith(b"\n"):
        raise ValueError("append_encoded takes whole lines (ending with a newline)")
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    with open(path, "a+b") as fh:  # O_APPEND: every write lands at the end, even with other writers
        fcntl.flock(fh, fcntl.LOCK_EX)
        _repair_tail(fh)
        fh.write(data)
        fh.flush()
        if fsync:
            os.fsync(fh.fileno())


def _repair_tail(fh: BinaryIO) -> None:
    """Drop an unterminated last line that is not a record, or end a complete one with a newline."""
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
        nl = fh.read(block).rfind(b"\n")
        if nl >= 0:
            start = start - block + nl + 1
            break
        start -= block
    fh.seek(start)
    if _parse(fh.read()) is None:
        fh.truncate(start)
    else:
        fh.write(b"\n")  # a complete record that only lacked its newline (O_APPEND: written at the end)


def _parse(raw: bytes) -> dict[str, Any] | None:
    """The JSON object on a line, or None when the line is not one (any decoding or JSON problem)."""
    try:
        record = json.loads(raw.decode("utf-8"))
    except (ValueError, RecursionError):  # UnicodeDecodeError, JSONDecodeError, an int of >4300 digits
        return None
    return record if isinstance(record, dict) else None


def _problem(raw: bytes) -> str:
    """Why a line is not a record (for the error message)."""
    try:
        record = json.loads(raw.decode("utf-8"))
    except UnicodeDecodeError as e:
        return f"not UTF-8 (byte {e.start} of the line)"
    except ValueError as e:
        return f"invalid JSON ({getattr(e, 'msg', e)})"
    except RecursionError:
        return "invalid JSON (nested too deeply)"
    return f"expected a JSON object, got {type(record).__name__}"


def _alive(pid: int) -> bool:
    """Whether process ``pid`` runs on this machine (a pid we may not signal runs too)."""
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


def sweep_temps(directory: str | Path, name: str | None = None, any_owner: bool = False) -> list[Path]:
    """Remove the temporary files that atomic writes left in ``directory`` (kill -9, power loss); returns them.

    Only this module's temporaries (``.<target>.<pid>-<random>.tmp``) are touched: those of target ``name`` when
    given, and only when their writer ``pid`` no longer runs, unless ``any_owner`` (the caller holds the
    directory's lock, so no other writer is alive). Every atomic write sweeps its own target's first.
    """
    directory = Path(directory)
    pattern = f".{glob.escape(name)}.*.tmp" if name is not None else ".*.tmp"
    removed = []
    for tmp in directory.glob(pattern):
        match = _TEMP_NAME.match(tmp.name)
        if match is None or (name is not None and match["name"] != name):
            continue
        if any_owner or (int(match["pid"]) != os.getpid() and not _alive(int(match["pid"]))):
            tmp.unlink(missing_ok=True)
            removed.append(tmp)
    return removed


@contextmanager
def atomic_path(path: str | Path) -> Iterator[Path]:
    """A temporary path beside ``path`` to write the new content to; renamed over ``path`` when the block ends
    normally, removed on any exit (an error, a signal's exception, Ctrl-C). Its name carries this process's pid,
    so a temporary orphaned by kill -9 is swept by the next write of ``path`` (:func:`sweep_temps`)."""
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    sweep_temps(path.parent, path.name)
    fd, name = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.{os.getpid()}-", suffix=".tmp")
    os.close(fd)
    tmp = Path(name)
    try:
        yield tmp
        os.replace(tmp, path)
    finally:
        tmp.unlink(missing_ok=True)  # no-op after the rename


def _atomic_write(path: str | Path, write: Callable[[IO[str]], object]) -> None:
    """Run ``write`` on a temporary file beside ``path``, fsync it, rename it over ``path`` (:func:`atomic_path`)."""
    with atomic_path(path) as tmp, open(tmp, "w", encoding="utf-8") as fh:
        write(fh)
        fh.flush()
        os.fsync(fh.fileno())


def write_text(path: str | Path, text: str) -> None:
    """Write a text file (a config, a report) atomically."""
    _atomic_write(path, lambda fh: fh.write(text))


def rewrite(path: str | Path, records: Iterable[Any]) -> int:
    """Replace the file with ``records`` atomically; returns how many."""
    count = 0

    def write(fh: IO[str]) -> None:
        nonlocal count
        for record in records:
            fh.write(dumps(record) + "\n")
            count += 1

    _atomic_write(path, write)
    return count


def write_json(path: str | Path, value: Any, indent: int | None = 1, sort_keys: bool = False) -> None:
    """Write one JSON document (a manifest, settings, a pointer) atomically, ending with a newline."""
    _atomic_write(path, lambda fh: fh.write(json.dumps(value, indent=indent, sort_keys=sort_keys) + "\n"))


def read_json(path: str | Path) -> Any:
    """One JSON document; a missing or corrupt file is a :class:`UserError` naming it."""
    path = Path(path)
    try:
        raw = path.read_bytes()
    except FileNotFoundError:
        raise UserError(f"{path}: no such file") from None
    except IsADirectoryError:
        raise UserError(f"{path}: is a directory, expected a JSON file") from None
    try:
        return json.loads(raw.decode("utf-8"))
    except UnicodeDecodeError as e:
        raise UserError(f"{path}: corrupt JSON (not UTF-8 at byte {e.start}); restore or delete it") from None
    except (ValueError, RecursionError) as e:
        raise UserError(f"{path}: corrupt JSON ({getattr(e, 'msg', e)}); restore or delete it") from None


def scan(
    path: str | Path, on_torn: OnLine | None = None, on_bad: OnLine | None = None, missing_ok: bool = False
) -> Iterator[Line]:
    """Each record of ``path`` with its line number and byte offset, streamed (see the module docstring)."""
    path = Path(path)
    try:
        fh = open(path, "rb")
    except FileNotFoundError:
        if missing_ok:
            return
        raise UserError(f"{path}: no such file") from None
    except IsADirectoryError:
        raise UserError(f"{path}: is a directory, expected a jsonl file") from None
    offset = 0
    with fh:
        for number, raw in enumerate(fh, 1):
            start, offset = offset, offset + len(raw)
            if not raw.strip():
                continue
            record = _parse(raw)
            if record is not None:
                yield Line(number, start, record)
                continue
            text = raw.decode("utf-8", "replace")[:80]
            if not raw.endswith(b"\n"):  # the last line, cut short by a crash
                if on_torn is not None:
                    on_torn(number, text)
            elif on_bad is not None:
                on_bad(number, text)
            else:
                raise UserError(f"{path}:{number}: {_problem(raw)}")


def iter_records(
    path: str | Path, on_torn: OnLine | None = None, on_bad: OnLine | None = None, missing_ok: bool = False
) -> Iterator[dict[str, Any]]:
    """The records of ``path`` in order (see :func:`scan`)."""
    return (line.record for line in scan(path, on_torn, on_bad, missing_ok))


def read(
    path: str | Path, on_torn: OnLine | None = None, on_bad: OnLine | None = None, missing_ok: bool = False
) -> list[dict[str, Any]]:
    """All records of ``path`` (see :func:`scan`)."""
    return list(iter_records(path, on_torn, on_bad, missing_ok))


def read_at(path: str | Path, offset: int) -> dict[str, Any]:
    """The record on the line starting at byte ``offset`` (an offset from :func:`scan`)."""
    with open(path, "rb") as fh:
        fh.seek(offset)
        raw = fh.readline()
    record = _parse(raw)
    if record is None:
        raise UserError(f"{path}: byte {offset}: {_problem(raw)} (the file changed since it was scanned?)")
    return record


def count(path: str | Path) -> int:
    """Number of non-empty lines (for progress bars; does not parse them)."""
    with open(path, "rb") as fh:
        return sum(1 for line in fh if line.strip())


def keep_first(path: str | Path, lines: int | None = None, fsync: bool = True) -> int:
    """Cut ``path`` after its first ``lines`` newline-terminated lines (all of them when None); return the count.

    What follows (an unterminated tail, or lines past ``lines``) is removed; a missing file keeps 0 lines.
    """
    path = Path(path)
    if not path.exists():
        return 0
    kept, offset = 0, 0
    with open(path, "rb") as fh:
        for raw in fh:
            if not raw.endswith(b"\n") or (lines is not None and kept == lines):
                break
            kept += 1
            offset += len(raw)
    if offset != path.stat().st_size:
        with open(path, "r+b") as fh:
            fh.truncate(offset)
            if fsync:
                os.fsync(fh.fileno())
    return kept
