"""``eval score``: every scoring variant of a prediction file or directory, as one JSON-ready dict.

Reads our run directories and the authors' released files as they are: RULER ``pred/*.jsonl`` (a task
file, a length directory, or a model directory with ``<length>/[pred/]<task>.jsonl`` below it), LongBench v2
and LongReason jsonl, NIAH jsonl. ``--out`` writes the scored per-item records (and RULER's csv files).
"""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path
from typing import Any

from longrlvr import jsonl
from longrlvr.eval.choice import score_choice
from longrlvr.eval.grounding import grounding_metrics
from longrlvr.eval.judged import choice_reference, judge_requests
from longrlvr.eval.records import require_fields
from longrlvr.eval.ruler import length_bucket, score_records, score_task_dir, task_files
from longrlvr.eval.variants import VARIANT_ORDER, ordered
from longrlvr.rewards import ScoreRequest

BENCHMARKS = ("ruler", "longbench_v2", "longreason", "niah")


def _question(benchmark: str, record: Mapping[str, Any]) -> str:
    question = str(record.get("question") or "")
    if benchmark == "longbench_v2" and question:
        return question + "".join(f"\n({x}) {record[f'choice_{x}']}" for x in "ABCD" if record.get(f"choice_{x}"))
    return question


def _score_requests(benchmark: str, records: list[dict[str, Any]]) -> list[ScoreRequest]:
    """One reward-scorer request per record: the response, the gold(s), the question and any ref chunk text."""
    requests = []
    for r in records:
        response = str(r["response"] if "response" in r else r.get("pred") or "")
        if benchmark in ("longbench_v2", "longreason"):
            source = "eval_choice_4" if benchmark == "longbench_v2" else "eval_choice_5"
            gold: Any = choice_reference(r, str(r["answer"]).strip())
        else:
            source, gold = "eval_free_form", [str(g) for g in r["outputs"]]
        info = {"question": _question(benchmark, r), "ref_chunks_text": r.get("ref_chunks_text")}
        requests.append(ScoreRequest(source, response, gold, info))
    return requests


def _judged(benchmark: str, records: list[dict[str, Any]], judge: Mapping[str, Any]) -> list[bool | None]:
    """Judge every record, store ``judge_messages/judge_verdict/judge_source`` in it; the verdicts."""
    results = judge_requests(judge, _score_requests(benchmark, records))
    for r, res in zip(records, results, strict=True):
        r["judge_messages"], r["judge_verdict"], r["judge_source"] = res["messages"], res["verdict"], res["source"]
    return [res["verdict"] for res in results]


def _ruler_length_dirs(root: Path) -> dict[str, Path]:
    """``bucket -> directory holding the task files`` below a model directory (``<len>/pred/`` or ``<len>/``)."""
    found = {}
    for d in sorted(p for p in root.rglob("*") if p.is_dir() and task_files(p)):
        bucket = next((part for part in reversed(d.relative_to(root).parts) if part.isdigit()), None)
        found[bucket or str(d.relative_to(root))] = d
    return found


def _mean(per_length: dict[str, dict[str, Any]]) -> dict[str, float]:
    """Mean over every (length, task) score of each variant (the paper's RULER-QA average)."""
    scores: dict[str, list[float]] = {}
    for tasks in per_length.values():
        for res in tasks.values():
            for name, v in res["variants"].items():
                scores.setdefault(name, []).append(v["score"])
    return {k: round(sum(scores[k]) / len(scores[k]), 2) for k in VARIANT_ORDER if k in scores}


def _score_ruler_dir(path: Path, out_dir: Path | None, judge: Mapping[str, Any] | None) -> dict[str, Any]:
    dirs = {path.name: path} if task_files(path) else _ruler_length_dirs(path)
    if not dirs:
        raise ValueError(f"{path}: no RULER task files (<task>.jsonl) in it or below it")
    per_length = {}
    for bucket, d in dirs.items():
        sub_out = out_dir / bucket if out_dir is not None and len(dirs) > 1 else out_dir
        judged = (lambda recs: _judged("ruler", recs, judge)) if judge is not None else None
        per_length[bucket] = score_task_dir(d, sub_out, judged)
    return {"benchmark": "ruler", "lengths": per_length, "mean": _mean(per_length)}


def score_path(
    benchmark: str, path: str | Path, out_dir: str | Path | None = None, judge: Mapping[str, Any] | None = None
) -> dict[str, Any]:
    """Score a prediction file (or, for RULER, a directory); every variant, breakdowns and grounding.

    ``judge`` (a :class:`longrlvr.judge.JudgeConfig` mapping) adds the ``judged`` variant; without it no
    LLM is called.
    """
    if benchmark not in BENCHMARKS:
        raise ValueError(f"unknown benchmark {benchmark!r}; expected one of {BENCHMARKS}")
    path = Path(path)
    if not path.exists():
        raise ValueError(f"{path}: no such file or directory")
    out = Path(out_dir) if out_dir is not None else None
    if benchmark == "ruler" and path.is_dir():
        return _score_ruler_dir(path, out, judge)
    if path.is_dir():
        raise ValueError(f"{path}: {benchmark} takes one prediction jsonl file")
    records = jsonl.read(path)
    if not records:
        raise ValueError(f"{path}: no records")
    free_form = benchmark in ("ruler", "niah")
    require_fields(path, records, ("pred", "outputs") if free_form else ("response", "answer"))
    verdicts = _judged(benchmark, records, judge) if judge is not None else None
    if free_form:
        result = score_records(records, length_bucket(path.parent) if benchmark == "ruler" else None, verdicts)
        result["variants"] = ordered(result["variants"])
    else:
        result = score_choice(benchmark, records, verdicts)
    grounding = grounding_metrics(records)
    if grounding is not None:
        result["grounding"] = grounding
    if out is not None:
        jsonl.rewrite(out / path.name, records)
    return {"benchmark": benchmark, **result}
