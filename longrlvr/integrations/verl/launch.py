"""Launch LongRLVR training on upstream verl 0.9.1 (the logic behind ``run_longrl.sh`` / ``longrlvr train``).

Environment -> hydra overrides (see :data:`ENV_OVERRIDES`), then the command-line overrides, which win, then the
launcher's own (:func:`.preflight.launcher_overrides`: the model door's DCA key, the judge's auto concurrency).
``--dry-run`` composes and validates the full config on CPU and prints the plan with the door checks and the
per-GPU memory plan (:mod:`.preflight`; a real launch runs them too); ``--print-config`` adds the composed YAML.
``--rehearse`` (or ``DEVICE=cpu``) runs it on verl's real trainer on the CPU for a few steps
(:mod:`.rehearsal.rehearse`). Without a GPU and without ``MODEL_PATH`` ``longrlvr train`` runs the embedded local
engine instead.
"""

from __future__ import annotations

import argparse
import os
import shlex
import shutil
import subprocess
import sys
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path

from omegaconf import DictConfig, OmegaConf

from longrlvr.errors import UserError
from longrlvr.integrations.verl.config import CONFIG_NAME, RECIPE_CONFIG_DIR, compose, parse_path_list, validate
from longrlvr.integrations.verl.door import check_verl_inputs
from longrlvr.integrations.verl.judge_settings import judge_concurrency_line, responses_per_step
from longrlvr.integrations.verl.preflight import launcher_overrides, preflight
from longrlvr.integrations.verl.servable import check_run_servable
from longrlvr.integrations.verl.tracking import tracking_overrides
from longrlvr.settings_env import prefixed_env

TRAINER_MODULE = "longrlvr.integrations.verl.trainer"
DEFAULT_PRESET = "qwen2.5-7b-instruct-1m"
NO_JUDGE_WARNING = (
    "run_longrl.sh: warning: training without an LLM judge (JUDGE_MODE=none). The paper judges answers with an "
    "LLM; free-form answers are checked by the guarded hybrid rule instead. See docs/judge.md and docs/cluster.md."
)
CONFIG_HEADER = "# composed config (--print-config; interpolations resolved)"
MODULES_KEY = "ray_kwargs.ray_init.runtime_env.env_vars.VERL_USE_EXTERNAL_MODULES"


@dataclass(frozen=True)
class EnvOverride:
    """An environment variable that sets one config key (``kind``: scalar, list or group)."""

    key: str
    kind: str = "scalar"


ENV_OVERRIDES: dict[str, EnvOverride] = {
    "PRESET": EnvOverride("preset", "group"),
    "LAUNCHER": EnvOverride("launcher", "group"),
    "JUDGE_MODE": EnvOverride("judge_mode", "group"),
    "TRAIN_FILES": EnvOverride("data.train_files", "list"),
    "VAL_FILES": EnvOverride("data.val_files", "list"),
    "MODEL_PATH": EnvOverride("actor_rollout_ref.model.path"),
    "CKPT_SAVE_PATH": EnvOverride("trainer.default_local_dir"),
    "NNODES": EnvOverride("trainer.nnodes"),
    "N_GPUS_PER_NODE": EnvOverride("trainer.n_gpus_per_node"),
    "PROJECT_NAME": EnvOverride("trainer.project_name"),
    "EXPERIMENT_NAME": EnvOverride("trainer.experiment_name"),
    "JUDGE_BASE_URLS": EnvOverride("reward.reward_kwargs.judge.client.base_urls", "list"),
    "JUDGE_MODEL": EnvOverride("reward.reward_kwargs.judge.client.model"),
    "JUDGE_API_KEY_ENV": EnvOverride("reward.reward_kwargs.judge.client.api_key_env"),
    "JUDGE_MAX_CONCURRENCY": EnvOverride("reward.reward_kwargs.judge.client.max_concurrency"),
    "JUDGE_FAILURE_POLICY": EnvOverride("reward.reward_kwargs.judge.failure_policy"),
    "JUDGE_MODEL_PATH": EnvOverride("reward.reward_model.model_path"),
    "JUDGE_N_GPUS_PER_NODE": EnvOverride("reward.reward_model.n_gpus_per_node"),
    "JUDGE_NNODES": EnvOverride("reward.reward_model.nnodes"),
}


