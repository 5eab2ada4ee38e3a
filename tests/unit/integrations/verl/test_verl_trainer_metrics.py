"""The v1 trainer subclass: registration, sync behaviour, reward-component metrics and judge-failure exclusion."""

from __future__ import annotations

import os
import subprocess
import sys
from types import SimpleNamespace

import numpy as np
import pytest
import torch
from omegaconf import OmegaConf
from verl.trainer.ppo.core_algos import compute_grpo_outcome_advantage
from verl.trainer.ppo.v1 import PPOTrainerSync, get_trainer_cls
from verl.utils import tensordict_utils as tu

from longrlvr.integrations.verl import trainer as verl_trainer
from longrlvr.integrations.verl.config import RECIPE_CONFIG_DIR
from longrlvr.integrations.verl.reward_metrics import neutralize_excluded, reward_component_metrics, reward_infos
from longrlvr.integrations.verl.trainer import LongRLVRTrainer


class Wrapped:
    """Like tensordict's NonTensorData: the dict sits under ``.data``."""

    def __init__(self, data):
        self.data = data


def test_registered_as_longrlvr_and_behaves_as_sync():
    assert get_trainer_cls("longrlvr") is LongRLVRTrainer
    assert issubclass(LongRLVRTrainer, PPOTrainerSync)
    trainer = object.__new__(LongRLVRTrainer)
    trainer.trainer_mode = "longrlvr"  # what PPOTrainer.__init__ assigns from trainer.v1.trainer_mode
    assert trainer.trainer_mode == "sync"


def test_reward_infos_reads_extra_fields_of_every_shape():
    fields = [{"reward_extra_info": {"answer_acc": 1.0}}, Wrapped({"reward_extra_info": {"answer_acc": 0.0}}), None, {}]
    assert reward_infos(fields) == [{"answer_acc": 1.0}, {"answer_acc": 0.0}, {}, {}]


def test_component_metrics_are_batch_means():
    infos = [
        {"answer_acc": 1.0, "precision": 1.0, "recall": 0.5, "fbeta": 0.55, "format_ok": 1.0, "judge_failed": 0.0},
        {"answer_acc": 0.0, "precision": 0.0, "recall": 0.0, "fbeta": 0.0, "format_ok": 0.0, "judge_failed": 1.0},
        {},  # padding row without reward info is ignored
    ]
    metrics = reward_component_metrics(infos)
    assert metrics["longrlvr/answer_acc"] == pytest.approx(0.5)
    assert metrics["longrlvr/recall"] == pytest.approx(0.25)
    assert metrics["longrlvr/fbeta"] == pytest.approx(0.275)
    assert metrics["longrlvr/format_ok"] == pytest.approx(0.5)
    assert metrics["longrlvr/judge_failed"] == pytest.approx(0.5)
    assert "longrlvr/exclude" not in metrics


def rows_from_scores(scores, length=4):
    rows = []
    for score in scores:
        row = torch.zeros(length)
        row[-1] = score
        rows.append(row)
    return rows


def grpo_advantages(rows, uids):
    rewards = torch.stack(rows)
    adv, _ = compute_grpo_outcome_advantage(rewards, torch.ones_like(rewards), np.array(uids, dtype=object))
    return adv[:, -1]


def test_excluded_sample_gets_zero_advantage_and_keeps_group_mean():
    uids = ["a", "a", "a", "a", "b", "b"]
    scores = [2.0, 0.0, 1.0, 0.0, 1.0, 0.5]
    excluded = [False, False, False, True, True, True]
    rows = neutralize_excluded(rows_from_scores(scores), uids, excluded)
    totals = [float(r.sum()) for r in rows]
    assert totals[3] == pytest.approx(1.0)  # mean of the kept samples 2, 0, 1
    assert totals[4:] == [0.0, 0.0]  # no kept sample in group b
    assert totals[:3] == scores[:3]
    adv = grpo_advantages(rows, uids)
    assert adv[3] == pytest.approx(0.0, abs=1e-5)
    assert torch.allclose(adv[4:], torch.zeros(2))
    assert adv[0] > 0 > adv[1]


def test_trainer_module_loads_through_verl_external_modules_hook():
    """verl imports VERL_USE_EXTERNAL_MODULES in every process that imports verl (the Ray TaskRunner too)."""
    env = dict(os.environ, VERL_USE_EXTERNAL_MODULES="longrlvr.integrations.verl.trainer")
    code = "import verl; from verl.trainer.ppo.v1 import get_trainer_cls; print(get_trainer_cls('longrlvr').__name__)"
    out = subprocess.run([sys.executable, "-c", code], env=env, capture_output=True, text=True, timeout=120)
    assert out.returncode == 0, out.stderr[-2000:]
    assert out.stdout.strip().endswith("LongRLVRTrainer")


def test_recipe_config_propagates_the_hook_to_ray_workers():
    cfg = OmegaConf.load(RECIPE_CONFIG_DIR / "longrlvr_trainer.yaml")
    env_vars = cfg.ray_kwargs.ray_init.runtime_env.env_vars
    assert env_vars.VERL_USE_EXTERNAL_MODULES == "longrlvr.integrations.verl.trainer"


