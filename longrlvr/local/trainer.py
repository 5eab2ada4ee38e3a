"""The local GRPO loop: data, model, optional SFT warm start, rollouts, verl-math updates, validation,
checkpoints/resume, metrics and the learning-curve plot. Entry point: :func:`train`."""

from __future__ import annotations

import copy
import random
import time
from dataclasses import dataclass, field
from functools import partial
from pathlib import Path
from typing import Any

import numpy as np
import torch
from omegaconf import DictConfig, OmegaConf
from transformers import AutoModelForCausalLM, AutoTokenizer, get_constant_schedule_with_warmup

from longrlvr.data import read_parquet, validate_rows
from longrlvr.errors import UserError
from longrlvr.local import synthetic
from longrlvr.local.checkpoint import latest_checkpoint, restore_trainer_state, save_checkpoint
from longrlvr.local.grpo import advantages_of, uniform_groups, update
from longrlvr.local.metrics import MetricsLog, plot_curves
from longrlvr.local.rollout import REWARD_METRICS, Rollout, concat_rollouts, generate
from longrlvr.local.run_dir import prepare_run_dir
from longrlvr.local.sft import warm_start
from longrlvr.local.tiny import build_tiny_model, build_tiny_tokenizer

VAL_KEYS = {"score": "reward", **{k: k for k in REWARD_METRICS if k != "score"}}


@dataclass
class RunResult:
    """What a run produced: per-step metrics, val before/after GRPO, and where the files are."""

    run_dir: Path
    metrics: list[dict[str, Any]]
    val_init: dict[str, float] = field(default_factory=dict)  # before SFT (empty when resumed / no SFT)
    val_start: dict[str, float] = field(default_factory=dict)  # GRPO step 0
    val_end: dict[str, float] = field(default_factory=dict)
    sft_losses: list[float] = field(default_factory=list)
    checkpoint: Path | None = None
    plot: Path | None = None
    seconds: float = 0.0


def seed_everything(seed: int) -> None:
    random.seed(seed)
    np.random.seed(seed)
    torch.manual_seed(seed)


def pick_device(name: str) -> torch.device:
    if name == "auto":
        return torch.device("cuda" if torch.cuda.is_available() else "cpu")
    return torch.device(name)


def load_rows(cfg: DictConfig, run_dir: Path) -> tuple[list[dict], list[dict], list[dict]]:
    """Train/val/warm-start rows: the configured parquet files (the warm start uses the train rows), or a
    freshly generated synthetic task (the warm start reads short documents of ``sft.num_chunks`` chunks)."""
    train_files, val_files = cfg.data.train_files, cfg.data.val_files
    sft_rows = None
    if train_files is None:
        syn = cfg.data.synthetic
        train_files, val_files = synthetic.write_synthetic(
            run_dir / "data", int(syn.train_size), int(syn.val_size), num_chunks=int(syn.num_chunks), seed=int(cfg.seed)
        )
        if cfg.sft.num_chunks is not None:  # one count or a list of counts (generate_rows takes both)
            sft_rows = synthetic.generate_rows(
                int(syn.train_size), num_chunks=cfg.sft.num_chunks, seed=int(cfg.seed), split="sft"
            )
    train = checked_rows(train_files)
    val = checked_rows(val_files) if val_files is not None else train[: int(cfg.data.val_size)]
    return train, val[: int(cfg.data.val_size)], sft_rows or train


def checked_rows(files) -> list[dict]:
    """Rows of parquet ``files``, validated before the first step: a bad row is a UserError naming it."""
    try:
        rows = read_parquet(files)
    except ValueError as exc:  # no rows, not parquet (pyarrow's ArrowInvalid is a ValueError)
        raise UserError(f"{files}: {exc}") from None
    errors = validate_rows(rows)
    if errors:
        more = f" (+{len(errors) - 3} more: longrlvr data validate)" if len(errors) > 3 else ""
        raise UserError(f"{files}: " + "; ".join(str(e) for e in errors[:3]) + more)
    return rows


def load_policy(cfg: DictConfig, rows: list[dict], checkpoint: Path | None, device: torch.device):
    """Model and tokenizer: from a checkpoint, from ``model.path``, or the tiny model built locally."""
    path = checkpoint or cfg.model.path
    if path is not None:
        tokenizer = AutoTokenizer.from_pretrained(path, padding_side="left")
        model = AutoModelForCausalLM.from_pretrained(path, dtype=torch.float32)
    else:
        corpus = synthetic.corpus() + [r["prompt"][-1]["content"] for r in rows[:200]]
        max_chunks = max(int(r["extra_info"].get("num_chunks") or 0) for r in rows) + 1
        pieces = bool(cfg.model.tiny_tokenizer.tag_pieces)
        extra = synthetic.key_closers() if pieces else ()
        tokenizer = build_tiny_tokenizer(corpus, max_chunks=max(max_chunks, 16), tag_pieces=pieces, extra_tokens=extra)
        try:
            model = build_tiny_model(tokenizer, seed=int(cfg.seed), **OmegaConf.to_container(cfg.model.tiny))
        except ValueError as exc:  # a bad arch or layer count in the config
            raise UserError(f"model.tiny: {exc}") from None
    return model.to(device), tokenizer


