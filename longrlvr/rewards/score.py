"""``compute_score``: verl's custom-reward signature, a thin wrapper over :class:`~longrlvr.rewards.Scorer`."""

from __future__ import annotations

import json
from collections.abc import Mapping
from functools import lru_cache
from typing import Any

from longrlvr.rewards.combine import RewardConfig
from longrlvr.rewards.scorer import Scorer
from longrlvr.rewards.result import ScoreRequest

CALL_KEYS = frozenset({"reward_config", "response_length"})


@lru_cache(maxsize=64)
def _cached_config(key: str) -> RewardConfig:
    return RewardConfig.from_kwargs(json.loads(key))


def _config(kwargs: Mapping[str, Any]) -> RewardConfig:
    try:
        key = json.dumps(kwargs, sort_keys=True)
    except TypeError:
        return RewardConfig.from_kwargs(kwargs)
    return _cached_config(key)


def compute_score(
    data_source: str,
    solution_str: str,
    ground_truth: Any,
    extra_info: Mapping[str, Any] | None = None,
    **kwargs: Any,
) -> dict[str, Any]:
    """verl-signature reward: :meth:`ScoreResult.to_dict` (``score`` and every component).

    Keyword arguments are the :class:`RewardConfig` keys (strict: a misspelled key raises, naming the
    closest valid one), or ``reward_config`` (a ready RewardConfig), plus ``response_length`` (feeds the
    overlong penalty). For a judge use :class:`Scorer` directly.
    """
    call = {k: kwargs.pop(k) for k in CALL_KEYS & set(kwargs)}
    config = call.get("reward_config") or _config(kwargs)
    if call.get("reward_config") is not None and kwargs:
        raise ValueError(f"pass either reward_config or reward keys, not both (got {sorted(kwargs)})")
    request = ScoreRequest(data_source, solution_str, ground_truth, extra_info, call.get("response_length"))
    return Scorer(config).score(request).to_dict()
