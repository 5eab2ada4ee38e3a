"""One entry point per benchmark: read a prediction file, score it, optionally write files back."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from longrlvr.eval.choice import score_longbench_v2, score_longreason
from longrlvr.eval.grounding import grounding_metrics
from longrlvr.eval.ruler import VARIANTS, read_jsonl, score_records, score_task_dir

BENCHMARKS = ("ruler", "longbench_v2", "longreason", "niah")


def write_jsonl(rows: list[dict[str, Any]], path: str | Path) -> None:
    """Write rows as jsonl (UTF-8, one object a line)."""
    with open(path, "w", encoding="utf-8") as f:
        for row in rows:
            f.write(json.dumps(row, ensure_ascii=False) + "\n")


def score_file(
    benchmark: str, path: str | Path, variant: str = "raw", out_dir: str | Path | None = None
) -> dict[str, Any]:
    """Score a prediction jsonl (or, for RULER, a directory of task files) and return the summary."""
    path = Path(path)
    if benchmark in ("ruler", "niah"):
        if variant not in VARIANTS:
            raise ValueError(f"unknown variant {variant!r} for {benchmark}; expected one of {VARIANTS}")
        if path.is_dir():
            tasks = score_task_dir(path, variant, out_dir)
            return {"benchmark": benchmark, "tasks": tasks}
        records = read_jsonl(path)
        result = score_records(records, variant)
    elif benchmark == "longbench_v2":
        records = read_jsonl(path)
        judged = [r.get("judge_verdict") for r in records] if any("judge_verdict" in r for r in records) else None
        result = score_longbench_v2(records, judged)
        if out_dir is not None:
            Path(out_dir).mkdir(parents=True, exist_ok=True)
            write_jsonl(records, Path(out_dir) / path.name)
    elif benchmark == "longreason":
        records = read_jsonl(path)
        result = score_longreason(records)
    else:
        raise ValueError(f"unknown benchmark {benchmark!r}; expected one of {BENCHMARKS}")
    grounding = grounding_metrics(records)
    if grounding is not None:
        result["grounding"] = grounding
    return {"benchmark": benchmark, **result}
