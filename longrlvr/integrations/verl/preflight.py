"""What the launcher checks and adds before verl starts, on a dry run and on a real launch alike.

:func:`launcher_overrides`: hydra overrides the launcher appends (the model door's DCA key, the judge's auto
concurrency), each with one line for the user. :func:`preflight`: the door consistency checks
(:mod:`.door_checks`, errors raise one :class:`UserError`) and the per-GPU memory plan (:mod:`.memory_plan`);
it returns the lines to print and the one-line problem when a phase cannot fit (the launcher refuses, exit 2).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from longrlvr.integrations.verl.door_checks import DoorFacts, read_data_facts, run_checks, source_checker
from longrlvr.integrations.verl.gpu import gpu_memory_gib
from longrlvr.integrations.verl.judge_settings import responses_per_step
from longrlvr.integrations.verl.memory_plan import ModelDims, format_plan, plan, shape_of
from longrlvr.integrations.verl.model_door import read_model_config, rollout_overrides

JUDGE_CONCURRENCY_KEY = "reward.reward_kwargs.judge.client.max_concurrency"


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


def preflight(cfg: Any, env: Mapping[str, str]) -> Preflight:
    """Door checks (raise on errors) and the memory plan of a composed config."""
    path = cfg.actor_rollout_ref.model.path
    dims = model_dims(path)
    data = read_data_facts(_files(cfg.data.train_files))
    findings = run_checks(DoorFacts(cfg, dims, data, source_checker(cfg)))
    lines = [f.text if f.level == "info" else f"{f.level}: {f.text}" for f in findings]
    if data is None:
        lines.append("steps        not counted: TRAIN_FILES are not local files here (data_source not checked)")
    if dims is None:
        lines.append(f"memory/GPU   not computed: {path}/config.json is not readable here (pass a local MODEL_PATH)")
        return Preflight(tuple(lines), None)
    gib, origin = gpu_memory_gib(env)
    memory = plan(shape_of(cfg), dims, gib)
    lines.append(f"{format_plan(memory)}\n  (GPU memory from {origin}; estimates, docs/cluster.md 'Memory plan')")
    return Preflight(tuple(lines), memory.problem())
