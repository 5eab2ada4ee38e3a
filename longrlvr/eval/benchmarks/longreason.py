"""LongReason (multiple choice A-E; our documented jsonl: example_idx, split, context, question, answer)."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any, ClassVar

from longrlvr.eval.benchmarks import register
from longrlvr.eval.benchmarks._choice import ChoiceBenchmark
from longrlvr.eval.choice import extract_answer_longreason
from longrlvr.eval.items import EvalItem
from longrlvr.eval.loaders import load_longreason


@register
class LongReason(ChoiceBenchmark):
    name = "longreason"
    letters: ClassVar[str] = "ABCDE"
    group_fields: ClassVar[tuple[str, ...]] = ("split",)
    official_extract = staticmethod(extract_answer_longreason)
    release_rule: ClassVar[bool] = True
    report_group: ClassVar[str] = "split"

    def load(self, data: Mapping[str, Any], tokenizer: Any) -> list[EvalItem]:
        return load_longreason(
            data["path"], tokenizer, chunk_tokens=int(data.get("chunk_tokens", 512)), split=data.get("split")
        )

    def record(self, item: EvalItem, response: str) -> dict[str, Any]:
        meta = item.meta
        return {
            "example_idx": meta["example_idx"],
            "split": meta["split"],
            "response": response,
            "answer": item.answers[0],
            "id": item.id,
            "ref_chunks": item.ref_chunks,
            "num_chunks": len(item.chunks),
        }
