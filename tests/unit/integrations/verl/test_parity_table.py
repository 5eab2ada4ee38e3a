"""docs/cluster.md's parity table against the composed default config and the authors' run_longrl.sh settings."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
import yaml
from omegaconf import OmegaConf

from longrlvr.integrations.verl.config import compose

DOC = Path(__file__).resolve().parents[4] / "docs" / "cluster.md"
# every override of the authors' run_longrl.sh (real-absolute-AI/LongRLVR), in their order
AUTHORS_KEYS = """
algorithm.adv_estimator data.train_files data.val_files data.train_batch_size data.max_prompt_length
data.max_response_length data.filter_overlong_prompts data.filter_overlong_prompts_workers data.truncation
actor_rollout_ref.model.path actor_rollout_ref.actor.optim.lr actor_rollout_ref.actor.optim.lr_warmup_steps
actor_rollout_ref.actor.optim.weight_decay actor_rollout_ref.model.use_remove_padding
actor_rollout_ref.actor.ulysses_sequence_parallel_size actor_rollout_ref.actor.use_dynamic_bsz
actor_rollout_ref.actor.ppo_max_token_len_per_gpu actor_rollout_ref.actor.ppo_mini_batch_size
actor_rollout_ref.actor.clip_ratio_low actor_rollout_ref.actor.clip_ratio_high actor_rollout_ref.actor.clip_ratio_c
actor_rollout_ref.actor.loss_agg_mode actor_rollout_ref.actor.use_kl_loss actor_rollout_ref.actor.kl_loss_coef
actor_rollout_ref.actor.kl_loss_type actor_rollout_ref.actor.entropy_coeff
actor_rollout_ref.model.enable_gradient_checkpointing actor_rollout_ref.actor.fsdp_config.param_offload
actor_rollout_ref.actor.fsdp_config.optimizer_offload actor_rollout_ref.actor.fsdp_config.fsdp_size
actor_rollout_ref.actor.grad_clip actor_rollout_ref.rollout.log_prob_use_dynamic_bsz
actor_rollout_ref.rollout.log_prob_max_token_len_per_gpu actor_rollout_ref.rollout.enable_chunked_prefill
actor_rollout_ref.rollout.tensor_model_parallel_size actor_rollout_ref.rollout.name
actor_rollout_ref.rollout.gpu_memory_utilization actor_rollout_ref.rollout.max_num_batched_tokens
actor_rollout_ref.rollout.n actor_rollout_ref.rollout.disable_log_stats actor_rollout_ref.rollout.temperature
actor_rollout_ref.rollout.top_p actor_rollout_ref.rollout.top_k actor_rollout_ref.ref.log_prob_max_token_len_per_gpu
actor_rollout_ref.ref.ulysses_sequence_parallel_size actor_rollout_ref.ref.fsdp_config.param_offload
actor_rollout_ref.ref.log_prob_use_dynamic_bsz reward_model.reward_manager algorithm.use_kl_in_reward
algorithm.kl_ctrl.kl_coef algorithm.filter_groups.enable algorithm.filter_groups.max_num_gen_batches
algorithm.filter_groups.metric trainer.logger trainer.project_name trainer.experiment_name trainer.n_gpus_per_node
trainer.nnodes trainer.save_freq trainer.test_freq trainer.default_local_dir trainer.resume_mode
trainer.resume_from_path trainer.total_epochs
""".split()


def table_rows() -> list[list[str]]:
    text = DOC.read_text(encoding="utf-8")
    body = text.split("<!-- parity-table -->", 1)[1].split("<!-- /parity-table -->", 1)[0]
    rows = [[cell.strip() for cell in line.strip().strip("|").split("|")] for line in body.strip().splitlines()]
    return [r for r in rows[2:] if r and r[0]]


def unquote(cell: str) -> str | None:
    m = re.fullmatch(r"`([^`]*)`", cell)
    return m.group(1) if m else None


def test_every_authors_setting_has_one_row():
    assert [unquote(r[0]) for r in table_rows()] == AUTHORS_KEYS


@pytest.fixture(scope="module")
def default_config():
    return compose(["data.train_files=['/a']", "data.val_files=['/b']", "actor_rollout_ref.model.path=/m"])


@pytest.mark.parametrize("row", table_rows(), ids=lambda r: r[0])
def test_composed_default_equals_the_table(row, default_config):
    _theirs_key, theirs, our_key, ours, why = row
    value = unquote(ours)
    if value is None:  # filled from the environment ("from `TRAIN_FILES`")
        assert ours.startswith("from "), row
        return
    got = OmegaConf.select(default_config, unquote(our_key), throw_on_missing=True)
    got = OmegaConf.to_container(got) if OmegaConf.is_config(got) else got
    assert got == yaml.safe_load(value), row
    if not theirs.startswith("`$") and not same(theirs, value):
        assert why, f"{row[0]}: a deviation needs its reason"


def same(theirs: str, ours: str) -> bool:
    """The authors' shell value equals ours (numbers compared as numbers, True/False as booleans)."""
    a, b = theirs.strip("`"), ours
    try:
        return float(a) == float(b)
    except ValueError:
        return a.lower() == b.lower()
