"""RULER QA (qa_1 SQuAD v2, qa_2 HotpotQA) built locally at several lengths; RULER's per-length file layout."""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path
from typing import Any, ClassVar

from longrlvr.eval.benchmarks import register
from longrlvr.eval.benchmarks.base import FileBenchmark, Judged, JudgeFn, Score
from longrlvr.eval.benchmarks.niah import free_form_request, ruler_record
from longrlvr.eval.items import EvalItem
from longrlvr.eval.ruler import length_bucket, score_records, score_task_dir, task_files
from longrlvr.eval.ruler_qa import TASKS, build_ruler_qa
from longrlvr.eval.variants import VARIANT_ORDER, ordered
from longrlvr.rewards import ScoreRequest


def _length_dirs(root: Path) -> dict[str, Path]:
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


@register
class Ruler(FileBenchmark):
    name = "ruler"
    record_fields: ClassVar[tuple[str, ...]] = ("pred", "outputs")

    def load(self, data: Mapping[str, Any], tokenizer: Any) -> list[EvalItem]:
        tasks = [t for t in TASKS if data.get(t)]
        if not tasks:
            raise ValueError(f"ruler: give a SQuAD v2 file as data.qa_1 and/or a HotpotQA file as data.qa_2 ({TASKS})")
        options = {
            "num_samples": int(data.get("num_samples", 100)),
            "chunk_tokens": int(data.get("chunk_tokens", 512)),
            "reserve_tokens": int(data.get("reserve_tokens", 1024)),
            "seed": int(data.get("seed", 42)),
        }
        return [
            item
            for length in data["lengths"]
            for task in tasks
            for item in build_ruler_qa(task, data[task], tokenizer, int(length), **options)
        ]

    def record(self, item: EvalItem, response: str) -> dict[str, Any]:
        return ruler_record(item, response)

    def prediction_path(self, run_dir: Path, item: EvalItem) -> Path:
        return Path(run_dir) / self.name / str(item.length) / f"{item.task}.jsonl"

    def score_records(self, records: list[dict[str, Any]], path: Path, judged: Judged) -> dict[str, Any]:
        result = score_records(records, length_bucket(path.parent), judged)
        result["variants"] = ordered(result["variants"])
        return result

    def judge_request(self, record: Mapping[str, Any]) -> ScoreRequest:
        return free_form_request(record)

    def score_path(self, path: Path, out: Path | None, judge: JudgeFn | None) -> dict[str, Any]:
        """A task file, a length directory, or a model directory with ``<length>/[pred/]<task>.jsonl`` below it."""
        if not path.is_dir():
            return super().score_path(path, out, judge)
        dirs = {path.name: path} if task_files(path) else _length_dirs(path)
        if not dirs:
            raise ValueError(f"{path}: no RULER task files (<task>.jsonl) in it or below it")
        per_length = {}
        for bucket, d in dirs.items():
            sub_out = out / bucket if out is not None and len(dirs) > 1 else out
            per_length[bucket] = score_task_dir(d, sub_out, judge)
        return {"benchmark": self.name, "lengths": per_length, "mean": _mean(per_length)}

    def task_files(self, bench_dir: Path) -> list[Path]:
        return [f for d in sorted(p for p in bench_dir.iterdir() if p.is_dir()) for f in task_files(d)]

    def report_scores(self, bench_dir: Path) -> list[Score]:
        out: list[Score] = []
        for length_dir in sorted(p for p in bench_dir.iterdir() if p.is_dir() and task_files(p)):
            for task, res in score_task_dir(length_dir).items():
                out += [
                    Score(f"ruler/{task}", length_dir.name, v, res["variants"][v]["score"])
                    for v in self.report_variants
                ]
        return out
