"""Row validation: every problem reported with its row index and field."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Iterable

from longrlvr.data.schema import REQUIRED_COLUMNS
from longrlvr.grammar import prompt_chunk_ids, prompt_chunks
from longrlvr.rewards.registry import source_spec


@dataclass(frozen=True)
class RowError:
    row: int
    field: str
    message: str

    def __str__(self) -> str:
        return f"row {self.row}: {self.field}: {self.message}"


def _prompt_text(prompt: Any) -> str | None:
    if not isinstance(prompt, list) or not prompt:
        return None
    last = prompt[-1]
    if not isinstance(last, dict) or not isinstance(last.get("content"), str):
        return None
    return last["content"]


def validate_row(i: int, row: dict[str, Any]) -> list[RowError]:
    """All problems of one row."""
    errors = [RowError(i, col, "missing column") for col in REQUIRED_COLUMNS if row.get(col) is None]
    if errors:
        return errors
    if not isinstance(row["data_source"], str) or not row["data_source"]:
        errors.append(RowError(i, "data_source", "must be a non-empty string"))
    text = _prompt_text(row["prompt"])
    if text is None:
        return errors + [RowError(i, "prompt", "must be a non-empty list of {role, content} messages")]
    rm = row["reward_model"]
    gt = rm.get("ground_truth") if isinstance(rm, dict) else None
    if gt is None or (isinstance(gt, str) and not gt.strip()) or (not isinstance(gt, str) and not list(gt)):
        errors.append(RowError(i, "reward_model.ground_truth", "missing or empty ground truth"))
    info = row["extra_info"]
    if not isinstance(info, dict):
        return errors + [RowError(i, "extra_info", "must be a dict")]
    ids = prompt_chunk_ids(text)
    if not ids:
        errors.append(RowError(i, "prompt", "no <CHUNK_i> blocks: not built with longrlvr.grammar.build_prompt"))
    elif ids != list(range(len(ids))):
        errors.append(RowError(i, "prompt", f"chunk blocks must be <CHUNK_0>..<CHUNK_n-1> in order, got {ids[:8]}"))
    if info.get("num_chunks") is not None and int(info["num_chunks"]) != len(ids):
        errors.append(RowError(i, "extra_info.num_chunks", f"{info['num_chunks']} but the prompt has {len(ids)} chunks"))
    question = info.get("question")
    if not isinstance(question, str) or not question.strip():
        errors.append(RowError(i, "extra_info.question", "missing or empty"))
    elif question not in text:
        errors.append(RowError(i, "extra_info.question", "question text does not appear in the prompt"))
    errors += _validate_refs(i, row["data_source"], info, text, len(ids))
    return errors


def _validate_refs(i: int, data_source: str, info: dict[str, Any], text: str, n: int) -> list[RowError]:
    refs = info.get("ref_chunks")
    refs = list(refs) if refs is not None else []
    if not refs:
        if source_spec(str(data_source)).uses_context:
            return [RowError(i, "extra_info.ref_chunks", "missing or empty (this data source uses the context reward)")]
        return []
    bad = [r for r in refs if not isinstance(r, int) or not 0 <= r < n]
    if bad:
        return [RowError(i, "extra_info.ref_chunks", f"ids {bad} out of range for {n} chunks")]
    texts = info.get("ref_chunks_text")
    if texts is None:
        return []
    texts = list(texts)
    if len(texts) != len(refs):
        return [RowError(i, "extra_info.ref_chunks_text", f"{len(texts)} texts for {len(refs)} ids")]
    chunks = prompt_chunks(text)
    return [
        RowError(i, "extra_info.ref_chunks_text", f"text of chunk {r} does not match the prompt")
        for r, t in zip(refs, texts)
        if chunks.get(r) != t
    ]


def validate_rows(rows: Iterable[dict[str, Any]]) -> list[RowError]:
    """All problems of all rows, in row order."""
    return [e for i, row in enumerate(rows) for e in validate_row(i, row)]
