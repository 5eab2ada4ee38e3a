"""The eval benchmark object: load items, prompt, write a prediction record, score a file, report rows.

A benchmark is one class in ``longrlvr/eval/benchmarks/<name>.py`` decorated with :func:`register`; the CLI,
the config schema, ``eval run``, ``eval score`` and ``eval report`` find it by name (docs/extending.md).
:class:`FileBenchmark` holds the shared behaviour (one prediction file per task under ``RUN/<name>/``).
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any, ClassVar

from longrlvr import jsonl
from longrlvr.eval.grounding import grounding_summary
from longrlvr.eval.items import EvalItem, PromptSettings
from longrlvr.eval.records import require_fields
from longrlvr.rewards import ScoreRequest

Judged = Sequence[bool | None] | None  # the judge's verdicts (None: a failed call), or no judge
JudgeFn = Callable[[list[dict[str, Any]]], list[bool | None]]


@dataclass(frozen=True)
class Score:
    """One report cell: benchmark (or ``benchmark/task``), length bucket, variant, value."""

    benchmark: str
    length: str
    variant: str
    score: float


class FileBenchmark:
    """Defaults for a benchmark whose predictions are ``RUN/<name>/<task>.jsonl``; subclasses set the class
    attributes and implement :meth:`load`, :meth:`record`, :meth:`score_records` and :meth:`judge_request`."""

    name: ClassVar[str]
    needs_tokenizer: ClassVar[bool] = True  # chunking and budgets need one (openai backend: --tokenizer)
    prompt_formats: ClassVar[tuple[str, ...]] = ("longrlvr", "release")
    record_fields: ClassVar[tuple[str, ...]] = ()  # fields a prediction record must carry to be scored
    report_variants: ClassVar[tuple[str, ...]] = ("official", "answer")
    report_group: ClassVar[str] = "length"  # the ``by`` breakdown the report rows use
    report_totals: ClassVar[tuple[str, ...]] = ()  # top-level numbers of a score shown on the ``all`` row

    # --- run -------------------------------------------------------------------------------------------
    def load(self, data: Mapping[str, Any], tokenizer: Any) -> list[EvalItem]:
        raise NotImplementedError

    def messages(self, item: EvalItem, prompt: PromptSettings) -> list[dict[str, str]]:
        """The chat messages for one item (default: the project grammar over the item's chunks)."""
        return item.messages(prompt)

    def record(self, item: EvalItem, response: str) -> dict[str, Any]:
        raise NotImplementedError

    def prediction_path(self, run_dir: Path, item: EvalItem) -> Path:
        return Path(run_dir) / self.name / f"{item.task}.jsonl"

    # --- score -----------------------------------------------------------------------------------------
    def score_records(self, records: list[dict[str, Any]], path: Path, judged: Judged) -> dict[str, Any]:
        """Every variant of one prediction file; per-item fields are written into ``records``."""
        raise NotImplementedError

    def judge_request(self, record: Mapping[str, Any]) -> ScoreRequest:
        """The reward-scorer request of one record, for the ``judged`` variant."""
        raise NotImplementedError

    def score_path(self, path: Path, out: Path | None, judge: JudgeFn | None) -> dict[str, Any]:
        """Score one prediction file (a directory is refused unless a subclass reads directories)."""
        if path.is_dir():
            raise ValueError(f"{path}: {self.name} takes one prediction jsonl file")
        records = jsonl.read(path)
        if not records:
            raise ValueError(f"{path}: no records")
        require_fields(path, records, self.record_fields)
        result = self.score_records(records, path, judge(records) if judge is not None else None)
        grounding = grounding_summary(records)
        if grounding is not None:
            result["grounding"] = grounding
        if out is not None:
            jsonl.rewrite(out / path.name, records)
        return {"benchmark": self.name, **result}

    # --- report ----------------------------------------------------------------------------------------
    def task_files(self, bench_dir: Path) -> list[Path]:
        from longrlvr.eval.ruler import task_files

        return task_files(bench_dir)

    def report_scores(self, bench_dir: Path) -> list[Score]:
        """The report cells of ``RUN/<name>/``: an ``all`` row (with :attr:`report_totals`) and one row per
        ``report_group`` bucket."""
        out: list[Score] = []
        for path in self.task_files(bench_dir):
            result = self.score_records(jsonl.read(path), path, None)
            variants = result["variants"]
            label = self.name if path.stem == self.name else f"{self.name}/{path.stem}"
            out += [Score(label, "all", key, result[key]) for key in self.report_totals if key in result]
            for v in self.report_variants:
                if v not in variants:
                    continue
                out.append(Score(label, "all", v, variants[v]["score"]))
                by = variants[v].get("by", {}).get(self.report_group, {})
                out += [Score(label, str(k), v, s) for k, s in by.items()]
        return out

    def report_records(self, bench_dir: Path) -> list[dict[str, Any]]:
        """Every prediction record of the run (the grounding diagnostics read them)."""
        return [r for path in self.task_files(bench_dir) for r in jsonl.read(path)]
