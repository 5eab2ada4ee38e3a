"""What the launcher checks and adds before verl starts, on a dry run and on a real launch alike.

:func:`launcher_overrides`: hydra overrides the launcher appends (the model door's DCA key, the judge's auto
concurrency), each with one line for the user. :func:`preflight`: the door consistency checks
(:mod:`.door_checks`, errors raise one :class:`UserError`) and the per-GPU memory plan (:mod:`.memory_plan`);
it returns the lines to print and the one-line problem when a phase cannot fit (the launcher refuses, exit 2).
"""

from __future__ import annotations

import importlib.util
from collections.abc import Mapping
from dataclasses import dataclass, replace
from typing import Any

from longrlvr.errors import UserError
from longrlvr.integrations.verl.door_checks import DoorFacts, read_data_facts, run_checks, source_checker
from longrlvr.integrations.verl.gpu import gpu_memory_gib
from longrlvr.integrations.verl.judge_settings import responses_per_step
from longrlvr.integrations.verl.memory_plan import ModelDims, format_plan, plan, shape_of
from longrlvr.integrations.verl.model_door import read_model_config, rollout_overrides

JUDGE_CONCURRENCY_KEY = "reward.reward_kwargs.judge.client.max_concurrency"
ATTN_KEY = "actor_rollout_ref.model.override_config.attn_implementation"


@dataclass(frozen=True)
class Preflight:
    lines: tuple[str, ...]
    problem: str | None


def judge_overrides(cfg: Any) -> list[tuple[str, str]]:
    """``max_concurrency: null`` (auto) -> the responses in flight per step: one judge latency round a step."""
    judge = cfg.reward.reward_kwargs.judge
    if not judge.enable or judge.client.get("max_concurrency") is not None:
        return []
    responses = responses_per_step(cfg)
    return [
        (
            f"{JUDGE_CONCURRENCY_KEY}={responses}",
            f"judge: max_concurrency null (auto) -> {responses}, the "
            "responses in flight per step (JUDGE_MAX_CONCURRENCY caps it)",
        )
    ]


def launcher_overrides(cfg: Any) -> list[tuple[str, str]]:
    """(hydra override, one line) pairs the launcher appends after the user's overrides."""
    arr = cfg.actor_rollout_ref
    model_config = read_model_config(arr.model.path)
    return [*rollout_overrides(arr.rollout.name, arr.model.path, model_config), *judge_overrides(cfg)]


def _files(value: Any) -> list[str]:
    return [str(value)] if isinstance(value, str) else [str(v) for v in value or []]


def model_dims(path: str | None) -> ModelDims | None:
    """The model's dimensions from its local config.json; None when unreadable or not a dense decoder."""
    config = read_model_config(path)
    try:
        return None if config is None else ModelDims.from_config(config)
    except (KeyError, TypeError, ValueError):
        return None


def has_flash_attn() -> bool:
    return importlib.util.find_spec("flash_attn") is not None


def flash_attn_line(cfg: Any, launching: bool) -> str | None:
    """verl 0.9.1 builds the actor with ``flash_attention_2`` unless ``override_config.attn_implementation`` says
    otherwise; without flash-attn transformers raises ImportError inside the workers. A launch refuses, a dry run
    (often on another machine) warns."""
    if cfg.actor_rollout_ref.model.get("override_config", {}).get("attn_implementation") or has_flash_attn():
        return None
    text = (
        f"flash-attn is not installed here and the actor uses flash_attention_2 (verl's default): install it "
        f"(scripts/setup.sh on the GPU machine) or set {ATTN_KEY}=sdpa"
    )
    if launching:
        raise UserError(text)
    return f"warn: {text}"


def preflight(cfg: Any, env: Mapping[str, str], launching: bool = False) -> Preflight:
    """Door checks (raise on errors) and the memory plan of a composed config; ``launching``: a real launch."""
    path = cfg.actor_rollout_ref.model.path
    dims = model_dims(path)
    data = read_data_facts(_files(cfg.data.train_files))
    val = read_data_facts(_files(cfg.data.val_files))
    if data is not None and val is not None:
        data = replace(data, val_sources=val.sources)
    findings = run_checks(DoorFacts(cfg, dims, data, source_checker(cfg)))
    lines = [f.text if f.level == "info" else f"{f.level}: {f.text}" for f in findings]
    lines += [line for line in (flash_attn_line(cfg, launching),) if line]
    if data is None:
        lines.append("steps        not counted: TRAIN_FILES are not local files here (data_source not checked)")
    if dims is None:
        lines.append(f"memory/GPU   not computed: {path}/config.json is not readable here (pass a local MODEL_PATH)")
        return Preflight(tuple(lines), None)
    gib, origin = gpu_memory_gib(env)
    memory = plan(shape_of(cfg), dims, gib)
    lines.append(f"{format_plan(memory)}\n  (GPU memory from {origin}; estimates, docs/cluster.md 'Memory plan')")
    return Preflight(tuple(lines), memory.problem())
