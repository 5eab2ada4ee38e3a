"""A synthetic grounded QA task a tiny model can learn on a CPU in minutes.

Each document is ``num_chunks`` one-sentence chunks. Fact chunks read "The code of alpha is 7.",
link chunks read "alpha points to beta.". A single-hop question asks the code of an entity (one
reference chunk); a multi-hop question asks the code of the entity another one points to (two
reference chunks: the link and the fact). The other chunks are distractors about other entities,
so naming the right chunks and answering right are both checkable exactly.
"""

from __future__ import annotations

import random
from pathlib import Path
from typing import Any

from longrlvr.data import make_row, validate_rows, write_parquet
from longrlvr.grammar import format_response

DATA_SOURCE = "synthetic"
ENTITIES = (
    "alpha", "beta", "gamma", "delta", "omega", "sigma", "kappa", "theta",
    "lambda", "zeta", "iota", "rho",
)  # fmt: skip
CODES = tuple(str(d) for d in range(10))
INSTRUCTION = "Give the evidence chunks in <useful_chunks> </useful_chunks> and the answer in <answer> </answer>."


def fact(entity: str, code: str) -> str:
    return f"The code of {entity} is {code}."


def link(source: str, target: str) -> str:
    return f"{source} points to {target}."


def single_hop_question(entity: str) -> str:
    return f"What is the code of {entity}?"


def multi_hop_question(source: str) -> str:
    return f"What is the code of the one {source} points to?"


def corpus() -> list[str]:
    """Sentences covering the task's whole vocabulary (to train the tiny tokenizer on)."""
    a, b = ENTITIES[0], ENTITIES[1]
    return [
        INSTRUCTION,
        single_hop_question(a),
        multi_hop_question(a),
        link(a, b),
        *(fact(e, c) for e in ENTITIES for c in CODES),
        *(f"{e} {e.capitalize()}" for e in ENTITIES),
    ]


def make_example(rng: random.Random, num_chunks: int, multi_hop: bool) -> tuple[list[str], str, str, list[int]]:
    """One document: (chunks, question, answer, reference chunk ids)."""
    if num_chunks < 3:
        raise ValueError(f"num_chunks must be >= 3, got {num_chunks}")
    entities = rng.sample(ENTITIES, min(len(ENTITIES), num_chunks + 1))
    target, source, others = entities[0], entities[1], entities[2:]
    answer = rng.choice(CODES)
    evidence = [fact(target, answer)] + ([link(source, target)] if multi_hop else [])
    distractors = [fact(e, rng.choice(CODES)) if rng.random() < 0.7 else link(e, rng.choice(entities)) for e in others]
    if not multi_hop:
        distractors.append(link(source, rng.choice(others)))
    chunks = evidence + distractors[: num_chunks - len(evidence)]
    order = list(range(len(chunks)))
    rng.shuffle(order)
    shuffled = [chunks[i] for i in order]
    refs = sorted(order.index(i) for i in range(len(evidence)))
    question = multi_hop_question(source) if multi_hop else single_hop_question(target)
    return shuffled, question, answer, refs


def generate_rows(
    num_rows: int,
    *,
    num_chunks: int = 6,
    multi_hop_fraction: float = 0.3,
    seed: int = 0,
    split: str = "train",
) -> list[dict[str, Any]]:
    """``num_rows`` dataset rows in the standard schema (data_source ``synthetic``), validated."""
    rng = random.Random(f"{seed}-{split}")
    rows = []
    for i in range(num_rows):
        multi = rng.random() < multi_hop_fraction
        chunks, question, answer, refs = make_example(rng, num_chunks, multi)
        rows.append(
            make_row(
                chunks=chunks, question=question, answer=answer, ref_chunks=refs, index=i,
                data_source=DATA_SOURCE, instruction=INSTRUCTION, split=split,
                extra={"hops": 2 if multi else 1},
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