def _quote(value: str) -> str:
    """A hydra-safe quoted string (URLs and paths contain ':' and '/')."""
    return "'" + value.replace("\\", "\\\\").replace("'", "\\'") + "'"


def env_overrides(env: Mapping[str, str]) -> list[str]:
    """Hydra overrides for the variables of :data:`ENV_OVERRIDES` that are set and non-empty."""
    overrides = []
    for name, spec in ENV_OVERRIDES.items():
        value = env.get(name, "").strip()
        if not value:
            continue
        if spec.kind == "group":
            overrides.append(f"{spec.key}={value}")
        elif spec.kind == "list":
            items = [_quote(v) for v in parse_path_list(value)]
            overrides.append(f"{spec.key}=[{','.join(items)}]")
        else:
            overrides.append(f"{spec.key}={value if value.lstrip('-').isdigit() else _quote(value)}")
    return overrides


def has_gpu() -> bool:
    """True when ``nvidia-smi`` exists and torch sees a CUDA device."""
    if shutil.which("nvidia-smi") is None:
        return False
    import torch

    return torch.cuda.is_available()


def checkpoint_state(directory: str, total_steps: int | None = None, resume_mode: str = "auto") -> str:
    """What ``trainer.resume_mode`` will do with ``directory``; says so when nothing is left to train."""
    marker = Path(directory).expanduser() / "latest_checkpointed_iteration.txt"
    if resume_mode != "auto" or not marker.is_file():
        return f"starts fresh; checkpoints go to {directory} (relaunching resumes from the latest)"
    step = marker.read_text().strip()
    line = f"resumes from step {step} (global_step_{step} in {directory})"
    if total_steps is not None and step.isdigit() and int(step) >= total_steps:
        line += (
            f": that is the last of total_training_steps={total_steps}, so this run trains 0 steps "
            "(use a new trainer.experiment_name or trainer.resume_mode=disable to start over)"
        )
    return line


