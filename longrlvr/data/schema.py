"""One dataset row format: verl's RLHFDataset columns plus LongRLVR's ``extra_info``."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from longrlvr.grammar import DEFAULT_INSTRUCTION, build_prompt, escape_chunk

DEFAULT_ABILITY = "long_context_qa"
REQUIRED_COLUMNS = ("prompt", "data_source", "ability", "reward_model", "extra_info")


def make_row(
    *,
    chunks: Sequence[str],
    question: str,
    answer: str | Sequence[str],
    ref_chunks: Sequence[int],
    index: int,
    data_source: str = "longrlvr",
    ability: str = DEFAULT_ABILITY,
    instruction: str = DEFAULT_INSTRUCTION,
    split: str = "train",
    extra: dict[str, Any] | None = None,
) -> dict[str, Any]:
    """Build one row: the prompt from the grammar, the ground truth, and the reference chunks.

    ``answer`` may be a list of acceptable golds. ``extra`` adds keys to ``extra_info``.
    """
    refs = [int(r) for r in ref_chunks]
    ground_truth = answer if isinstance(answer, str) else [str(a) for a in answer]
    return {
        "prompt": [{"role": "user", "content": build_prompt(chunks, question, instruction=instruction)}],
        "data_source": data_source,
        "ability": ability,
        "reward_model": {"style": "rule", "ground_truth": ground_truth},
        "extra_info": {
            "index": int(index),
            "split": split,
            "question": question,
            "ref_chunks": refs,
            "ref_chunks_text": [escape_chunk(chunks[r]) for r in refs if 0 <= r < len(chunks)],  # as in the prompt
            "num_chunks": len(chunks),
            **(extra or {}),
        },
    }
