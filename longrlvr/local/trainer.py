"""The local GRPO loop: data, model, optional SFT warm start, rollouts, verl-math updates, validation,
checkpoints/resume, metrics and the learning-curve plot. Entry point: :func:`train`."""

from __future__ import annotations

import copy
import random
import time
from collections.abc import Callable
from dataclasses import asdict, dataclass, field
from functools import partial
from pathlib import Path
from typing import Any

import numpy as np
import torch
from transformers import AutoConfig, AutoModelForCausalLM, AutoTokenizer, get_constant_schedule_with_warmup

from longrlvr.data import read_parquet, validate_rows
from longrlvr.errors import UserError
from longrlvr.local import synthetic
from longrlvr.local.checkpoint import latest_checkpoint, restore_trainer_state, save_checkpoint, sweep_temps
from longrlvr.local.config import LocalConfig
from longrlvr.local.grpo import advantages_of, uniform_groups, update
from longrlvr.local.metrics import MetricsLog, plot_curves, read_metrics, recall_depth
from longrlvr.local.preflight import check_context_fit, longest
from longrlvr.local.rollout import REWARD_METRICS, Rollout, concat_rollouts, generate
from longrlvr.local.run_dir import prepare_run_dir
from longrlvr.local.run_lock import RunLock
from longrlvr.local.sft import warm_start
from longrlvr.local.stop import GracefulStop
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
    steps_run: int = 0  # GRPO steps this process ran (a resume runs the rest)
    updates: int = 0  # of them, steps whose optimizer update changed the model (a nonzero gradient)
    sampled_groups: int = 0  # prompt groups sampled, refills included
    signal_groups: int = 0  # of them, groups whose samples got differing rewards (a learning signal)
    idle_stop: bool = False  # stopped after trainer.max_idle_steps steps without an update


@dataclass
class StepOutcome:
    """One GRPO step: its metrics, whether it updated the model, and its groups (sampled / with signal)."""

    metrics: dict[str, float]
    updated: bool
    sampled_groups: int
    signal_groups: int


def seed_everything(seed: int) -> None:
    random.seed(seed)
    np.random.seed(seed)
    torch.manual_seed(seed)


def pick_device(name: str) -> torch.device:
    if name == "auto":
        return torch.device("cuda" if torch.cuda.is_available() else "cpu")
    return torch.device(name)


def load_rows(cfg: LocalConfig, run_dir: Path) -> tuple[list[dict], list[dict], list[dict]]:
    """Train/val/warm-start rows: the configured parquet files (the warm start uses the train rows), or a
    freshly generated synthetic task (the warm start reads short documents of ``sft.num_chunks`` chunks)."""
    train_files, val_files = cfg.data.train_files, cfg.data.val_files
    sft_rows = None
    if train_files is None:
        syn = cfg.data.synthetic
        train_path, val_path = synthetic.write_synthetic(
            run_dir / "data", syn.train_size, syn.val_size, num_chunks=syn.num_chunks, seed=cfg.seed
        )
        train_files, val_files = str(train_path), str(val_path)
        if cfg.sft.num_chunks is not None:  # one count or a list of counts (generate_rows takes both)
            sft_rows = synthetic.generate_rows(
                syn.train_size, num_chunks=cfg.sft.num_chunks, seed=cfg.seed, split="sft"
            )
    train = checked_rows(train_files)
    val = checked_rows(val_files) if val_files is not None else train[: cfg.data.val_size]
    return train, val[: cfg.data.val_size], sft_rows or train


def checked_rows(files: str) -> list[dict]:
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


