"""Compose and validate the LongRLVR verl config on a CPU machine (what ``run_longrl.sh --dry-run`` runs).

Checks, in order: hydra composition (unknown keys are rejected by hydra's struct mode), old verl-0.4
keys that 0.9.1 would silently ignore or reject late, verl's own ``validate_config`` and the dataclass
conversions the workers perform, and that the reward manager, reward function, trainer class, DAPO
metric and judge settings resolve.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

from omegaconf import DictConfig, OmegaConf

from longrlvr.errors import UserError
from longrlvr.shipped import RECIPE_CONFIG, shipped_path

RECIPE_CONFIG_DIR = shipped_path(*RECIPE_CONFIG)
CONFIG_NAME = "longrlvr_trainer"
DATACLASS_SECTIONS = ("actor_rollout_ref.rollout", "algorithm")
# key -> the run_longrl.sh environment variable that sets it
REQUIRED_KEYS = {
    "data.train_files": "TRAIN_FILES",
    "data.val_files": "VAL_FILES",
    "actor_rollout_ref.model.path": "MODEL_PATH",
}


def parse_path_list(value: str) -> list[str]:
    """Paths from an environment variable: the authors' ``"['/a.parquet', '/b.parquet']"`` form, ``[/a,/b]``,
    or comma-separated ``/a,/b``; quotes and blanks around each path are dropped."""
    text = value.strip()
    if text.startswith("[") and text.endswith("]"):
        text = text[1:-1]
    return [p.strip().strip("'\"").strip() for p in text.split(",") if p.strip().strip("'\"").strip()]


class ConfigError(UserError, ValueError):
    """The composed config cannot run; the message names the key and the fix."""


@dataclass(frozen=True)
class LegacyKey:
    """An old (verl 0.4 / reference script) key and where it lives in 0.9.1."""

    key: str
    fix: str


LEGACY_KEYS = (
    LegacyKey("reward_model.reward_manager", "use reward.reward_manager.{source,name,module.path} (0.9.1 ignores it)"),
    LegacyKey("reward_model.", "the reward section moved to reward.* (reward.reward_model.*, reward.reward_kwargs.*)"),
    LegacyKey("custom_reward_function.", "use reward.custom_reward_function.*"),
    LegacyKey(
        "actor_rollout_ref.actor.ulysses_sequence_parallel_size",
        "use actor_rollout_ref.actor.fsdp_config.ulysses_sequence_parallel_size",
    ),
    LegacyKey(
        "actor_rollout_ref.ref.ulysses_sequence_parallel_size",
        "use actor_rollout_ref.ref.fsdp_config.ulysses_sequence_parallel_size",
    ),
    LegacyKey("recipe.", "there is no recipe package in verl 0.9.1; launch verl.trainer.main_ppo (run_longrl.sh)"),
)


def _override_key(override: str) -> str:
    return override.split("=", 1)[0].lstrip("+~")


def legacy_override_errors(overrides: Sequence[str]) -> list[str]:
    """Messages for overrides that use old key names (first matching rule per override)."""
    errors = []
    for override in overrides:
        key = _override_key(override)
        for legacy in LEGACY_KEYS:
            if key == legacy.key or (legacy.key.endswith(".") and key.startswith(legacy.key)):
                errors.append(f"old verl key {key!r}: {legacy.fix}")
                break
    return errors


def compose(overrides: Sequence[str] = (), config_dir: Path = RECIPE_CONFIG_DIR) -> DictConfig:
    """The full verl config: ``ppo_trainer`` + the LongRLVR recipe + ``overrides`` (hydra syntax)."""
    from hydra.errors import HydraException
    from omegaconf.errors import OmegaConfBaseException

    errors = legacy_override_errors(overrides)
    if errors:
        raise ConfigError("; ".join(errors))
    try:
        return _hydra_compose(config_dir, overrides)
    except (HydraException, OmegaConfBaseException) as exc:
        raise ConfigError(_compose_error(exc, config_dir)) from exc


def _hydra_compose(config_dir: Path, overrides: Sequence[str]) -> DictConfig:
    from hydra import compose as hydra_compose
    from hydra import initialize_config_dir

    with initialize_config_dir(str(config_dir), version_base=None):
        return hydra_compose(CONFIG_NAME, overrides=list(overrides))


def _compose_error(exc: Exception, config_dir: Path) -> str:
    """One line; an override of a key the recipe does not have names the closest key (config_loader.check_keys)."""
    from longrlvr.config_loader import check_keys

    first = str(exc).splitlines()[0]
    unknown = re.match(r"Could not override '([\w.]+)'", first)
    if unknown:
        key = OmegaConf.to_container(OmegaConf.from_dotlist([f"{unknown[1]}=0"]))
        try:
            check_keys(key, _hydra_compose(config_dir, ()), "override")
        except UserError as err:
            return f"{err} (+{unknown[1]}=VALUE adds a key)"
    return f"cannot compose the config: {first}"


def _check_values(cfg: DictConfig) -> list[str]:
    """Semantic checks verl does not do (or does only after the GPUs are allocated)."""
    from longrlvr.integrations.verl.reward import EXTRA_INFO_KEYS

    errors = []
    required = list(REQUIRED_KEYS)
    if cfg.reward.reward_model.enable:
        required.append("reward.reward_model.model_path")
    for key in required:
        if OmegaConf.select(cfg, key, default=None) is None:
            errors.append(f"{key} is required ({REQUIRED_KEYS.get(key, 'JUDGE_MODEL_PATH')} in run_longrl.sh)")
    if cfg.get("reward_model", {}).get("reward_manager") is not None:
        errors.append(f"old verl key 'reward_model.reward_manager': {LEGACY_KEYS[0].fix}")
    actor = cfg.actor_rollout_ref.actor
    if actor.get("ulysses_sequence_parallel_size", 1) != 1:
        errors.append(f"old verl key 'actor_rollout_ref.actor.ulysses_sequence_parallel_size': {LEGACY_KEYS[3].fix}")
    groups = cfg.algorithm.filter_groups
    if groups.enable and groups.metric not in ("reward", *EXTRA_INFO_KEYS):
        errors.append(
            f"algorithm.filter_groups.metric={groups.metric!r} is not produced by the reward manager "
            f"(0.9.1 would fail mid-run with 'missing DAPO metric'); use one of {['reward', *EXTRA_INFO_KEYS]}"
        )
    sp = actor.fsdp_config.ulysses_sequence_parallel_size
    if sp > 1 and not cfg.actor_rollout_ref.model.use_remove_padding:
        errors.append("Ulysses sequence parallelism needs actor_rollout_ref.model.use_remove_padding=True")
    n_gpus = cfg.trainer.n_gpus_per_node * cfg.trainer.nnodes
    for name, size in (("actor SP", sp), ("rollout TP", cfg.actor_rollout_ref.rollout.tensor_model_parallel_size)):
        if n_gpus % size:
            errors.append(f"{name} size {size} does not divide the {n_gpus} trainer GPUs")
    return errors


def _check_reward(cfg: DictConfig) -> None:
    """The reward manager class, reward function, judge settings and trainer class resolve."""
    from verl.experimental.reward_loop.reward_manager.base import RewardManagerBase
    from verl.trainer.ppo.reward import get_custom_reward_fn, resolve_reward_manager_cls
    from verl.trainer.ppo.v1 import get_trainer_cls

    import longrlvr.integrations.verl.trainer  # noqa: F401  (registers trainer_mode=longrlvr)
    from longrlvr.integrations.verl.judge_settings import JudgeSettings
    from longrlvr.integrations.verl.reward import reward_kwargs
    from longrlvr.rewards import RewardConfig

    manager = resolve_reward_manager_cls(cfg)
    if not (isinstance(manager, type) and issubclass(manager, RewardManagerBase)):
        raise ConfigError(f"reward.reward_manager resolves to {manager!r}, not a verl RewardManagerBase subclass")
    get_custom_reward_fn(cfg)
    kwargs = reward_kwargs(cfg)
    RewardConfig.from_kwargs(kwargs)
    judge = JudgeSettings.from_mapping(kwargs.get("judge"))
    model = cfg.reward.reward_model
    if judge.enable and judge.source == "verl":
        if not (model.enable and model.enable_resource_pool and cfg.reward.custom_reward_function.path):
            raise ConfigError(
                "a verl-served judge needs reward.reward_model.enable=True, enable_resource_pool=True (the colocated "
                "path drops data_source/extra_info) and reward.custom_reward_function.path (use judge_mode=verl)"
            )
    elif judge.enable:
        judge.client_mapping(None, None)
    if model.enable and not model.enable_resource_pool:
        raise ConfigError(
            "reward.reward_model.enable=True needs enable_resource_pool=True: a reward model colocated with the "
            "policy makes verl call the reward manager without data_source/reward_model/extra_info"
        )
    get_trainer_cls(cfg.trainer.v1.trainer_mode)


def validate(cfg: DictConfig) -> None:
    """Run every CPU-side check on a composed config; raise :class:`ConfigError` listing the problems."""
    from omegaconf.errors import OmegaConfBaseException
    from verl.trainer.ppo.utils import need_critic, need_reference_policy
    from verl.utils.config import omega_conf_to_dataclass, validate_config

    errors = _check_values(cfg)
    if errors:
        raise ConfigError("; ".join(errors))
    try:
        validate_config(cfg, use_reference_policy=need_reference_policy(cfg), use_critic=need_critic(cfg))
        # validate_config already builds the actor dataclass; these are the other sections workers build
        for section in DATACLASS_SECTIONS:
            omega_conf_to_dataclass(OmegaConf.select(cfg, section))
        if cfg.reward.reward_model.enable:
            omega_conf_to_dataclass(cfg.reward.reward_model)
        _check_reward(cfg)
    except ConfigError:
        raise
    except OmegaConfBaseException as exc:
        raise ConfigError(f"incomplete config: {exc}".splitlines()[0] + f" ({exc.full_key})") from exc
    except (AssertionError, ValueError, TypeError, KeyError, AttributeError, ImportError) as exc:
        raise ConfigError(f"invalid config: {type(exc).__name__}: {exc}") from exc
