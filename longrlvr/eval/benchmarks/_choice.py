"""Shared behaviour of the multiple-choice benchmarks (LongBench v2, LongReason): letters, variants, judge."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from pathlib import Path
from typing import Any, ClassVar

from longrlvr.eval.benchmarks.base import FileBenchmark, Judged
from longrlvr.eval.choice import score_choice
from longrlvr.eval.judged import choice_reference
from longrlvr.rewards import ScoreRequest


class ChoiceBenchmark(FileBenchmark):
    """A benchmark whose answer is an option letter; subclasses set the letters and the official extraction."""

    letters: ClassVar[str]
    group_fields: ClassVar[tuple[str, ...]]
    official_extract: ClassVar[Callable[[str], str | None]]
    release_rule: ClassVar[bool] = False  # LongReason: gold letter anywhere in ``pred`` (the authors' rule)
    record_fields: ClassVar[tuple[str, ...]] = ("response", "answer")

    def score_records(self, records: list[dict[str, Any]], path: Path, judged: Judged) -> dict[str, Any]:
        return score_choice(
            records, letters=self.letters, official=type(self).official_extract, group_fields=self.group_fields,
            release_rule=self.release_rule, judged=judged,
        )  # fmt: skip

    def question(self, record: Mapping[str, Any]) -> str:
        return str(record.get("question") or "")

    def judge_request(self, record: Mapping[str, Any]) -> ScoreRequest:
        gold = choice_reference(record, str(record["answer"]).strip())
        info = {"question": self.question(record), "ref_chunks_text": record.get("ref_chunks_text")}
        return ScoreRequest(f"eval_choice_{len(self.letters)}", str(record.get("response") or ""), gold, info)
