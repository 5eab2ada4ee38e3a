"""``eval score``: every scoring variant of a prediction file or directory, as one JSON-ready dict.

Reads our run directories and the authors' released files as they are: RULER ``pred/*.jsonl`` (a task
file, a length directory, or a model directory with ``<length>/[pred/]<task>.jsonl`` below it), LongBench v2
and LongReason jsonl, NIAH jsonl, ``longrlvr`` jsonl. ``--out`` writes the scored per-item records (and RULER's
csv files). The benchmark object (:mod:`longrlvr.eval.benchmarks`) does the reading and scoring.
"""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path
from typing import Any

from longrlvr.eval import benchmarks
from longrlvr.eval.benchmarks.base import FileBenchmark
from longrlvr.eval.judged import judge_requests


def _judged(bench: FileBenchmark, records: list[dict[str, Any]], judge: Mapping[str, Any]) -> list[bool | None]:
    """Judge every record, store ``judge_messages/judge_verdict/judge_source`` in it; the verdicts."""
    results = judge_requests(judge, [bench.judge_request(r) for r in records])
    for r, res in zip(records, results, strict=True):
        r["judge_messages"], r["judge_verdict"], r["judge_source"] = res["messages"], res["verdict"], res["source"]
    return [res["verdict"] for res in results]


def score_path(
    benchmark: str, path: str | Path, out_dir: str | Path | None = None, judge: Mapping[str, Any] | None = None
) -> dict[str, Any]:
    """Score a prediction file (or, for RULER, a directory); every variant, breakdowns and grounding.

    ``judge`` (a :class:`longrlvr.judge.JudgeConfig` mapping) adds the ``judged`` variant; without it no
    LLM is called.
    """
    bench = benchmarks.get(benchmark)
    path = Path(path)
    if not path.exists():
        raise ValueError(f"{path}: no such file or directory")
    out = Path(out_dir) if out_dir is not None else None
    judge_fn = (lambda recs: _judged(bench, recs, judge)) if judge is not None else None
    return bench.score_path(path, out, judge_fn)
