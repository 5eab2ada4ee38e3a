"""Stable tracking settings per run directory; vLLM's refusal of models it cannot serve, in one line."""

from __future__ import annotations

import pytest

from longrlvr.integrations.verl.config import compose
from longrlvr.integrations.verl.tracking import tracking_env, tracking_overrides, wandb_run_id
from tests.helpers.tiny_dirs import save_tiny_model


def test_wandb_id_is_stable_per_run_dir_and_user_values_win(tmp_path):
    assert wandb_run_id(tmp_path) == wandb_run_id(tmp_path / ".") != wandb_run_id(tmp_path / "other")
    env = tracking_env(tmp_path, {"WANDB_RUN_ID": "mine", "WANDB_MODE": "offline", "WANDB_API_KEY": "secret"})
    assert env["WANDB_RUN_ID"] == "mine" and env["WANDB_MODE"] == "offline" and env["WANDB_RESUME"] == "allow"
    assert env["TENSORBOARD_DIR"] == str(tmp_path.resolve() / "tensorboard")
    assert "WANDB_API_KEY" not in env  # overrides are printed; the key comes from the raylet's environment


def test_tracking_overrides_reach_the_ray_runtime_env(tmp_path):
    cfg = compose(tracking_overrides(tmp_path, {"WANDB_MODE": "offline"}))
    env_vars = cfg.ray_kwargs.ray_init.runtime_env.env_vars
    assert env_vars.WANDB_RUN_ID == wandb_run_id(tmp_path) and env_vars.WANDB_RESUME == "allow"
    assert env_vars.WANDB_MODE == "offline" and env_vars.TENSORBOARD_DIR == str(tmp_path.resolve() / "tensorboard")


@pytest.mark.slow
def test_vllm_refuses_lfm2_in_one_line_and_serves_qwen2(tmp_path):
    pytest.importorskip("vllm")
    from longrlvr.integrations.verl.servable import vllm_refusal

    assert vllm_refusal(str(save_tiny_model(tmp_path / "qwen2"))) is None
    line = vllm_refusal(str(save_tiny_model(tmp_path / "lfm2", arch="lfm2")))
    assert "Lfm2ForCausalLM" in line and "conv_dim" in line and "\n" not in line