def load_policy(
    cfg: LocalConfig,
    rows: list[dict],
    checkpoint: Path | None,
    device: torch.device,
    check: Callable[[Any, Any], None] = lambda tokenizer, config: None,
):
    """Model and tokenizer: from a checkpoint, from ``model.path``, or the tiny model built locally.

    ``check(tokenizer, model_config)`` runs before the weights load (e.g. the rows must fit the context)."""
    path = checkpoint or cfg.model.path
    model: Any
    if path is not None:
        tokenizer = AutoTokenizer.from_pretrained(path, padding_side="left")
        check(tokenizer, AutoConfig.from_pretrained(path))
        model = AutoModelForCausalLM.from_pretrained(path, dtype=torch.float32)
    else:
        corpus = synthetic.corpus() + [r["prompt"][-1]["content"] for r in rows[:200]]
        max_chunks = max(int(r["extra_info"].get("num_chunks") or 0) for r in rows) + 1
        pieces = cfg.model.tiny_tokenizer.tag_pieces
        extra = synthetic.key_closers() if pieces else ()
        tokenizer = build_tiny_tokenizer(corpus, max_chunks=max(max_chunks, 16), tag_pieces=pieces, extra_tokens=extra)
        try:
            model = build_tiny_model(tokenizer, seed=cfg.seed, **asdict(cfg.model.tiny))
        except ValueError as exc:  # a combination transformers refuses
            raise UserError(f"model.tiny: {exc}") from None
        check(tokenizer, model.config)
    return model.to(device), tokenizer


def batch_rows(rows: list[dict], step: int, batch_size: int, seed: int, refill: int = 0) -> list[dict]:
    """The prompts of GRPO step ``step`` (1-based): a per-epoch seeded permutation, so resume needs no data
    state. ``refill`` > 0 gives the step's extra prompts for dynamic sampling (seeded by step and refill)."""
    if refill:
        rng = np.random.default_rng([seed, step, refill])
        picks = rng.choice(len(rows), size=batch_size, replace=batch_size > len(rows))
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


def validate(model, tokenizer, rows: list[dict], cfg: LocalConfig, reward_kwargs: dict) -> dict[str, float]:
    """Greedy decoding on the val rows, in micro-batches."""
    model.eval()
    size = cfg.actor.micro_batch_size
    parts = [
        generate(
            model,
            tokenizer,
            rows[i : i + size],
            n=1,
            max_new_tokens=cfg.rollout.max_new_tokens,
            reward_kwargs=reward_kwargs,
            greedy=True,
        )
        for i in range(0, len(rows), size)
    ]
    scores = [s for p in parts for s in p.scores]
    means = {f"val/{VAL_KEYS[k]}": float(np.mean([s[k] for s in scores])) for k in REWARD_METRICS}
    return means | recall_depth(scores, rows, "val")


def sample(model, tokenizer, rows: list[dict], cfg: LocalConfig, reward_kwargs: dict) -> Rollout:
    return generate(
        model,
        tokenizer,
        rows,
        n=cfg.rollout.n,
        max_new_tokens=cfg.rollout.max_new_tokens,
        temperature=cfg.rollout.temperature,
        top_p=cfg.rollout.top_p,
        reward_kwargs=reward_kwargs,
    )


def signal_groups(rollout: Rollout) -> int:
    """Groups whose samples got differing rewards (the others have zero advantage)."""
    flat = uniform_groups(rollout, "score").tolist()
    return len({g for g, uniform in zip(rollout.group, flat, strict=True) if not uniform})


def dynamic_sampling(
    first: Rollout, refill_rows, model, tokenizer, cfg: LocalConfig, reward_kwargs: dict
) -> tuple[Rollout, dict[str, float], int]:
    """DAPO dynamic sampling: drop groups whose samples all share the metric's value and refill from new
    prompts (``refill_rows(k)``, k = 1, 2, ...) until ``actor.batch_size`` groups remain or
    ``max_gen_batches`` batches were generated; keeps exactly ``actor.batch_size`` groups when it can.
    Returns the batch, its metrics and how many groups with a signal were found (before the cut)."""
    want, n = cfg.actor.batch_size, cfg.rollout.n
    metric, limit = cfg.algorithm.dynamic_sampling_metric, cfg.algorithm.dynamic_sampling_max_gen_batches
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
    return merged, stats, kept


