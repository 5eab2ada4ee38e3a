"""Prediction-file bookkeeping: required fields, finished ids, failed items (each benchmark's record format and
file layout live in its :mod:`longrlvr.eval.benchmarks` object).

A prediction file holds one line per finished item and nothing else. Items whose generation failed are kept
in ``<task>.failed.jsonl`` next to it (``{id, error}``) and are retried by the next run. Files are read and
written with :mod:`longrlvr.jsonl`: reading skips a torn last line (an interrupted append), and the next
append cuts it off.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from longrlvr import jsonl

FAILED_SUFFIX = ".failed.jsonl"


def require_fields(path: str | Path, records: list[dict[str, Any]], fields: tuple[str, ...]) -> None:
    """Raise ``ValueError`` naming file, record and field(s) when a record lacks one of ``fields``."""
    for n, r in enumerate(records, 1):
        missing = [f for f in fields if f not in r]
        if missing:
            raise ValueError(f"{path}: record {n}: missing field(s) {', '.join(missing)}")


def failed_path(path: Path) -> Path:
    """The failed-items file of a prediction file: ``qa_1.jsonl`` -> ``qa_1.failed.jsonl``."""
    return path.with_name(path.stem + FAILED_SUFFIX)


def finished_ids(path: Path) -> set[str]:
    """Ids already in a prediction file (a rerun skips them; a torn last line is not an item)."""
    return {str(r["id"]) for r in jsonl.iter_records(path, missing_ok=True)}


def read_failures(path: Path) -> dict[str, str]:
    """``id -> reason`` of the items of a prediction file whose last attempt failed."""
    return {str(r["id"]): str(r["error"]) for r in jsonl.iter_records(failed_path(path), missing_ok=True)}


def write_failures(path: Path, failures: dict[str, str]) -> None:
    """Rewrite the failed-items file (atomically); removed when nothing failed."""
    failed = failed_path(path)
    if failures:
        jsonl.rewrite(failed, ({"id": k, "error": v} for k, v in sorted(failures.items())))
    else:
        failed.unlink(missing_ok=True)
