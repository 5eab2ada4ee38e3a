"""The model door: what the launcher changes for the rollout engine because of the model's ``config.json``.

Qwen2.5-7B/14B-Instruct-1M carry ``dual_chunk_attention_config``; vLLM fails at engine start with it
(``TypeError: ...AttentionBackendImpl.__init__() got an unexpected keyword argument 'layer_idx'``; vLLM issues
#24048, #21452, #33470). transformers ignores the key for training, as the authors' SGLang rollout did, so
removing it for vLLM only keeps rollout and training on the same attention. verl 0.9.1 passes
``rollout.engine_kwargs.vllm`` to ``vllm serve`` after its own ``hf_overrides``
(verl/workers/rollout/vllm_rollout/vllm_async_server.py ``launch_server``); ``++`` merges with ``hf_overrides``
the user already set. The CPU rehearsal calls :func:`rollout_overrides_for_dir` on the tiny model it builds.
"""

from __future__ import annotations

import json
import re
from collections.abc import Mapping
from pathlib import Path
from typing import Any

DCA_KEY = "dual_chunk_attention_config"
DCA_OVERRIDE = f"++actor_rollout_ref.rollout.engine_kwargs.vllm.hf_overrides.{DCA_KEY}=null"
_HUB_ID = re.compile(r"^[A-Za-z0-9][\w.-]*/[\w.-]+$")


def read_model_config(path: str | None) -> dict[str, Any] | None:
    """The model's ``config.json`` as a dict: a local directory, else the local Hugging Face cache for a hub id
    (nothing is downloaded); None when it cannot be read here."""
    if not path:
        return None
    local = Path(path).expanduser() / "config.json"
    if not local.is_file():
        if local.parent.exists() or not _HUB_ID.match(path):
            return None
        from huggingface_hub import try_to_load_from_cache

        cached = try_to_load_from_cache(path, "config.json")
        if not isinstance(cached, str):
            return None
        local = Path(cached)
    try:
        config = json.loads(local.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None  # check_model (door.py) reports an unreadable config.json in one line
    return config if isinstance(config, dict) else None


def rollout_overrides(
    rollout_name: str, model_path: str | None, model_config: Mapping[str, Any] | None
) -> list[tuple[str, str]]:
    """(hydra override, one line for the user) the launcher adds for the rollout engine.

    A model whose config.json cannot be read here (a hub id not in the local cache, remote storage) gets the
    override too: on a model without the key it sets an absent attribute to None, which is what vLLM reads then.
    """
    if rollout_name != "vllm":
        return []
    if model_config is None:
        return [
            (
                DCA_OVERRIDE,
                f"rollout: {model_path}/config.json is not readable here; vLLM drops {DCA_KEY} if "
                "the model has it (hf_overrides; training unchanged)",
            )
        ]
    if DCA_KEY in model_config:
        return [
            (
                DCA_OVERRIDE,
                f"rollout: the model's config.json has {DCA_KEY}, which vLLM cannot start with; vLLM "
                "runs without it (hf_overrides), training (transformers) ignores it as before",
            )
        ]
    return []


def rollout_overrides_for_dir(rollout_name: str, model_dir: str) -> list[tuple[str, str]]:
    """:func:`rollout_overrides` for a local model directory (the CPU rehearsal's tiny model)."""
    return rollout_overrides(rollout_name, model_dir, read_model_config(model_dir))