def plan(cfg: DictConfig, env: Mapping[str, str]) -> str:
    """A short human-readable summary of what the run will do."""
    arr, trainer, algo = cfg.actor_rollout_ref, cfg.trainer, cfg.algorithm
    rk, judge = cfg.reward.reward_kwargs, cfg.reward.reward_kwargs.judge
    if not judge.enable:
        judge_line = "rule scorers only"
    elif judge.source == "verl":
        rm = cfg.reward.reward_model
        judge_line = f"verl-served {rm.model_path} on {rm.nnodes}x{rm.n_gpus_per_node} extra GPUs"
    else:
        urls = judge.client.base_urls or []
        judge_line = f"external {judge.client.model} at {len(urls)} endpoint(s)"
    if judge.enable:
        judge_line += f", on failure: {judge.failure_policy}; "
        total = judge.client.get("max_concurrency") or responses_per_step(cfg)  # null: the launcher's auto value
        judge_line += judge_concurrency_line(total, cfg.reward.num_workers, responses_per_step(cfg))
    ray = env.get("RAY_ADDRESS")
    lines = [
        f"model        {arr.model.path}",
        f"GPUs         {trainer.nnodes} node(s) x {trainer.n_gpus_per_node}; "
        + (f"Ray cluster at {ray}" if ray else "local Ray started by verl"),
        f"parallelism  Ulysses SP {arr.actor.fsdp_config.ulysses_sequence_parallel_size}, "
        f"rollout {arr.rollout.name} TP {arr.rollout.tensor_model_parallel_size}",
        f"batch        {cfg.data.train_batch_size} prompts x n={arr.rollout.n}, "
        f"mini-batch {arr.actor.ppo_mini_batch_size}",
        f"lengths      prompt {cfg.data.max_prompt_length} (truncation {cfg.data.truncation}), "
        f"response {cfg.data.max_response_length}, rollout max_model_len {arr.rollout.max_model_len}; tokens/GPU "
        f"actor {arr.actor.ppo_max_token_len_per_gpu}, log-prob {arr.rollout.log_prob_max_token_len_per_gpu} "
        f"(entropy chunked: {arr.actor.entropy_from_logits_with_chunking})",
        f"algorithm    {algo.adv_estimator}, clip {arr.actor.clip_ratio_low}/{arr.actor.clip_ratio_high} "
        f"c={arr.actor.clip_ratio_c}, {arr.actor.loss_agg_mode}, KL loss {arr.actor.use_kl_loss}, "
        f"lr {arr.actor.optim.lr}",
        "DAPO filter  "
        + (
            f"on {algo.filter_groups.metric}"
            + (" (the total sequence reward, as the authors)" if algo.filter_groups.metric == "reward" else "")
            if algo.filter_groups.enable
            else "off"
        ),
        f"reward       {rk.mode}: {rk.answer_weight}*a + {rk.context_weight}*F + {rk.joint_weight}*a*F, "
        f"beta {rk.beta}; judge: {judge_line}",
        f"data         train {list(cfg.data.train_files)}, val {list(cfg.data.val_files)}",
        f"checkpoints  {checkpoint_state(trainer.default_local_dir, trainer.total_training_steps, trainer.resume_mode)}"
        f"; save/test every "
        f"{trainer.save_freq}/{trainer.test_freq} steps, {trainer.total_epochs} epochs, keep "
        f"{trainer.max_actor_ckpt_to_keep or 'all'}",
        f"logging      {list(trainer.logger)}, trainer_mode={trainer.v1.trainer_mode}",
    ]
    return "\n".join(lines)


def external_modules(env: Mapping[str, str], first: Sequence[str] = ()) -> str:
    """``VERL_USE_EXTERNAL_MODULES`` for every process: ``first``, the environment's modules, the trainer module."""
    modules = [*first, *env.get("VERL_USE_EXTERNAL_MODULES", "").split(","), TRAINER_MODULE]
    return ",".join(dict.fromkeys(m.strip() for m in modules if m.strip()))


def modules_override(modules: str) -> str:
    """The recipe sets the Ray workers' module list to the trainer module alone; merged here instead."""
    return f"{MODULES_KEY}={_quote(modules)}"


def verl_command(overrides: Sequence[str]) -> list[str]:
    """The verl entry point with the LongRLVR recipe config."""
    return [
        sys.executable,
        "-m",
        "verl.trainer.main_ppo",
        f"--config-path={RECIPE_CONFIG_DIR}",
        f"--config-name={CONFIG_NAME}",
        *overrides,
    ]


def add_arguments(parser: argparse.ArgumentParser) -> argparse.ArgumentParser:
    """The launcher's arguments (shared by run_longrl.sh and ``longrlvr train``)."""
    parser.add_argument("--dry-run", action="store_true", help="compose + validate on CPU, print the plan, exit")
    parser.add_argument(
        "--rehearse",
        action="store_true",
        help="run this config on verl's real trainer on the CPU for a few steps (needs the cpu extra; also DEVICE=cpu)",
    )
    parser.add_argument(
        "--print-config", action="store_true", help="with --dry-run: also print the composed config as YAML"
    )
    parser.add_argument("overrides", nargs="*", help="hydra overrides, e.g. trainer.total_epochs=1 preset=...")
    return parser


def wants_local_engine(env: Mapping[str, str]) -> bool:
    """No ``MODEL_PATH`` and no GPU: the cluster run cannot start, the embedded local engine can."""
    return not env.get("MODEL_PATH") and not has_gpu()


def wants_rehearsal(argv: Sequence[str], env: Mapping[str, str]) -> bool:
    return "--rehearse" in argv or env.get("DEVICE", "").strip().lower() == "cpu"


