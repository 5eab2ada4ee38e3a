"""Needle in a haystack from ``longrlvr data niah`` (already chunked; RULER's record format, free-form answers)."""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path
from typing import Any, ClassVar

from longrlvr.eval.benchmarks import register
from longrlvr.eval.benchmarks.base import FileBenchmark, Judged
from longrlvr.eval.items import EvalItem
from longrlvr.eval.loaders import load_niah
from longrlvr.eval.ruler import score_records
from longrlvr.eval.variants import ordered
from longrlvr.rewards import ScoreRequest


def ruler_record(item: EvalItem, response: str) -> dict[str, Any]:
    """RULER's prediction record (``index, pred, outputs, others``) plus our resume and chunk bookkeeping."""
    index = int(item.id) if item.id.isdigit() else item.id
    others = {k: v for k, v in item.meta.items() if k != "truncation"}
    return {
        "index": index,
        "pred": response,
        "outputs": item.answers,
        "others": others,
        "truncation": item.meta.get("truncation", -1),
        "length": item.length,
        "id": item.id,
        "ref_chunks": item.ref_chunks,
        "num_chunks": len(item.chunks),
    }


def free_form_request(record: Mapping[str, Any]) -> ScoreRequest:
    info = {"question": str(record.get("question") or ""), "ref_chunks_text": record.get("ref_chunks_text")}
    return ScoreRequest("eval_free_form", str(record.get("pred") or ""), [str(g) for g in record["outputs"]], info)


@register
class Niah(FileBenchmark):
    name = "niah"
    needs_tokenizer: ClassVar[bool] = False
    record_fields: ClassVar[tuple[str, ...]] = ("pred", "outputs")

    def load(self, data: Mapping[str, Any], tokenizer: Any) -> list[EvalItem]:
        return load_niah(data["path"])

    def record(self, item: EvalItem, response: str) -> dict[str, Any]:
        return ruler_record(item, response)

    def score_records(self, records: list[dict[str, Any]], path: Path, judged: Judged) -> dict[str, Any]:
        result = score_records(records, None, judged)
        result["variants"] = ordered(result["variants"])
        return result

    def judge_request(self, record: Mapping[str, Any]) -> ScoreRequest:
        return free_form_request(record)
