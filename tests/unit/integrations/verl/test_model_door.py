"""The model door: the DCA key is dropped for the vLLM rollout only; config.json is read locally, never fetched."""

from __future__ import annotations

import json
from pathlib import Path

from longrlvr.integrations.verl.model_door import (
    DCA_OVERRIDE,
    read_model_config,
    rollout_overrides,
    rollout_overrides_for_dir,
)

MODELS = Path(__file__).resolve().parents[3] / "data" / "models"


def config_json(name: str) -> dict:
    return json.loads((MODELS / name / "config.json").read_text())


def test_dca_key_is_dropped_for_vllm_only():
    [(override, line)] = rollout_overrides("vllm", "/m", config_json("qwen2.5-7b-instruct-1m"))
    assert override == DCA_OVERRIDE and "dual_chunk_attention_config" in line and "\n" not in line
    assert rollout_overrides("vllm", "/m", config_json("llama-3.1-8b-instruct")) == []
    assert rollout_overrides("sglang", "/m", config_json("qwen2.5-7b-instruct-1m")) == []


def test_unreadable_config_still_drops_the_key_for_vllm_and_says_so():
    [(override, line)] = rollout_overrides("vllm", "org/not-cached-model", None)
    assert override == DCA_OVERRIDE and "not readable here" in line


def test_a_local_directory_is_read(tmp_path):
    assert read_model_config(str(MODELS / "qwen2.5-14b-instruct-1m"))["num_attention_heads"] == 40
    assert read_model_config(str(tmp_path)) is None and read_model_config(None) is None
    assert rollout_overrides_for_dir("vllm", str(MODELS / "qwen2.5-14b-instruct-1m"))[0][0] == DCA_OVERRIDE
    assert rollout_overrides_for_dir("vllm", str(MODELS / "llama-3.1-8b-instruct")) == []
