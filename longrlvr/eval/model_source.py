"""``eval run --model``: any checkpoint this project makes, resolved to an HF model directory.

Accepted: an HF model directory (or hub id / served name, passed through); a verl ``global_step_N``, its ``actor/``
or ``actor/huggingface`` (exported once with :mod:`longrlvr.integrations.verl.export`, cached in
``global_step_N/actor/hf/``); verl's ``default_local_dir`` (its latest step); the local engine's ``global_step_N``
(already HF: model.safetensors + tokenizer) and its run directory (``checkpoints/latest``).
Anything else: one :class:`UserError` line naming the path and what it lacks.
"""

from __future__ import annotations

import dataclasses
import json
import re
from pathlib import Path
from typing import Any

from longrlvr.errors import UserError

EXPORT_SUBDIR = "hf"  # actor/hf: verl's max_actor_ckpt_to_keep rotation deletes actor/ dirs, the cache goes with them
_HUB_ID = re.compile(r"^[A-Za-z0-9][\w.-]*/[\w.-]+$")


def resolve_eval_model(cfg: Any) -> Any:
    """``cfg`` (an EvalConfig) with ``model`` resolved by :func:`resolve_model` (unchanged when it already is one)."""
    model = resolve_model(cfg.model, cfg.backend)
    return cfg if model == cfg.model else dataclasses.replace(cfg, model=model)


def resolve_model(model: str, backend: str) -> str:
    """An HF directory (or the unchanged string for hub ids and the openai backend) for ``model``."""
    from longrlvr.integrations.verl.export import actor_dir, export_actor, has_hf_weights, latest_step_dir

    path = Path(model).expanduser()
    if backend == "openai" or (not path.exists() and _HUB_ID.match(model)):
        return model
    if not path.is_dir():
        raise UserError(f"--model {model}: no such directory (a checkpoint, an HF model directory or a hub id)")
    if has_hf_weights(path):
        return str(path)  # HF dir, local-engine global_step_N, or verl actor/huggingface saved with hf_model
    local = _local_engine_latest(path)
    if local is not None:
        return str(local)
    if path.name == "huggingface" and (path.parent / "fsdp_config.json").is_file():
        path = path.parent  # verl's actor/huggingface without weights: export its actor
    step = latest_step_dir(path) or path
    actor = actor_dir(step)
    if actor is not None:
        return str(export_actor(actor, actor / EXPORT_SUBDIR).out_dir)
    raise UserError(
        f"--model {model}: not a model or checkpoint (no config.json with weights, no verl fsdp_config.json in it or "
        f"its actor/, no checkpoints/latest)"
    )


def _local_engine_latest(path: Path) -> Path | None:
    """The newest checkpoint of a local-engine run directory (``checkpoints/latest`` names it), or None."""
    from longrlvr.integrations.verl.export import has_hf_weights

    for root in (path / "checkpoints", path):
        marker = root / "latest"
        if marker.is_file():
            try:
                step = root / json.loads(marker.read_text())["path"]
            except (ValueError, KeyError, TypeError):
                continue
            if has_hf_weights(step):
                return step
    return None
