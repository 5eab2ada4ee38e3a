"""Row validation: every problem reported with its row index and field; never raises on bad row data.

The reward-data checks (ground truth, ``ref_chunks``, ``num_chunks``) are the scorer's own
(:func:`longrlvr.rewards.row_data_errors`), so a row this validator accepts is never scored as malformed data.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any

from longrlvr.data.schema import REQUIRED_COLUMNS
from longrlvr.grammar import chunk_order_error, prompt_chunk_ids, prompt_chunks
from longrlvr.rewards import UnknownSourceError, row_data_errors
from longrlvr.rewards.registry import BUILTIN_SOURCES, SourceSpec, lookup

ROLES = frozenset({"system", "user", "assistant", "tool"})
PROMPT_SHAPE = "must be a non-empty list of {role, content} messages"


@dataclass(frozen=True)
class RowError:
    row: int
    field: str
    message: str

    def __str__(self) -> str:
        return f"row {self.row}: {self.field}: {self.message}"


def prompt_messages_error(prompt: Any) -> str | None:
    """None for a chat prompt (every message a dict with a known ``role`` and a string ``content``, the last one
    the user's); else why not, naming the message and key."""
    if prompt is None or isinstance(prompt, (str, bytes, Mapping)) or not hasattr(prompt, "__iter__"):
        return PROMPT_SHAPE
    try:
        messages = list(prompt)
    except TypeError:
        return PROMPT_SHAPE
    if not messages:
        return PROMPT_SHAPE
    for k, message in enumerate(messages):
        if not isinstance(message, Mapping):
            return f"message {k}: must be a dict with role and content"
        role = message.get("role")
        if not isinstance(role, str) or not role:
            return f"message {k}: role: missing"
        if role not in ROLES:
            return f"message {k}: role: {role[:20]!r} is not one of {sorted(ROLES)}"
        if not isinstance(message.get("content"), str):
            return f"message {k}: content: must be a string"
    if messages[-1]["role"] != "user":
        return f"message {len(messages) - 1}: role: the last message must be the user's"
    return None


def _split(i: int, message: str) -> RowError:
    field, _, text = message.partition(": ")
    return RowError(i, "reward_model.ground_truth" if field == "ground_truth" else field, text)


def validate_row(i: int, row: Any, sources: Mapping[str, SourceSpec] | None = None) -> list[RowError]:
    """All problems of one row; ``sources`` is the reward source table (default: the built-ins)."""
    if not isinstance(row, Mapping):
        return [RowError(i, "row", f"must be a dict, got {type(row).__name__}")]
    errors = [RowError(i, col, "missing column") for col in REQUIRED_COLUMNS if row.get(col) is None]
    if errors:
        return errors
    source = row["data_source"]
    uses_context = True
    if not isinstance(source, str) or not source:
        errors.append(RowError(i, "data_source", "must be a non-empty string"))
    else:
        try:
            uses_context = lookup(BUILTIN_SOURCES if sources is None else sources, source).uses_context
        except UnknownSourceError as exc:
            errors.append(RowError(i, "data_source", str(exc)))
    shape = prompt_messages_error(row["prompt"])
    if shape is not None:
        return errors + [RowError(i, "prompt", shape)]
    text = list(row["prompt"])[-1]["content"]
    rm, info = row["reward_model"], row["extra_info"]
    if not isinstance(rm, Mapping):
        return errors + [RowError(i, "reward_model", "must be a dict with a ground_truth")]
    if not isinstance(info, Mapping):
        return errors + [RowError(i, "extra_info", "must be a dict")]
    errors += [_split(i, m) for m in row_data_errors(rm.get("ground_truth"), info, uses_context)]
    ids = prompt_chunk_ids(text)
    if not ids:
        errors.append(RowError(i, "prompt", "no <CHUNK_i> blocks: not built with longrlvr.grammar.build_prompt"))
    elif (order := chunk_order_error(ids)) is not None:
        errors.append(RowError(i, "prompt", order))
    num = info.get("num_chunks")
    if isinstance(num, int) and not isinstance(num, bool) and num != len(ids):
        errors.append(RowError(i, "extra_info.num_chunks", f"{num} but the prompt has {len(ids)} chunks"))
    question = info.get("question")
    if not isinstance(question, str) or not question.strip():
        errors.append(RowError(i, "extra_info.question", "missing or empty"))
    elif question not in text:
        errors.append(RowError(i, "extra_info.question", "question text does not appear in the prompt"))
    if not any(e.field == "extra_info.ref_chunks" for e in errors):
        errors += _validate_refs(i, info, text, len(ids))
    return errors


def _validate_refs(i: int, info: Mapping[str, Any], text: str, n: int) -> list[RowError]:
    refs = info.get("ref_chunks")
    if refs is None:
        return []
    if isinstance(refs, (str, bytes, Mapping)) or not hasattr(refs, "__iter__"):
        return [RowError(i, "extra_info.ref_chunks", f"must be a list of chunk ids, got {type(refs).__name__}")]
    refs = list(refs)
    if not all(isinstance(r, int) and not isinstance(r, bool) for r in refs):
        return [RowError(i, "extra_info.ref_chunks", f"{str(refs[:3])[:60]} are not integer chunk ids")]
    bad = [r for r in refs if not 0 <= r < n]
    if bad:
        return [RowError(i, "extra_info.ref_chunks", f"ids {bad} out of range for {n} chunks")]
    texts = info.get("ref_chunks_text")
    if texts is None:
        return []
    if isinstance(texts, (str, bytes)) or not hasattr(texts, "__iter__"):
        return [RowError(i, "extra_info.ref_chunks_text", "must be a list of chunk texts")]
    texts = list(texts)
    if len(texts) != len(refs):
        return [RowError(i, "extra_info.ref_chunks_text", f"{len(texts)} texts for {len(refs)} ids")]
    chunks = prompt_chunks(text)
    return [
        RowError(i, "extra_info.ref_chunks_text", f"text of chunk {r} does not match the prompt")
        for r, t in zip(refs, texts, strict=True)
        if chunks.get(int(r)) != t
    ]


def validate_rows(rows: Iterable[Any], sources: Mapping[str, SourceSpec] | None = None) -> list[RowError]:
    """All problems of all rows, in row order."""
    return [e for i, row in enumerate(rows) for e in validate_row(i, row, sources)]