def grpo_step(
    model, tokenizer, optimizer, scheduler, rows, refill_rows, cfg: LocalConfig, reward_kwargs, ref_model
) -> StepOutcome:
    """One rollout (+ dynamic-sampling refills) and update."""
    model.eval()
    t0 = time.perf_counter()
    rollout = sample(model, tokenizer, rows, cfg, reward_kwargs)
    t1 = time.perf_counter()
    metrics = rollout_metrics(rollout, "train")
    metrics.update(recall_depth(rollout.scores, [rows[g] for g in rollout.group], "train"))
    metrics["perf/rollout_tokens_per_s"] = float(rollout.response_mask.sum()) / (t1 - t0)
    groups = len(rows)
    if cfg.algorithm.dynamic_sampling:
        rollout, stats, signal = dynamic_sampling(rollout, refill_rows, model, tokenizer, cfg, reward_kwargs)
        metrics.update(stats)
        groups *= int(stats["train/gen_batches"])
        t1 = time.perf_counter()
    else:
        signal = signal_groups(rollout)
    if not rollout.group:
        return StepOutcome(metrics, False, groups, signal)
    model.train()
    adv = advantages_of(rollout, cfg.algorithm.norm_adv_by_std_in_grpo)
    metrics.update(
        update(model, optimizer, scheduler, rollout, adv, cfg, temperature=cfg.rollout.temperature, ref_model=ref_model)
    )
    metrics["perf/update_tokens_per_s"] = float(rollout.attention_mask.sum()) / (time.perf_counter() - t1)
    return StepOutcome(metrics, bool(metrics["actor/grad_norm"] > 0), groups, signal)


def train(cfg: LocalConfig) -> RunResult:
    """Run the whole job described by ``cfg`` (see ``configs/local/default.yaml``).

    The run directory is locked for the run (a second run into it is refused, naming this one's pid). SIGTERM or
    SIGINT finishes the step in flight, saves its checkpoint and raises :class:`~longrlvr.local.stop.Stopped`.
    """
    started = time.perf_counter()
    if cfg.threads is not None:
        torch.set_num_threads(cfg.threads)
    seed_everything(cfg.seed)
    device = pick_device(cfg.device)
    with RunLock(cfg.run_dir), GracefulStop() as stop:
        return _train(cfg, device, stop, started)


