"""docs/cluster.md's parity tables against the composed config of each launcher and the authors' two scripts."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
import yaml
from omegaconf import OmegaConf

from longrlvr.integrations.verl.config import compose

DOC = Path(__file__).resolve().parents[4] / "docs" / "cluster.md"
# every override of the authors' root run_longrl.sh (real-absolute-AI/LongRLVR), in their order; their
# recipe/dapo/run_longrl.sh has the same keys plus reward_model.launch_reward_fn_async after reward_model.reward_manager
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


AUTHORS_KEYS.insert(AUTHORS_KEYS.index("reward_model.reward_manager") + 1, "reward_model.launch_reward_fn_async")
LAUNCHERS = ("authors-root", "authors-dapo")
NO_KEY = "—"


def table_rows(marker: str = "parity-table") -> list[list[str]]:
    text = DOC.read_text(encoding="utf-8")
    body = text.split(f"<!-- {marker} -->", 1)[1].split(f"<!-- /{marker} -->", 1)[0]
    rows = [[cell.strip() for cell in line.strip().strip("|").split("|")] for line in body.strip().splitlines()]
    return [r for r in rows[2:] if r and r[0]]


def unquote(cell: str) -> str | None:
    m = re.fullmatch(r"`([^`]*)`", cell)
    return m.group(1) if m else None


def test_every_authors_setting_has_one_row():
    assert [unquote(r[0]) for r in table_rows()] == AUTHORS_KEYS


@pytest.fixture(scope="module")
def configs():
    data = ["data.train_files=['/a']", "data.val_files=['/b']", "actor_rollout_ref.model.path=/m"]
    return {launcher: compose([*data, f"launcher={launcher}"]) for launcher in LAUNCHERS}


def composed_value(cfg, key: str):
    got = OmegaConf.select(cfg, key, throw_on_missing=True)
    return OmegaConf.to_container(got) if OmegaConf.is_config(got) else got


@pytest.mark.parametrize("row", table_rows(), ids=lambda r: r[0])
@pytest.mark.parametrize("column", [0, 1], ids=LAUNCHERS)
def test_composed_launcher_equals_the_table(row, column, configs):
    _key, theirs_root, theirs_dapo, our_key, ours_root, ours_dapo, why = row
    theirs, ours = (theirs_root, theirs_dapo)[column], (ours_root, ours_dapo)[column]
    if our_key == NO_KEY:  # no verl 0.9.1 key carries it: the reason must say so
        assert ours == NO_KEY and why, row
        return
    value = unquote(ours)
    if value is None:  # filled from the environment ("from `TRAIN_FILES`")
        assert ours.startswith("from "), row
        return
    assert composed_value(configs[LAUNCHERS[column]], unquote(our_key)) == yaml.safe_load(value), row
    if not theirs.startswith("`$") and not same(theirs, value):
        assert why, f"{row[0]}: a deviation needs its reason"


def test_the_dapo_column_differs_from_the_root_where_the_scripts_do():
    """The scripts' diff (checked against real-absolute-AI/LongRLVR 4531306): the two theirs columns differ in
    exactly these keys."""
    differing = {unquote(r[0]) for r in table_rows() if r[1] != r[2]}
    assert differing == {
        "data.train_batch_size",
        "actor_rollout_ref.actor.ppo_mini_batch_size",
        "actor_rollout_ref.actor.use_kl_loss",
        "actor_rollout_ref.actor.kl_loss_coef",
        "actor_rollout_ref.rollout.tensor_model_parallel_size",
        "actor_rollout_ref.rollout.gpu_memory_utilization",
        "reward_model.reward_manager",
        "reward_model.launch_reward_fn_async",
        "algorithm.filter_groups.enable",
        "trainer.logger",
        "trainer.experiment_name",
        "trainer.test_freq",
    }


@pytest.mark.parametrize("row", table_rows("deviation-table"), ids=lambda r: r[0])
@pytest.mark.parametrize("launcher", LAUNCHERS)
def test_deviations_from_the_authors_run_are_the_composed_values(row, launcher, configs):
    key, theirs, ours, why = row
    assert why and theirs, row
    value = unquote(ours)
    if value is None:  # set by the launcher at launch time (tests/unit/integrations/verl/test_launch_door.py)
        assert ours == "added by the launcher", row
        return
    assert composed_value(configs[launcher], unquote(key)) == yaml.safe_load(value), row


def same(theirs: str, ours: str) -> bool:
    """The authors' shell value equals ours (numbers compared as numbers, True/False as booleans)."""
    a, b = theirs.strip("`"), ours
    try:
        return float(a) == float(b)
    except ValueError:
        return a.lower() == b.lower()
