"""Prediction records in each benchmark's own format, their file layout, and resume bookkeeping.

A prediction file holds one line per finished item and nothing else. Items whose generation failed are kept
in ``<task>.failed.jsonl`` next to it (``{id, error}``) and are retried by the next run. Reading tolerates
a torn last line (an interrupted append); :func:`repair_jsonl` cuts it before a run appends again.
"""

from __future__ import annotations

import json
import os
import tempfile
from collections.abc import Iterable
from pathlib import Path
from typing import Any

from longrlvr.eval.items import EvalItem

FAILED_SUFFIX = ".failed.jsonl"


def read_jsonl(path: str | Path) -> list[dict[str, Any]]:
    """Rows of a jsonl file; a torn last line is skipped, any other bad line raises ``ValueError`` (file:line)."""
    with open(path, encoding="utf-8") as f:
        lines = f.read().split("\n")
    rows = []
    for n, line in enumerate(lines, 1):
        if not line.strip():
            continue
        try:
            rows.append(json.loads(line))
        except json.JSONDecodeError as e:
            if n == len(lines):  # no newline after it: an append that was cut off
                break
            raise ValueError(f"{path}:{n}: not JSON ({e.msg})") from e
    return rows


def require_fields(path: str | Path, records: list[dict[str, Any]], fields: tuple[str, ...]) -> None:
    """Raise ``ValueError`` naming file, record and field(s) when a record lacks one of ``fields``."""
    for n, r in enumerate(records, 1):
        missing = [f for f in fields if f not in r]
        if missing:
            raise ValueError(f"{path}: record {n}: missing field(s) {', '.join(missing)}")


def repair_jsonl(path: Path) -> bool:
    """Cut a torn last line (or end a complete one with a newline); True when the file changed."""
    if not path.exists():
        return False
    data = path.read_bytes()
    if not data or data.endswith(b"\n"):
        return False
    cut = data.rfind(b"\n") + 1
    try:
        json.loads(data[cut:])
    except (json.JSONDecodeError, UnicodeDecodeError):
        with open(path, "r+b") as f:
            f.truncate(cut)
        return True
    with open(path, "ab") as f:
        f.write(b"\n")
    return True


def write_jsonl(rows: Iterable[dict[str, Any]], path: str | Path) -> None:
    """Write rows as jsonl atomically (temp file in the same folder, then rename)."""
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")
    try:
        with os.fdopen(fd, "w", encoding="utf-8") as f:
            for row in rows:
                f.write(json.dumps(row, ensure_ascii=False) + "\n")
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise


def append_record(path: Path, record: dict[str, Any]) -> None:
    """Append one record and flush, so an interrupted run loses at most the item in flight."""
    path.parent.mkdir(parents=True, exist_ok=True)
    with open(path, "a", encoding="utf-8") as f:
        f.write(json.dumps(record, ensure_ascii=False) + "\n")


def prediction_record(benchmark: str, item: EvalItem, response: str) -> dict[str, Any]:
    """The record the benchmark's scorer reads, plus ``id`` (resume key) and chunk bookkeeping."""
    common = {"id": item.id, "ref_chunks": item.ref_chunks, "num_chunks": len(item.chunks)}
    if benchmark in ("ruler", "niah"):
        index = int(item.id) if item.id.isdigit() else item.id
        others = {k: v for k, v in item.meta.items() if k != "truncation"}
        record = {"index": index, "pred": response, "outputs": item.answers, "others": others}
        return {**record, "truncation": item.meta.get("truncation", -1), "length": item.length, **common}
    if benchmark == "longbench_v2":
        return {**item.meta, "response": response, **common}
    if benchmark == "longreason":
        meta = item.meta
        record = {"example_idx": meta["example_idx"], "split": meta["split"], "response": response}
        return {**record, "answer": item.answers[0], **common}
    raise ValueError(f"unknown benchmark {benchmark!r}")


def prediction_path(run_dir: str | Path, benchmark: str, item: EvalItem) -> Path:
    """``RUN/ruler/<length>/<task>.jsonl`` (RULER's per-length layout) or ``RUN/<benchmark>/<task>.jsonl``."""
    base = Path(run_dir) / benchmark
    return base / str(item.length) / f"{item.task}.jsonl" if benchmark == "ruler" else base / f"{item.task}.jsonl"


def failed_path(path: Path) -> Path:
    """The failed-items file of a prediction file: ``qa_1.jsonl`` -> ``qa_1.failed.jsonl``."""
    return path.with_name(path.stem + FAILED_SUFFIX)


def finished_ids(path: Path) -> set[str]:
    """Ids already in a prediction file (a rerun skips them); a torn last line is repaired first."""
    if not path.exists():
        return set()
    repair_jsonl(path)
    return {str(r["id"]) for r in read_jsonl(path)}


def read_failures(path: Path) -> dict[str, str]:
    """``id -> reason`` of the items of a prediction file whose last attempt failed."""
    failed = failed_path(path)
    return {str(r["id"]): str(r["error"]) for r in read_jsonl(failed)} if failed.exists() else {}


def write_failures(path: Path, failures: dict[str, str]) -> None:
    """Rewrite the failed-items file (atomically); removed when nothing failed."""
    failed = failed_path(path)
    if failures:
        write_jsonl(({"id": k, "error": v} for k, v in sorted(failures.items())), failed)
    else:
        failed.unlink(missing_ok=True)
