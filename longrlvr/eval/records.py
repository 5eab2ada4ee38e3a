"""Prediction records in each benchmark's own format, their file layout, and resume bookkeeping."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from longrlvr.eval.items import EvalItem
from longrlvr.eval.ruler import read_jsonl


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


def finished_ids(path: Path) -> set[str]:
    """Ids already in a prediction file (a rerun skips them)."""
    return {str(r["id"]) for r in read_jsonl(path)} if path.exists() else set()


def append_record(path: Path, record: dict[str, Any]) -> None:
    """Append one record and flush, so an interrupted run loses at most the item in flight."""
    path.parent.mkdir(parents=True, exist_ok=True)
    with open(path, "a", encoding="utf-8") as f:
        f.write(json.dumps(record, ensure_ascii=False) + "\n")
