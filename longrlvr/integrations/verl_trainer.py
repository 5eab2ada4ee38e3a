"""verl v1 trainer that logs the LongRLVR reward components and applies the judge-failure exclusion.

Registered as ``trainer.v1.trainer_mode=longrlvr``. The trainer is built inside a Ray worker
(verl's ``TaskRunnerV1``), so this module must be imported there: the recipe config sets
``VERL_USE_EXTERNAL_MODULES=longrlvr.integrations.verl_trainer`` in the Ray runtime env, and verl
imports it whenever a process imports ``verl``.
"""

from __future__ import annotations

import torch
import transfer_queue as tq
from transfer_queue import KVBatchMeta
from verl.trainer.ppo.v1 import PPOTrainerSync, register_trainer
from verl.utils import tensordict_utils as tu

from longrlvr.integrations.reward_metrics import neutralize_excluded, reward_component_metrics, reward_infos

TRAINER_NAME = "longrlvr"


@register_trainer(TRAINER_NAME)
class LongRLVRTrainer(PPOTrainerSync):
    """verl's synchronous trainer plus per-step answer accuracy, precision, recall, F-beta, format and judge rates."""

    @property
    def trainer_mode(self) -> str:
        """Always ``sync``: verl branches on ``trainer_mode == 'sync'`` and this trainer is the sync trainer."""
        return "sync"

    @trainer_mode.setter
    def trainer_mode(self, _registry_name: str) -> None:
        """verl assigns the registry name (``longrlvr``) here; the behaviour stays ``sync``."""

    def _fetch_reward_infos(self, batch: KVBatchMeta) -> list[dict]:
        data = tq.kv_batch_get(keys=batch.keys, partition_id=batch.partition_id, select_fields=["extra_fields"])
        return reward_infos(list(data["extra_fields"]))  # list(): every TransferQueue backend's container

    def _compute_advantage(self, batch: KVBatchMeta, metrics: dict) -> KVBatchMeta:
        """Neutralize samples the reward manager marked ``exclude`` (judge failed), then verl's advantage."""
        excluded = [bool(info.get("exclude")) for info in self._fetch_reward_infos(batch)]
        if any(excluded):
            data = tq.kv_batch_get(keys=batch.keys, partition_id=batch.partition_id, select_fields=["uid", "rm_scores"])
            rows = neutralize_excluded(list(data["rm_scores"].unbind()), list(data["uid"]), excluded)
            scores = torch.nested.as_nested_tensor(rows, layout=torch.jagged)
            fields = tu.get_tensordict({"rm_scores": scores})
            tq.kv_batch_put(keys=batch.keys, partition_id=batch.partition_id, fields=fields)
        metrics["longrlvr/excluded_samples"] = float(sum(excluded))
        return super()._compute_advantage(batch, metrics)

    def _compute_metrics(self, batch: KVBatchMeta, metrics, timing_raw, global_steps, epoch):
        super()._compute_metrics(batch, metrics, timing_raw, global_steps, epoch)
        real = [not tag.get("is_padding", False) for tag in batch.tags]
        infos = [info for info, keep in zip(self._fetch_reward_infos(batch), real, strict=True) if keep]
        metrics.update(reward_component_metrics(infos))
