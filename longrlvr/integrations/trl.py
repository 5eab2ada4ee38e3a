"""LongRLVR rewards as ``reward_funcs`` for TRL's ``GRPOTrainer``, computed by the one scorer.

    from trl import GRPOTrainer
    from longrlvr.integrations.trl import longrlvr_reward, answer_reward, context_reward

    trainer = GRPOTrainer(model=..., train_dataset=ds, reward_funcs=[longrlvr_reward, answer_reward, context_reward],
                          args=GRPOConfig(..., reward_weights=[1.0, 0.0, 0.0]))

``longrlvr_reward`` is the paper's reward ``a + 0.1·F + 0.9·a·F`` (``compute_score``'s ``score``);
``answer_reward`` is ``a`` and ``context_reward`` the F-β of the named chunk ids. The combined reward is not the
sum of the other two (it has the joint term), so train on it alone and pass the others with weight 0 to have
TRL log them (``rewards/answer_reward/mean``, ...). :func:`make_reward` builds one with other scorer settings
(``mode``, ``beta``, ``dedup``, ...).

The dataset columns are those of a LongRLVR parquet file (``longrlvr.data``): ``data_source``, ``extra_info``
(``ref_chunks``, ``num_chunks``) and ``reward_model`` (``ground_truth``); a flat ``ground_truth`` column works
too. TRL hands every column but ``prompt`` to the reward functions as lists.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any

from longrlvr.rewards import compute_score

RewardFunc = Callable[..., list[float]]


def completion_text(completion: Any) -> str:
    """The text of a TRL completion: a string, or (conversational) a list of messages — the last one's content."""
    if isinstance(completion, str):
        return completion
    if isinstance(completion, Sequence) and completion and isinstance(completion[-1], dict):
        return str(completion[-1].get("content") or "")
    return ""


def _ground_truths(n: int, ground_truth: Sequence[Any] | None, reward_model: Sequence[Any] | None) -> list[Any]:
    if ground_truth is not None:
        return list(ground_truth)
    if reward_model is not None:
        return [(rm or {}).get("ground_truth") for rm in reward_model]
    raise ValueError("the dataset needs a 'reward_model' (with ground_truth) or a 'ground_truth' column")


def make_reward(component: str = "score", name: str | None = None, **score_kwargs: Any) -> RewardFunc:
    """A TRL reward function returning ``compute_score(...)[component]`` for each completion."""

    def reward(
        completions: Sequence[Any],
        data_source: Sequence[str] | None = None,
        extra_info: Sequence[dict[str, Any] | None] | None = None,
        reward_model: Sequence[dict[str, Any]] | None = None,
        ground_truth: Sequence[Any] | None = None,
        **_: Any,
    ) -> list[float]:
        n = len(completions)
        truths = _ground_truths(n, ground_truth, reward_model)
        sources = list(data_source) if data_source is not None else ["longrlvr"] * n
        infos = list(extra_info) if extra_info is not None else [None] * n
        return [
            float(compute_score(src, completion_text(c), gt, info, **score_kwargs)[component])
            for c, src, gt, info in zip(completions, sources, truths, infos, strict=True)
        ]

    reward.__name__ = name or f"{component}_reward"  # TRL names the logged metric after the function
    return reward


longrlvr_reward = make_reward("score", "longrlvr_reward")
answer_reward = make_reward("answer_acc", "answer_reward")
context_reward = make_reward("fbeta", "context_reward")
REWARD_FUNCS = (longrlvr_reward, answer_reward, context_reward)
