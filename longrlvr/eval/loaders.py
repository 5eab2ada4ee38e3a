"""Benchmark loaders from local files: LongBench v2 json, LongReason jsonl, NIAH jsonl, RULER QA."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

from longrlvr import jsonl
from longrlvr.eval.items import EvalItem, chunk_document, multiple_choice_question, truncate_middle

LONGBENCH_FIELDS = ("_id", "domain", "sub_domain", "difficulty", "length", "question", "answer", "context")
NIAH_FIELDS = ("id", "length", "question", "answers", "chunks", "ref_chunks")
LONGREASON_FIELDS = ("example_idx", "context", "question", "answer")


def _require(rec: dict[str, Any], fields: tuple[str, ...], where: str) -> None:
    missing = [f for f in fields if f not in rec]
    if missing:
        raise ValueError(f"{where}: missing field(s) {', '.join(missing)}")


def _records(path: str | Path) -> Iterator[tuple[str, dict[str, Any]]]:
    """(location, record) for a json list or a jsonl file."""
    path = Path(path)
    if path.suffix == ".json":
        data = jsonl.read_json(path)
        if not isinstance(data, list):
            raise ValueError(f"{path}: expected a JSON list of items")
        rows = data
    else:
        rows = jsonl.read(path)
    for n, rec in enumerate(rows):
        if not isinstance(rec, dict):
            raise ValueError(f"{path}: item {n} is not an object")
        yield f"{path}: item {n}", rec


def load_longbench_v2(
    path: str | Path, tokenizer: Any, *, chunk_tokens: int = 512, max_context_tokens: int | None = None
) -> list[EvalItem]:
    """LongBench v2 items (json list or jsonl); choices go into the question text, the answer is the letter.

    A context longer than ``max_context_tokens`` loses middle chunks (as the official code truncates the
    middle); the number dropped is kept in ``meta['truncation']``.
    """
    items = []
    for where, rec in _records(path):
        _require(rec, (*LONGBENCH_FIELDS, *(f"choice_{x}" for x in "ABCD")), where)
        chunks, dropped = truncate_middle(chunk_document(rec["context"], tokenizer, chunk_tokens), max_context_tokens)
        choices = [rec[f"choice_{x}"] for x in "ABCD"]
        meta = {k: v for k, v in rec.items() if k != "context"}
        items.append(
            EvalItem(
                id=str(rec["_id"]),
                task="longbench_v2",
                length=rec["length"],
                chunks=[c.text for c in chunks],
                question=multiple_choice_question(rec["question"], choices),
                answers=[str(rec["answer"]).strip()],
                meta={**meta, "truncation": dropped},
            )
        )
    return items


def load_longreason(
    path: str | Path, tokenizer: Any, *, chunk_tokens: int = 512, split: str | None = None
) -> list[EvalItem]:
    """LongReason jsonl: ``example_idx, context, question, answer`` (A-E), optional ``split`` and ``choices``.

    ``choices`` (a list) are put into the question as ``(A) ...`` lines; without it the question is taken to
    list its options already. ``split`` (e.g. ``8k``) defaults to the ``split`` argument.
    """
    items = []
    for where, rec in _records(path):
        _require(rec, LONGREASON_FIELDS, where)
        rec_split = rec.get("split", split)
        if rec_split is None:
            raise ValueError(f"{where}: no 'split' field and no split given")
        choices = rec.get("choices")
        question = multiple_choice_question(rec["question"], choices) if choices else rec["question"]
        chunks = chunk_document(rec["context"], tokenizer, chunk_tokens)
        items.append(
            EvalItem(
                id=f"{rec_split}-{rec['example_idx']}",
                task="longreason",
                length=rec_split,
                chunks=[c.text for c in chunks],
                question=question,
                answers=[str(rec["answer"]).strip()],
                meta={"example_idx": rec["example_idx"], "split": rec_split},
            )
        )
    return items


def load_niah(path: str | Path) -> list[EvalItem]:
    """NIAH records written by ``data_gen/hard/niah.py`` (already chunked; see docs/hard_data.md)."""
    items = []
    for where, rec in _records(path):
        _require(rec, NIAH_FIELDS, where)
        items.append(
            EvalItem(
                id=str(rec["id"]),
                task="niah",
                length=int(rec["length"]),
                chunks=list(rec["chunks"]),
                question=rec["question"],
                answers=[str(a) for a in rec["answers"]],
                ref_chunks=[int(i) for i in rec["ref_chunks"]],
                meta={k: rec[k] for k in ("depth", "actual_depth", "num_tokens") if k in rec},
            )
        )
    return items
