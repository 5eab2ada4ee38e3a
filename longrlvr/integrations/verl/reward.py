"""The LongRLVR reward manager for verl 0.9.1's reward loop (async ``run_single``): decode, then the one scorer.

Select it with::

    reward.reward_manager.source=importlib
    reward.reward_manager.name=LongRLVRRewardManager
    reward.reward_manager.module.path=pkg://longrlvr.integrations.verl.reward

Settings come from ``reward.reward_kwargs``: the :class:`~longrlvr.rewards.RewardConfig` keys (strict) and a
``judge`` mapping (:class:`~longrlvr.integrations.verl.judge_settings.JudgeSettings`). The per-sample
``reward_extra_info`` is :meth:`ScoreResult.metrics` (keys :data:`~longrlvr.rewards.METRIC_KEYS`) plus the depth
counts the trainer logs as ``longrlvr/recall_depth_<b>`` (keys :data:`~longrlvr.rewards.depth.DEPTH_KEYS`).
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from omegaconf import DictConfig, OmegaConf
from verl import DataProto
from verl.experimental.reward_loop.reward_manager.base import RewardManagerBase

from longrlvr.integrations.verl.judge_settings import JudgeSettings
from longrlvr.integrations.verl.reward_metrics import reward_extra_info
from longrlvr.rewards import METRIC_KEYS, Scorer, ScoreRequest, ScoreResult

EXTRA_INFO_KEYS = METRIC_KEYS  # numeric per-sample keys on every sample (verl stacks them; DAPO can filter on them)


def reward_kwargs(config: DictConfig | Mapping[str, Any]) -> dict[str, Any]:
    """``reward.reward_kwargs`` of a verl config as a plain dict (empty when absent)."""
    reward = config.get("reward") or {}
    values = reward.get("reward_kwargs") or {}
    return OmegaConf.to_container(values, resolve=True) if isinstance(values, DictConfig) else dict(values)


def build_answer_judge(client: Mapping[str, Any]) -> Any:
    """The async answer judge (``longrlvr.judge``) for the given client settings."""
    from longrlvr.judge import AnswerJudge, JudgeConfig

    return AnswerJudge(JudgeConfig.from_mapping(client))


class LongRLVRRewardManager(RewardManagerBase):
    """Decodes each response and scores it with :class:`~longrlvr.rewards.Scorer` (judge injected when enabled)."""

    def __init__(
        self,
        config: DictConfig,
        tokenizer: Any,
        compute_score: Any = None,
        reward_router_address: str | None = None,
        reward_model_tokenizer: Any = None,
    ) -> None:
        super().__init__(config, tokenizer, compute_score)
        kwargs = reward_kwargs(config)
        self.judge_settings = JudgeSettings.from_mapping(kwargs.get("judge"))
        judge = None
        if self.judge_settings.enable:
            reward = config.get("reward") or {}
            model_path = (reward.get("reward_model") or {}).get("model_path")
            client = self.judge_settings.client_mapping(reward_router_address, model_path)
            client = self.judge_settings.per_worker_client(client, reward.get("num_workers") or 1)
            judge = build_answer_judge(client)
        self.scorer = Scorer.from_config(kwargs, judge=judge)

    async def run_single(self, data: DataProto) -> dict:
        """Score the last sequence of ``data``; verl's reward loop calls this once per sample."""
        item = data[-1]
        response_ids = item.batch["responses"]
        valid_length = int(item.batch["attention_mask"][-response_ids.shape[-1] :].sum())
        valid_ids = response_ids[:valid_length]
        text = await self.loop.run_in_executor(None, lambda: self.tokenizer.decode(valid_ids, skip_special_tokens=True))
        row = item.non_tensor_batch
        reward_model = row.get("reward_model")
        request = ScoreRequest(
            data_source=str(row["data_source"]),
            response=text,
            ground_truth=reward_model.get("ground_truth") if isinstance(reward_model, Mapping) else None,
            extra_info=row.get("extra_info") or {},
            response_length=valid_length,
        )
        result: ScoreResult = (await self.scorer.score_batch([request]))[0]
        return {"reward_score": result.score, "reward_extra_info": reward_extra_info(result, request.extra_info)}
