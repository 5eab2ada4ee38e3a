"""LongBench v2 (503 multiple-choice items, A-D; official json list)."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any, ClassVar

from longrlvr.eval.benchmarks import register
from longrlvr.eval.benchmarks._choice import ChoiceBenchmark
from longrlvr.eval.choice import extract_answer_official
from longrlvr.eval.items import EvalItem
from longrlvr.eval.loaders import load_longbench_v2


@register
class LongBenchV2(ChoiceBenchmark):
    name = "longbench_v2"
    letters: ClassVar[str] = "ABCD"
    group_fields: ClassVar[tuple[str, ...]] = ("difficulty", "length")
    official_extract = staticmethod(extract_answer_official)

    def load(self, data: Mapping[str, Any], tokenizer: Any) -> list[EvalItem]:
        return load_longbench_v2(
            data["path"],
            tokenizer,
            chunk_tokens=int(data.get("chunk_tokens", 512)),
            max_context_tokens=data.get("max_context_tokens"),
        )

    def record(self, item: EvalItem, response: str) -> dict[str, Any]:
        return {
            **item.meta,
            "response": response,
            "id": item.id,
            "ref_chunks": item.ref_chunks,
            "num_chunks": len(item.chunks),
        }

    def question(self, record: Mapping[str, Any]) -> str:
        q = str(record.get("question") or "")
        return q + "".join(f"\n({x}) {record[f'choice_{x}']}" for x in self.letters if q and record.get(f"choice_{x}"))