def batch_rows(rows: list[dict], step: int, batch_size: int, seed: int, refill: int = 0) -> list[dict]:
    """The prompts of GRPO step ``step`` (1-based): a per-epoch seeded permutation, so resume needs no data
    state. ``refill`` > 0 gives the step's extra prompts for dynamic sampling (seeded by step and refill)."""
    if refill:
        picks = np.random.default_rng([seed, step, refill]).choice(len(rows), size=batch_size, replace=False)
        return [rows[int(i)] for i in picks]
    out = []
    for j in range((step - 1) * batch_size, step * batch_size):
        epoch, pos = divmod(j, len(rows))
        out.append(rows[int(np.random.default_rng([seed, epoch]).permutation(len(rows))[pos])])
    return out


def rollout_metrics(rollout: Rollout, prefix: str) -> dict[str, float]:
    out = {f"{prefix}/{VAL_KEYS[k]}": float(rollout.metric(k).mean()) for k in REWARD_METRICS}
    out[f"{prefix}/response_length"] = float(rollout.response_mask.sum(1).float().mean())
    return out


def validate(model, tokenizer, rows: list[dict], cfg: DictConfig, reward_kwargs: dict) -> dict[str, float]:
    """Greedy decoding on the val rows, in micro-batches."""
    model.eval()
    size = int(cfg.actor.micro_batch_size)
    parts = [
        generate(
            model,
            tokenizer,
            rows[i : i + size],
            n=1,
            max_new_tokens=int(cfg.rollout.max_new_tokens),
            reward_kwargs=reward_kwargs,
            greedy=True,
        )
        for i in range(0, len(rows), size)
    ]
    scores = [s for p in parts for s in p.scores]
    return {f"val/{VAL_KEYS[k]}": float(np.mean([s[k] for s in scores])) for k in REWARD_METRICS}


def sample(model, tokenizer, rows: list[dict], cfg: DictConfig, reward_kwargs: dict) -> Rollout:
    return generate(
        model,
        tokenizer,
        rows,
        n=int(cfg.rollout.n),
        max_new_tokens=int(cfg.rollout.max_new_tokens),
        temperature=float(cfg.rollout.temperature),
        top_p=float(cfg.rollout.top_p),
        reward_kwargs=reward_kwargs,
    )


def dynamic_sampling(
    first: Rollout, refill_rows, model, tokenizer, cfg: DictConfig, reward_kwargs: dict
) -> tuple[Rollout, dict[str, float]]:
    """DAPO dynamic sampling: drop groups whose samples all share the metric's value and refill from new
    prompts (``refill_rows(k)``, k = 1, 2, ...) until ``actor.batch_size`` groups remain or
    ``max_gen_batches`` batches were generated; keeps exactly ``actor.batch_size`` groups when it can."""
    want, n = int(cfg.actor.batch_size), int(cfg.rollout.n)
    metric, limit = str(cfg.algorithm.dynamic_sampling_metric), int(cfg.algorithm.dynamic_sampling_max_gen_batches)
    parts, kept, generated = [], 0, 0
    rollout = first
    while True:
        generated += 1
        part = rollout.select(~uniform_groups(rollout, metric))
        parts.append(part)
        kept += len(part.group) // n
        if kept >= want or generated >= limit:
            break
        rollout = sample(model, tokenizer, refill_rows(generated), cfg, reward_kwargs)
    merged = concat_rollouts(parts, tokenizer.pad_token_id)
    first_groups = set(list(dict.fromkeys(merged.group))[:want])
    merged = merged.select(torch.tensor([g in first_groups for g in merged.group], dtype=torch.bool))
    stats = {
        "train/kept_fraction": len(parts[0].group) / len(first.group),
        "train/gen_batches": float(generated),
        "train/batch_groups": float(min(kept, want)),
    }
    return merged, stats


