"""Shared helpers for the local-engine tests: a small fast config and hand-made rollouts."""

from __future__ import annotations

from pathlib import Path

import torch

from longrlvr.local.config import load_config
from longrlvr.local.rollout import Rollout, encode_prompts, response_mask_of, score_rows

SMALL = [
    "sft.steps=5",
    "sft.batch_size=8",
    "trainer.steps=4",
    "trainer.save_every=2",
    "trainer.val_every=2",
    "trainer.progress=false",
    "data.synthetic.train_size=64",
    "data.synthetic.val_size=8",
    "data.val_size=8",
    "actor.batch_size=2",
    "actor.micro_batch_size=4",
    "rollout.n=4",
    "rollout.max_new_tokens=8",
    "model.tiny.hidden_size=32",
    "model.tiny.num_layers=2",
    "model.tiny.intermediate_size=64",
    "algorithm.dynamic_sampling=false",
]


def small_config(run_dir: Path, *overrides: str):
    """The small config; a nonzero entropy bonus gives every step a gradient even when all rewards are 0."""
    return load_config([*SMALL, "actor.entropy_coeff=0.01", f"run_dir={run_dir}", *overrides])


def rollout_from_texts(tokenizer, rows, texts, group, reward_kwargs=None) -> Rollout:
    """A rollout whose responses are the given texts (each followed by eos), scored by the reward core."""
    enc = encode_prompts(tokenizer, [rows[g] for g in group], torch.device("cpu"))
    resp = [tokenizer(t + tokenizer.eos_token, add_special_tokens=False)["input_ids"] for t in texts]
    width = max(map(len, resp))
    responses = torch.tensor([r + [tokenizer.pad_token_id] * (width - len(r)) for r in resp])
    mask = response_mask_of(responses, tokenizer.eos_token_id)
    # pad tokens after eos were never generated: mask them like generate's padding
    mask = mask * (responses != tokenizer.pad_token_id)
    return Rollout(
        torch.cat([enc["input_ids"], responses], dim=1),
        torch.cat([enc["attention_mask"], mask], dim=1),
        mask,
        list(group),
        score_rows(rows, texts, group, reward_kwargs or {}),
        list(texts),
    )


def local_main(overrides: list[str]) -> int:
    """``longrlvr train --engine local OVERRIDES`` in process (the one CLI): its exit code."""
    from longrlvr.cli import main

    return main(["train", "--engine", "local", *overrides])