def _train(cfg: LocalConfig, device: torch.device, stop: GracefulStop, started: float) -> RunResult:
    from tqdm.auto import tqdm

    sweep_temps(Path(cfg.run_dir))  # the lock proves no other writer: what a killed one left goes
    run_dir = prepare_run_dir(cfg)
    train_rows, val_rows, sft_rows = load_rows(cfg, run_dir)
    found = latest_checkpoint(run_dir) if cfg.trainer.resume else None
    resume_from, state = found if found else (None, {})
    warm = resume_from is None and cfg.sft.steps > 0

    def fits(tokenizer: Any, model_config: Any) -> None:  # before the weights load and the warm start
        named = {cfg.data.train_files or "synthetic train": train_rows, cfg.data.val_files or "val": val_rows}
        sft = sft_rows if warm else ()
        found = longest(tokenizer, named, cfg.rollout.max_new_tokens, sft, synthetic.reference_response)
        check_context_fit(model_config, found, cfg.model.path)

    model, tokenizer = load_policy(cfg, train_rows, resume_from, device, check=fits)
    reward_kwargs = dict(cfg.reward)
    log = MetricsLog(run_dir, cfg.trainer.loggers, cfg.trainer.project, cfg.trainer.experiment, cfg.to_dict())
    result = RunResult(run_dir=run_dir, metrics=[])
    progress = cfg.trainer.progress
    if resume_from is None:
        log.truncate_after(-1)
        if warm:
            result.val_init = validate(model, tokenizer, val_rows, cfg, reward_kwargs)
            result.sft_losses = warm_start(
                model,
                tokenizer,
                sft_rows,
                synthetic.reference_response,
                steps=cfg.sft.steps,
                batch_size=cfg.sft.batch_size,
                lr=cfg.sft.lr,
                warmup_steps=cfg.sft.warmup_steps,
                seed=cfg.seed,
                progress=progress,
                should_stop=lambda: stop.requested,
            )
            if len(result.sft_losses) < cfg.sft.steps:  # cut short by a signal
                raise stop.stopped("during the warm start: nothing saved; a rerun starts over")
        result.val_start = validate(model, tokenizer, val_rows, cfg, reward_kwargs)
        log.log(0, result.val_start)
    optimizer = torch.optim.AdamW(model.parameters(), lr=cfg.actor.lr, weight_decay=cfg.actor.weight_decay)
    scheduler = get_constant_schedule_with_warmup(optimizer, cfg.actor.warmup_steps)
    ref_model = copy.deepcopy(model).eval() if cfg.actor.kl.enable else None
    start = 0
    if resume_from is not None:
        restore_trainer_state(state, optimizer, scheduler)
        start, result.val_start = int(state["step"]), state.get("val_start", {})
        log.truncate_after(start)
    extra = {"val_start": result.val_start}
    if stop.requested:  # after the warm start: keep it as step 0
        kept = resume_from or save_checkpoint(run_dir, start, model, tokenizer, optimizer, scheduler, extra)
        raise stop.stopped(f"before GRPO step {start + 1}; {_resume_hint(kept, run_dir)}")
    steps = cfg.trainer.steps
    bar = tqdm(range(start + 1, steps + 1), desc="grpo", disable=not progress, initial=start, total=steps)
    for step in bar:
        rows = batch_rows(train_rows, step, cfg.actor.batch_size, cfg.seed)
        refill = partial(batch_rows, train_rows, step, cfg.actor.batch_size, cfg.seed)
        outcome = grpo_step(model, tokenizer, optimizer, scheduler, rows, refill, cfg, reward_kwargs, ref_model)
        metrics = outcome.metrics
        result.steps_run += 1
        result.updates += outcome.updated
        result.sampled_groups += outcome.sampled_groups
        result.signal_groups += outcome.signal_groups
        if step % cfg.trainer.val_every == 0 or step == steps:
            metrics.update(validate(model, tokenizer, val_rows, cfg, reward_kwargs))
        log.log(step, metrics)
        result.metrics.append({"step": step, **metrics})
        bar.set_postfix(
            reward=f"{metrics['train/reward']:.2f}",
            acc=f"{metrics['train/answer_acc']:.2f}",
            fbeta=f"{metrics['train/fbeta']:.2f}",
        )
        if step % cfg.trainer.save_every == 0 or step == steps or stop.requested:
            result.checkpoint = save_checkpoint(run_dir, step, model, tokenizer, optimizer, scheduler, extra)
        if stop.requested:
            raise stop.stopped(f"after step {step}; {_resume_hint(result.checkpoint, run_dir)}")
        idle = cfg.trainer.max_idle_steps
        if idle is not None and not result.updates and result.steps_run >= idle and step < steps:
            result.idle_stop = True
            break
    if result.checkpoint is None:  # a resume with no step left: its checkpoint is the run's newest
        result.checkpoint = resume_from
    val_rows_logged = [r for r in read_metrics(log.path) if any(k.startswith("val/") for k in r)]
    last_val = val_rows_logged[-1] if val_rows_logged else result.val_start
    result.val_end = {k: v for k, v in last_val.items() if k.startswith("val/")}
    result.plot = plot_curves(log.path, run_dir / "learning_curve.png")
    result.seconds = time.perf_counter() - started
    return result


def _resume_hint(checkpoint: Path | None, run_dir: Path) -> str:
    return f"checkpoint {checkpoint}; resume with: longrlvr train --engine local --out {run_dir} --resume"