def grpo_step(
    model, tokenizer, optimizer, scheduler, rows, refill_rows, cfg, reward_kwargs, ref_model
) -> dict[str, float]:
    """One rollout (+ dynamic-sampling refills) and update; returns its metrics."""
    model.eval()
    t0 = time.perf_counter()
    rollout = sample(model, tokenizer, rows, cfg, reward_kwargs)
    t1 = time.perf_counter()
    metrics = rollout_metrics(rollout, "train")
    metrics["perf/rollout_tokens_per_s"] = float(rollout.response_mask.sum()) / (t1 - t0)
    if cfg.algorithm.dynamic_sampling:
        rollout, stats = dynamic_sampling(rollout, refill_rows, model, tokenizer, cfg, reward_kwargs)
        metrics.update(stats)
        t1 = time.perf_counter()
    if not rollout.group:
        return metrics
    model.train()
    adv = advantages_of(rollout, bool(cfg.algorithm.norm_adv_by_std_in_grpo))
    metrics.update(
        update(
            model,
            optimizer,
            scheduler,
            rollout,
            adv,
            cfg,
            temperature=float(cfg.rollout.temperature),
            ref_model=ref_model,
        )
    )
    metrics["perf/update_tokens_per_s"] = float(rollout.attention_mask.sum()) / (time.perf_counter() - t1)
    return metrics


def train(cfg: DictConfig) -> RunResult:
    """Run the whole job described by ``cfg`` (see ``configs/local/default.yaml``)."""
    from tqdm.auto import tqdm

    started = time.perf_counter()
    if cfg.threads is not None:
        torch.set_num_threads(int(cfg.threads))
    seed_everything(int(cfg.seed))
    device = pick_device(str(cfg.device))
    run_dir = prepare_run_dir(cfg)
    OmegaConf.save(cfg, run_dir / "config.yaml")
    train_rows, val_rows, sft_rows = load_rows(cfg, run_dir)
    found = latest_checkpoint(run_dir) if cfg.trainer.resume else None
    resume_from, state = found if found else (None, {})
    model, tokenizer = load_policy(cfg, train_rows, resume_from, device)
    reward_kwargs = OmegaConf.to_container(cfg.reward, resolve=True)
    log = MetricsLog(
        run_dir,
        cfg.trainer.loggers,
        cfg.trainer.project,
        cfg.trainer.experiment,
        OmegaConf.to_container(cfg, resolve=True),
    )
    result = RunResult(run_dir=run_dir, metrics=[])
    progress = bool(cfg.trainer.progress)
    if resume_from is None:
        log.truncate_after(-1)
        if int(cfg.sft.steps) > 0:
            result.val_init = validate(model, tokenizer, val_rows, cfg, reward_kwargs)
            result.sft_losses = warm_start(
                model,
                tokenizer,
                sft_rows,
                synthetic.reference_response,
                steps=int(cfg.sft.steps),
                batch_size=int(cfg.sft.batch_size),
                lr=float(cfg.sft.lr),
                warmup_steps=int(cfg.sft.warmup_steps),
                seed=int(cfg.seed),
                progress=progress,
            )
        result.val_start = validate(model, tokenizer, val_rows, cfg, reward_kwargs)
        log.log(0, result.val_start)
    optimizer = torch.optim.AdamW(
        model.parameters(), lr=float(cfg.actor.lr), weight_decay=float(cfg.actor.weight_decay)
    )
    scheduler = get_constant_schedule_with_warmup(optimizer, int(cfg.actor.warmup_steps))
    ref_model = copy.deepcopy(model).eval() if cfg.actor.kl.enable else None
    start = 0
    if resume_from is not None:
        restore_trainer_state(state, optimizer, scheduler)
        start, result.val_start = int(state["step"]), state.get("val_start", {})
        log.truncate_after(start)
    steps = int(cfg.trainer.steps)
    bar = tqdm(range(start + 1, steps + 1), desc="grpo", disable=not progress, initial=start, total=steps)
    for step in bar:
        rows = batch_rows(train_rows, step, int(cfg.actor.batch_size), int(cfg.seed))
        refill = partial(batch_rows, train_rows, step, int(cfg.actor.batch_size), int(cfg.seed))
        metrics = grpo_step(model, tokenizer, optimizer, scheduler, rows, refill, cfg, reward_kwargs, ref_model)
        if step % int(cfg.trainer.val_every) == 0 or step == steps:
            metrics.update(validate(model, tokenizer, val_rows, cfg, reward_kwargs))
        log.log(step, metrics)
        result.metrics.append({"step": step, **metrics})
        bar.set_postfix(
            reward=f"{metrics['train/reward']:.2f}",
            acc=f"{metrics['train/answer_acc']:.2f}",
            fbeta=f"{metrics['train/fbeta']:.2f}",
        )
        if step % int(cfg.trainer.save_every) == 0 or step == steps:
            result.checkpoint = save_checkpoint(
                run_dir, step, model, tokenizer, optimizer, scheduler, {"val_start": result.val_start}
            )
    result.val_end = {
        k: v for k, v in (result.metrics[-1] if result.metrics else result.val_start).items() if k.startswith("val/")
    }
    result.plot = plot_curves(log.path, run_dir / "learning_curve.png")
    result.seconds = time.perf_counter() - started
    return result
