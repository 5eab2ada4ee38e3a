"""verl v1 trainer that logs the LongRLVR reward components and applies the judge-failure exclusion.

Registered as ``trainer.v1.trainer_mode=longrlvr``. The trainer is built inside a Ray worker
(verl's ``TaskRunnerV1``), so this module must be imported there: the recipe config sets
``VERL_USE_EXTERNAL_MODULES=longrlvr.integrations.verl.trainer`` in the Ray runtime env, and verl
imports it whenever a process imports ``verl``.
"""

from __future__ import annotations

import logging

import torch
import transfer_queue as tq
from omegaconf import DictConfig, OmegaConf
from transfer_queue import KVBatchMeta
from verl.trainer.ppo.v1 import PPOTrainerSync, register_trainer
from verl.utils import tensordict_utils as tu

from longrlvr.integrations.verl.compat import hide_trl_without_value_head
from longrlvr.integrations.verl.reward_metrics import (
    depth_column_metrics,
    neutralize_excluded,
    reward_component_metrics,
    reward_infos,
    split_depth_columns,
)

hide_trl_without_value_head()

TRAINER_NAME = "longrlvr"
WARN_CAP_CEILING = 5  # on_cap=warn still stops at this many times max_num_gen_batches
logger = logging.getLogger(__name__)


class TooManyGenBatchesError(RuntimeError):
    """Dynamic sampling needed more generation batches in one step than ``max_num_gen_batches`` allows."""


def gen_batch_budget_error(
    dispatched: int, requested: int, batch_size: int, max_gen_batches: int, metric: str
) -> str | None:
    """The error message when dispatching ``requested`` more prompts breaks the authors' cap, else ``None``.

    ``dispatched`` prompts were already sent to the rollout this step; the cap is
    ``max_gen_batches * batch_size`` prompts (``max_gen_batches <= 0``: no cap, as in the authors' trainer).
    """
    if max_gen_batches <= 0 or dispatched + requested <= max_gen_batches * batch_size:
        return None
    return (
        f"dynamic sampling (algorithm.filter_groups) found too few groups with varied scores to fill a batch of "
        f"{batch_size} after {dispatched / batch_size:g} generation batches; max_num_gen_batches={max_gen_batches} "
        f"stops it (the authors' cap). The groups' {metric!r} values were nearly all uniform: check that the data "
        f"is not too hard or too easy for the model, or set algorithm.filter_groups.max_num_gen_batches=0 to keep "
        f"generating"
    )


def steps_trained_message(start_step: int, end_step: int, total_steps: int) -> str:
    """The closing line of a run: how many steps it trained, and why none when none."""
    trained = max(0, end_step - start_step - 1)
    if trained:
        return f"longrlvr: trained {trained} step(s), {start_step + 1}..{start_step + trained} of {total_steps}"
    return (
        f"longrlvr: trained 0 steps: the run resumed at step {start_step} and total_training_steps is {total_steps} "
        f"(a finished run's checkpoint in trainer.default_local_dir; use a new trainer.experiment_name, "
        f"trainer.resume_mode=disable, or raise trainer.total_epochs / trainer.total_training_steps)"
    )


@register_trainer(TRAINER_NAME)
class LongRLVRTrainer(PPOTrainerSync):
    """verl's synchronous trainer plus per-step answer accuracy, precision, recall, F-beta, format and judge rates.

    Also enforces ``algorithm.filter_groups.max_num_gen_batches`` (verl 0.9.1 ignores it and refills forever)
    and says how many steps a run trained.
    """

    _step_prompts = 0  # prompts sent to the rollout during the current step
    _warned_step = -1  # the step whose cap warning was logged (on_cap=warn)

    def fit(self, agent_loop_manager) -> None:
        start = self.global_steps  # the resumed step (0 for a fresh run)
        super().fit(agent_loop_manager)
        if self.config.trainer.get("val_only", False):
            return
        message = steps_trained_message(start, self.global_steps, self.total_training_steps)
        logger.warning(message)
        print(message, flush=True)

    def prepare_step(self) -> dict:
        metrics = super().prepare_step()  # dispatches the step's first generation batch
        self._step_prompts = self.config.data.train_batch_size
        return metrics

    def _add_prompts_to_generate(self, num_prompts: int) -> int:
        """verl's dynamic-sampling refill, bounded by the authors' ``max_num_gen_batches``."""
        groups = self.config.algorithm.filter_groups
        if groups.enable:
            error = gen_batch_budget_error(
                self._step_prompts,
                num_prompts,
                self.config.data.train_batch_size,
                groups.max_num_gen_batches,
                groups.metric,
            )
            if error and not self._warn_past_cap(error, groups, num_prompts):
                raise TooManyGenBatchesError(error)
        self._step_prompts += num_prompts
        return super()._add_prompts_to_generate(num_prompts)

    def _warn_past_cap(self, error: str, groups: DictConfig, num_prompts: int) -> bool:
        """``trainer.v1.on_gen_batch_cap=warn`` (the CPU rehearsal only): log the cap once per step and keep refilling,
        up to :data:`WARN_CAP_CEILING` times the cap; False means raise as usual (``on_cap=error``, the default)."""
        if OmegaConf.select(self.config, "trainer.v1.on_gen_batch_cap", default="error") != "warn":
            return False
        ceiling = WARN_CAP_CEILING * groups.max_num_gen_batches * self.config.data.train_batch_size
        if self._step_prompts + num_prompts > ceiling:
            return False
        if self._warned_step != self.global_steps:
            self._warned_step = self.global_steps
            message = f"longrlvr: warning (trainer.v1.on_gen_batch_cap=warn): {error}; continuing"
            logger.warning(message)
            print(message, flush=True)
        return True

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

    def _val_metrics_update(self, data_sources, sample_uids, reward_extra_infos_dict, sample_turns, *args, **kwargs):
        """verl's validation metrics without the per-sample depth columns, + ``val-aux/longrlvr/recall_depth_<b>``."""
        rest, depth = split_depth_columns(reward_extra_infos_dict)
        metrics = super()._val_metrics_update(data_sources, sample_uids, rest, sample_turns, *args, **kwargs)
        return metrics | depth_column_metrics(depth, prefix="val-aux/longrlvr/")

    def _compute_metrics(self, batch: KVBatchMeta, metrics, timing_raw, global_steps, epoch):
        super()._compute_metrics(batch, metrics, timing_raw, global_steps, epoch)
        real = [not tag.get("is_padding", False) for tag in batch.tags]
        infos = [info for info, keep in zip(self._fetch_reward_infos(batch), real, strict=True) if keep]
        metrics.update(reward_component_metrics(infos))
        if self._step_prompts:  # set by prepare_step in a real run
            metrics["longrlvr/gen_batches"] = self._step_prompts / self.config.data.train_batch_size