class FakeTransferQueue:
    """In-memory stand-in for TransferQueue's kv_batch_get/put (real TensorDicts, nested rm_scores)."""

    def __init__(self, fields: dict) -> None:
        self.rows = {f"k{i}": {name: values[i] for name, values in fields.items()} for i in range(len(fields["uid"]))}

    def kv_batch_get(self, keys, partition_id, select_fields):
        columns = {name: [self.rows[k][name] for k in keys] for name in select_fields}
        if "rm_scores" in columns:
            columns["rm_scores"] = torch.nested.as_nested_tensor(columns["rm_scores"], layout=torch.jagged)
        return tu.get_tensordict(columns)

    def kv_batch_put(self, keys, partition_id, fields):
        for key, row in zip(keys, fields["rm_scores"].unbind(), strict=True):
            self.rows[key]["rm_scores"] = row


def fake_trainer(monkeypatch, excluded):
    scores = [2.0, 0.0, 1.0, 0.5]
    store = FakeTransferQueue(
        {
            "uid": ["a", "a", "a", "b"],
            "rm_scores": rows_from_scores(scores, length=3),
            "extra_fields": [
                {"reward_extra_info": {"exclude": float(e), "answer_acc": float(s > 0.9)}}
                for e, s in zip(excluded, scores, strict=True)
            ],
        }
    )
    monkeypatch.setattr(verl_trainer, "tq", store)
    seen = {}
    monkeypatch.setattr(
        PPOTrainerSync, "_compute_advantage", lambda self, batch, metrics: seen.setdefault("adv", batch)
    )
    monkeypatch.setattr(PPOTrainerSync, "_compute_metrics", lambda self, batch, metrics, *a: metrics.update(base=1))
    batch = SimpleNamespace(keys=list(store.rows), partition_id="train", tags=[{}, {}, {}, {"is_padding": True}])
    return object.__new__(LongRLVRTrainer), store, batch, seen


def test_advantage_override_rewrites_excluded_rewards_before_verl(monkeypatch):
    trainer, store, batch, seen = fake_trainer(monkeypatch, excluded=[False, True, False, False])
    metrics = {}
    trainer._compute_advantage(batch, metrics)
    assert seen["adv"] is batch and metrics["longrlvr/excluded_samples"] == 1.0
    assert float(store.rows["k1"]["rm_scores"][-1]) == pytest.approx(1.5)  # mean of kept 2.0 and 1.0
    assert float(store.rows["k0"]["rm_scores"][-1]) == 2.0


def test_metrics_override_adds_means_over_real_samples(monkeypatch):
    trainer, _, batch, _ = fake_trainer(monkeypatch, excluded=[False, True, False, False])
    metrics = {}
    trainer._compute_metrics(batch, metrics, {}, 1, 0)
    assert metrics["base"] == 1  # verl's metrics are kept
    assert metrics["longrlvr/answer_acc"] == pytest.approx(2 / 3)  # padding row k3 is left out
    assert metrics["longrlvr/exclude"] == pytest.approx(1 / 3)


def test_training_metrics_log_recall_by_evidence_depth(monkeypatch):
    from longrlvr.rewards.depth import depth_fields

    trainer, store, batch, _ = fake_trainer(monkeypatch, excluded=[False, False, False, False])
    named = {"k0": [0], "k1": [], "k2": [9], "k3": [0, 9]}  # k3 is padding: left out
    for key, ids in named.items():
        store.rows[key]["extra_fields"]["reward_extra_info"].update(depth_fields(ids, [0, 9], 10))
    metrics = {}
    trainer._compute_metrics(batch, metrics, {}, 1, 0)
    assert metrics["longrlvr/recall_depth_0"] == pytest.approx(1 / 3)
    assert metrics["longrlvr/recall_depth_9"] == pytest.approx(1 / 3)
    assert not any(k.startswith("longrlvr/depth_") for k in metrics)


def test_validation_metrics_drop_depth_columns_and_add_recall_by_depth(monkeypatch):
    from longrlvr.rewards.depth import depth_fields

    seen = {}

    def verl_val_metrics(self, data_sources, uids, columns, turns, *args, **kwargs):
        seen["columns"] = set(columns)
        return {"val-core/longrlvr/reward/mean@1": 1.0}

    monkeypatch.setattr(PPOTrainerSync, "_val_metrics_update", verl_val_metrics)
    samples = [{"score": 1.0, **depth_fields([0], [0, 9], 10)}, {"score": 0.0, **depth_fields([9], [9], 10)}]
    columns = {k: [s[k] for s in samples] for k in samples[0]}
    metrics = object.__new__(LongRLVRTrainer)._val_metrics_update(["longrlvr"] * 2, ["a", "b"], columns, [])
    assert seen["columns"] == {"score"}  # verl never sees the 20 depth columns
    assert metrics == {
        "val-core/longrlvr/reward/mean@1": 1.0,
        "val-aux/longrlvr/recall_depth_0": 1.0,
        "val-aux/longrlvr/recall_depth_9": 0.5,
    }
