"""A synthetic grounded QA task for tiny models: associative recall.

Each document is ``num_chunks`` chunks, each a record binding one key to one value (" bak7 bak": the key,
its value, the key again); the keys of a document are distinct made-up words (one token each), the values
single digits drawn independently (one token each, so exact match, containment and token F1 score an answer
identically). The question asks the value of one key ("What goes with bak?"): its answer is in exactly one
chunk, the reference chunk. Finding it by chance is a 1/N event, and guessing a digit is right about 1/10
of the time, so naming the chunk and answering both need the model to read.

The reference response (the warm-start target) thinks by quoting its evidence, the record and the tag that
closes it (``<think> bak7 bak\n</CHUNK_3></think>``), then names the chunk and answers. Every token of that
quote is what follows the previous one in the document, so a reader only has to match its current token
against the document and copy the next one (an induction step); the tiny tokenizer makes each key + the
closing tag's prefix one token (:func:`key_closers`), which puts the chunk id right after a token unique to
its chunk. Why the task is shaped this way (what tiny models did and did not learn): docs/local_engine.md.
"""

from __future__ import annotations

import itertools
import random
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from longrlvr.data import make_row, validate_rows, write_parquet
from longrlvr.grammar import format_response, prompt_chunks

DATA_SOURCE = "synthetic"
# 59 made-up one-token words ("bal", "bas", "ben", ...): every third consonant-vowel-consonant word
_CVC = tuple(c1 + v + c2 for c1, v, c2 in itertools.product("bdgkmpt", "aeiou", "lnrsx"))
KEYS = _CVC[::3]
VALUES = tuple(str(d) for d in range(10))
INSTRUCTION = "Name the chunk, then answer."


def binding(key: str, value: str) -> str:
    """The text of the chunk that binds ``key`` to ``value``."""
    return f" {key}{value} {key}"


def key_closers() -> list[str]:
    """Each key followed by the prefix of a closing chunk tag: whole tokens of the tiny tokenizer."""
    return [f" {k}\n</CHUNK_" for k in KEYS]


def question_of(key: str) -> str:
    return f"What goes with {key}?"


def corpus() -> list[str]:
    """Text covering the task's whole vocabulary, each key often enough to become one token."""
    questions = [question_of(k) for k in KEYS for _ in range(4)]
    return [INSTRUCTION, *questions, *(binding(k, v) for k in KEYS for v in VALUES)]


def make_example(rng: random.Random, num_chunks: int) -> tuple[list[str], str, str, list[int]]:
    """One document: (chunks, question, answer, reference chunk ids).

    Above 10 chunks the ids take two digit tokens, which the tiny reader does not learn to copy (docs/local_engine.md).
    """
    if not 2 <= num_chunks <= len(KEYS):
        raise ValueError(f"num_chunks must be in [2, {len(KEYS)}], got {num_chunks}")
    keys = rng.sample(KEYS, num_chunks)
    values = [rng.choice(VALUES) for _ in keys]
    ref = rng.randrange(num_chunks)
    return [binding(k, v) for k, v in zip(keys, values, strict=True)], question_of(keys[ref]), values[ref], [ref]


def generate_rows(
    num_rows: int, *, num_chunks: int | Sequence[int] = 8, seed: int = 0, split: str = "train"
) -> list[dict[str, Any]]:
    """``num_rows`` dataset rows in the standard schema (data_source ``synthetic``), validated.

    ``num_chunks``: the chunks of every document, or a list to draw each document's count from.
    """
    sizes = [num_chunks] if isinstance(num_chunks, int) else list(num_chunks)
    rng = random.Random(f"{seed}-{split}-{sizes[0] if len(sizes) == 1 else sizes}")
    rows = []
    for i in range(num_rows):
        chunks, question, answer, refs = make_example(rng, rng.choice(sizes) if len(sizes) > 1 else sizes[0])
        rows.append(
            make_row(
                chunks=chunks,
                question=question,
                answer=answer,
                ref_chunks=refs,
                index=i,
                data_source=DATA_SOURCE,
                instruction=INSTRUCTION,
                split=split,
                extra={"hops": 1},
            )
        )
    errors = validate_rows(rows)
    if errors:
        raise RuntimeError(f"synthetic generator produced invalid rows: {errors[:3]}")
    return rows


def reference_response(row: dict[str, Any]) -> str:
    """The ideal response of a row (the warm-start SFT target): quote the evidence, name its chunk, answer."""
    gt = row["reward_model"]["ground_truth"]
    answer = gt if isinstance(gt, str) else gt[0]
    refs = list(row["extra_info"]["ref_chunks"])
    chunks = prompt_chunks(row["prompt"][-1]["content"])
    quote = "".join(f"{chunks[r]}\n</CHUNK_{r}>" for r in refs if r in chunks)
    return format_response(refs, answer, think=quote or None)


def write_synthetic(out_dir: str | Path, train_size: int, val_size: int, **kwargs: Any) -> tuple[Path, Path]:
    """Write ``train.parquet`` and ``val.parquet`` under ``out_dir``; returns their paths."""
    out = Path(out_dir)
    train = write_parquet(generate_rows(train_size, split="train", **kwargs), out / "train.parquet")
    val = write_parquet(generate_rows(val_size, split="val", **kwargs), out / "val.parquet")
    return train, val
