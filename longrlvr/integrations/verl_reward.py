"""The LongRLVR reward manager for verl 0.9.1's reward loop (async ``run_single``).

Select it with::

    reward.reward_manager.source=importlib
    reward.reward_manager.name=LongRLVRRewardManager
    reward.reward_manager.module.path=pkg://longrlvr.integrations.verl_reward

Settings come from ``reward.reward_kwargs``: the :class:`~longrlvr.rewards.RewardConfig` keys
(``mode``, ``beta``, weights, ``overlong_buffer_cfg``, ``max_resp_len`` ...) and a ``judge`` mapping
(:class:`~longrlvr.integrations.judge_settings.JudgeSettings`).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from omegaconf import DictConfig, OmegaConf
from verl import DataProto
from verl.experimental.reward_loop.reward_manager.base import RewardManagerBase

from longrlvr.grammar import parse_response
from longrlvr.integrations.judge_settings import JudgeSettings
from longrlvr.rewards import Reference, RewardConfig, score_parsed, source_spec
from longrlvr.rewards.answer import golds

# Numeric per-sample keys present on every sample (verl stacks them into arrays and the trainer averages them).
EXTRA_INFO_KEYS = ("answer_acc", "precision", "recall", "fbeta", "format_ok", "judge_asked", "judge_failed", "exclude")


def reward_kwargs(config: DictConfig | Mapping[str, Any]) -> dict[str, Any]:
    """``reward.reward_kwargs`` of a verl config as a plain dict (empty when absent)."""
    reward = config.get("reward") or {}
    values = reward.get("reward_kwargs") or {}
    return OmegaConf.to_container(values, resolve=True) if isinstance(values, DictConfig) else dict(values)


def build_answer_judge(client: Mapping[str, Any]) -> Any:
    """The async answer judge (``longrlvr.judge``) for the given client settings."""
    from longrlvr.judge import AnswerJudge, JudgeConfig

    return AnswerJudge(JudgeConfig.from_mapping(client))


@dataclass(frozen=True)
class SampleReward:
    """One scored response: the scalar reward and the numeric extra info verl logs and filters on."""

    score: float
    extra: dict[str, float]


class LongRLVRRewardManager(RewardManagerBase):
    """Scores a response with the pure LongRLVR reward core, asking the async judge for answer correctness."""

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
        self.reward_config = RewardConfig.from_kwargs(kwargs)
        self.judge_settings = JudgeSettings.from_mapping(kwargs.get("judge"))
        self.reward_router_address = reward_router_address
        self.reward_model_tokenizer = reward_model_tokenizer
        self.judge = None
        if self.judge_settings.enable:
            model_path = config.reward.reward_model.get("model_path") if "reward" in config else None
            self.judge = build_answer_judge(self.judge_settings.client_mapping(reward_router_address, model_path))

    async def run_single(self, data: DataProto) -> dict:
        """Score the last sequence of ``data``; verl's reward loop calls this once per sample."""
        item = data[-1]
        response_ids = item.batch["responses"]
        valid_length = int(item.batch["attention_mask"][-response_ids.shape[-1] :].sum())
        valid_ids = response_ids[:valid_length]
        text = await self.loop.run_in_executor(
            None, lambda: self.tokenizer.decode(valid_ids, skip_special_tokens=True)
        )
        row = item.non_tensor_batch
        reward = await self.score(
            data_source=str(row["data_source"]),
            response=text,
            ground_truth=row["reward_model"]["ground_truth"],
            extra_info=row.get("extra_info") or {},
            response_length=valid_length,
        )
        return {"reward_score": reward.score, "reward_extra_info": reward.extra}

    async def score(
        self,
        *,
        data_source: str,
        response: str,
        ground_truth: Any,
        extra_info: Mapping[str, Any],
        response_length: int | None = None,
    ) -> SampleReward:
        """Parse, judge (when configured and useful) and combine into the LongRLVR reward."""
        reference = Reference.from_row(ground_truth, extra_info)
        parsed = parse_response(response, reference.num_chunks)
        spec = source_spec(data_source)
        judged_acc, asked, failed = None, False, False
        if self.judge is not None and parsed.format_ok and spec.answer_scorer not in self.judge_settings.skip_scorers:
            # the judge itself may answer from its rule check, cache or hacking guard without an LLM call
            asked = True
            verdict = await self.judge.judge(
                str(extra_info.get("question") or ""),
                golds(ground_truth),
                parsed.answer or "",
                ref_chunks_text=extra_info.get("ref_chunks_text"),
            )
            failed = bool(verdict.failed)
            if not failed:
                judged_acc = float(bool(verdict.correct))
        parts = score_parsed(
            parsed, reference, spec, self.reward_config, answer_acc=judged_acc, response_length=response_length
        )
        exclude = failed and self.judge_settings.failure_policy == "exclude"
        extra = {key: float(parts[key]) for key in ("answer_acc", "precision", "recall", "fbeta", "format_ok")}
        extra.update(judge_asked=float(asked), judge_failed=float(failed), exclude=float(exclude))
        return SampleReward(score=float(parts["score"]), extra=extra)
