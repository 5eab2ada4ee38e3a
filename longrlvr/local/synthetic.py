"""A synthetic grounded QA task for tiny models: associative recall.

Each document is ``num_chunks`` chunks, each binding one key to one value ("7 bak"); the keys of a
document are distinct made-up words (one token each), the values single digits (one token each, so
exact match, containment and token F1 score an answer identically). The question asks the value of one
key ("What goes with bak?"): its answer is in exactly one chunk, the reference chunk. Finding it by
chance is a 1/N event, and guessing a digit is right about 1/10 of the time, so both naming the chunk
and answering need the model to read: match the question's key against the document's keys, then copy
the chunk tag and the value (an induction-style circuit; how far the tiny models get within the CPU
budget is in docs/local_engine.md).
"""

from __future__ import annotations

import itertools
import random
from pathlib import Path
from typing import Any

from longrlvr.data import make_row, validate_rows, write_parquet
from longrlvr.grammar import format_response

DATA_SOURCE = "synthetic"
# 59 made-up one-token words ("bal", "bas", "ben", ...): every third consonant-vowel-consonant word
_CVC = tuple(c1 + v + c2 for c1, v, c2 in itertools.product("bdgkmpt", "aeiou", "lnrsx"))
KEYS = _CVC[::3]
VALUES = tuple(str(d) for d in range(10))
INSTRUCTION = "Name the chunk, then answer."


def binding(key: str, value: str) -> str:
    return f"{value} {key}"


def question_of(key: str) -> str:
    return f"What goes with {key}?"


def corpus() -> list[str]:
    """Text covering the task's whole vocabulary, each key often enough to become one token."""
    questions = [question_of(k) for k in KEYS for _ in range(4)]
    return [INSTRUCTION, *questions, *(binding(k, v) for k in KEYS for v in VALUES)]


def make_example(rng: random.Random, num_chunks: int) -> tuple[list[str], str, str, list[int]]:
    """One document: (chunks, question, answer, reference chunk ids)."""
    if not 2 <= num_chunks <= len(KEYS):
        raise ValueError(f"num_chunks must be in [2, {len(KEYS)}], got {num_chunks}")
    keys = rng.sample(KEYS, num_chunks)
    values = [rng.choice(VALUES) for _ in keys]
    ref = rng.randrange(num_chunks)
    return [binding(k, v) for k, v in zip(keys, values, strict=True)], question_of(keys[ref]), values[ref], [ref]


def generate_rows(num_rows: int, *, num_chunks: int = 16, seed: int = 0, split: str = "train") -> list[dict[str, Any]]:
    """``num_rows`` dataset rows in the standard schema (data_source ``synthetic``), validated."""
    rng = random.Random(f"{seed}-{split}-{num_chunks}")
    rows = []
    for i in range(num_rows):
        chunks, question, answer, refs = make_example(rng, num_chunks)
        rows.append(
            make_row(
                chunks=chunks, question=question, answer=answer, ref_chunks=refs, index=i,
                data_source=DATA_SOURCE, instruction=INSTRUCTION, split=split, extra={"hops": 1},
            )
        )  # fmt: skip
    errors = validate_rows(rows)
    if errors:
        raise RuntimeError(f"synthetic generator produced invalid rows: {errors[:3]}")
    return rows


def reference_response(row: dict[str, Any]) -> str:
    """The ideal response of a row (the warm-start SFT target)."""
    gt = row["reward_model"]["ground_truth"]
    answer = gt if isinstance(gt, str) else gt[0]
    return format_response(row["extra_info"]["ref_chunks"], answer)


def write_synthetic(out_dir: str | Path, train_size: int, val_size: int, **kwargs: Any) -> tuple[Path, Path]:
    """Write ``train.parquet`` and ``val.parquet`` under ``out_dir``; returns their paths."""
    out = Path(out_dir)
    train = write_parquet(generate_rows(train_size, split="train", **kwargs), out / "train.parquet")
    val = write_parquet(generate_rows(val_size, split="val", **kwargs), out / "val.parquet")
    return train, val
