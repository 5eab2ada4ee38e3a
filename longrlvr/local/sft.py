"""Supervised warm start: teach the output grammar on reference responses (loss on response tokens only)."""

from __future__ import annotations

import random
from collections.abc import Callable, Mapping, Sequence
from typing import Any

import torch
from transformers import get_constant_schedule_with_warmup

from longrlvr.local.rollout import position_ids_of


def sft_batch(tokenizer, rows: Sequence[Mapping[str, Any]], targets: Sequence[str], device) -> dict[str, torch.Tensor]:
    """Left-padded prompt+target batch with labels masked (-100) outside the target and its eos."""
    prompts = [
        tokenizer.apply_chat_template(list(r["prompt"]), tokenize=False, add_generation_prompt=True) for r in rows
    ]
    p_ids = [tokenizer(p, add_special_tokens=False)["input_ids"] for p in prompts]
    t_ids = [tokenizer(t + tokenizer.eos_token, add_special_tokens=False)["input_ids"] for t in targets]
    width = max(len(p) + len(t) for p, t in zip(p_ids, t_ids, strict=True))
    ids, mask, labels = [], [], []
    for p, t in zip(p_ids, t_ids, strict=True):
        pad = width - len(p) - len(t)
        ids.append([tokenizer.pad_token_id] * pad + p + t)
        mask.append([0] * pad + [1] * (len(p) + len(t)))
        labels.append([-100] * (pad + len(p)) + t)
    return {
        k: torch.tensor(v, device=device) for k, v in (("input_ids", ids), ("attention_mask", mask), ("labels", labels))
    }


def warm_start(
    model,
    tokenizer,
    rows: Sequence[Mapping[str, Any]],
    target_of: Callable[[Any], str],
    *,
    steps: int,
    batch_size: int,
    lr: float,
    warmup_steps: int = 0,
    seed: int = 0,
    progress: bool = True,
    should_stop: Callable[[], bool] = lambda: False,
) -> list[float]:
    """``steps`` AdamW steps of next-token loss on ``target_of(row)``; returns the loss per step.

    Stops early (between steps) when ``should_stop()`` says so, e.g. after a SIGTERM."""
    from tqdm.auto import tqdm

    device = next(model.parameters()).device
    rng = random.Random(seed)
    optimizer = torch.optim.AdamW(model.parameters(), lr=lr, weight_decay=0.0)
    scheduler = get_constant_schedule_with_warmup(optimizer, warmup_steps)
    model.train()
    losses = []
    bar = tqdm(range(steps), desc="sft", disable=not progress)
    for _ in bar:
        if should_stop():
            break
        batch_rows = rng.sample(list(rows), min(batch_size, len(rows)))
        batch = sft_batch(tokenizer, batch_rows, [target_of(r) for r in batch_rows], device)
        with torch.autocast(device.type, dtype=torch.bfloat16, enabled=device.type == "cuda"):
            loss = model(**batch, position_ids=position_ids_of(batch["attention_mask"]), use_cache=False).loss
        optimizer.zero_grad(set_to_none=True)
        loss.backward()
        torch.nn.utils.clip_grad_norm_(model.parameters(), 1.0)
        optimizer.step()
        scheduler.step()
        losses.append(loss.item())
        bar.set_postfix(loss=f"{losses[-1]:.3f}")
    return losses