def run_rehearsal(user_overrides: Sequence[str], env: Mapping[str, str]) -> int:
    """The user's config on verl's real trainer on the CPU (rehearsal.rehearse); the exit code."""
    from longrlvr.integrations.verl.rehearsal import rehearse

    missing = rehearse.missing_vllm_message()
    if missing:
        raise UserError(f"--rehearse: {missing}")
    base = [*env_overrides(env), *user_overrides]
    rehearsal = rehearse.prepare(base, env, compose)
    # the launcher's own overrides for the model the rehearsal runs (the DCA key of a tiny Qwen 1M-like model)
    cfg, overrides = with_launcher_overrides([*base, *(o.hydra() for o in rehearsal.overrides)])
    validate(cfg)
    print(check_run_servable(cfg), flush=True)  # issue 21: a model vLLM refuses stops here, before Ray
    run_env = rehearsal.env(env)
    first = [rehearse.PLUGIN_MODULE, rehearse.SEEDED_LOOP_MODULE]
    modules = run_env["VERL_USE_EXTERNAL_MODULES"] = external_modules(env, first=first)
    shown = [*rehearsal.overrides, rehearse.Override(MODULES_KEY, modules, "the CPU plugin first, then the run's")]
    print(f"CPU rehearsal in {rehearsal.workdir}; overrides applied to the run's config:")
    print(rehearse.format_overrides(shown))
    print(plan(cfg, env), flush=True)
    command = verl_command([*overrides, modules_override(modules)])
    code = subprocess.call(command, env=run_env)
    print(rehearse.closing_lines(rehearsal.workdir) if code == 0 else f"rehearsal run directory: {rehearsal.workdir}")
    return code


def with_launcher_overrides(overrides: Sequence[str]) -> tuple[DictConfig, list[str]]:
    """The composed config with the launcher's own overrides (:func:`.preflight.launcher_overrides`) appended after
    the user's, each announced in one line; (config, all overrides)."""
    cfg = compose(overrides)
    added = launcher_overrides(cfg)
    for _, line in added:
        print(line)
    if not added:
        return cfg, list(overrides)
    overrides = [*overrides, *(override for override, _ in added)]
    return compose(overrides), overrides


def run(
    dry_run: bool,
    user_overrides: Sequence[str],
    env: Mapping[str, str] | None = None,
    rehearse: bool = False,
    print_config: bool = False,
) -> int:
    """Dry run, rehearsal or verl launch; returns the exit code (bad settings raise :class:`UserError`)."""
    env = prefixed_env(os.environ if env is None else env)
    if (rehearse or wants_rehearsal((), env)) and not dry_run:
        return run_rehearsal(user_overrides, env)
    cfg, overrides = with_launcher_overrides([*env_overrides(env), *user_overrides])
    validate(cfg)
    if dry_run:
        check_verl_inputs(cfg)  # data files and model open (longrlvr.integrations.verl.door)
        print(check_run_servable(cfg))  # issue 21: vLLM's own registry and config checks
    checked = preflight(cfg, env, launching=not dry_run)  # door consistency checks (raise) and the memory plan
    if not cfg.reward.reward_kwargs.judge.enable:
        print(NO_JUDGE_WARNING, file=sys.stderr)
    print(plan(cfg, env))
    print("\n".join(checked.lines))
    if print_config:
        print(f"{CONFIG_HEADER}\n{OmegaConf.to_yaml(cfg, resolve=True)}", end="")
    if checked.problem:
        raise UserError(checked.problem)
    if dry_run:
        print("dry run: config composed and validated; verl command:\n  " + shlex.join(verl_command(overrides)))
        return 0
    env["VERL_USE_EXTERNAL_MODULES"] = external_modules(env)
    overrides += tracking_overrides(Path(cfg.trainer.default_local_dir), env)  # issue 21: stable wandb id, TB dir
    return subprocess.call(verl_command([*overrides, modules_override(env["VERL_USE_EXTERNAL_MODULES"])]), env=env)
