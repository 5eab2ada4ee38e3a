"""Combination of answer correctness and context F-beta into one scalar reward."""

from __future__ import annotations

from dataclasses import dataclass, fields
from typing import Any, Mapping

MODES = ("longrlvr", "outcome_only", "context_only")


@dataclass(frozen=True)
class OverlongConfig:
    """DAPO soft overlong penalty: linear from 0 to -penalty_factor over the last ``buffer_len`` tokens."""

    enable: bool = False
    buffer_len: int = 0
    penalty_factor: float = 1.0
    max_resp_len: int = 0


@dataclass(frozen=True)
class RewardConfig:
    """How a response is scored. Defaults are the paper's: a + 0.1·F + 0.9·a·F with β = 2."""

    mode: str = "longrlvr"
    answer_weight: float = 1.0
    context_weight: float = 0.1
    joint_weight: float = 0.9
    beta: float = 2.0
    dedup: bool = False
    format_score: float = 0.0
    answer_scorer: str | None = None
    f1_threshold: float = 0.5
    overlong: OverlongConfig = OverlongConfig()

    def __post_init__(self) -> None:
        if self.mode not in MODES:
            raise ValueError(f"reward mode {self.mode!r} is not one of {MODES}")
        if self.beta <= 0:
            raise ValueError(f"beta must be > 0, got {self.beta}")

    @classmethod
    def from_kwargs(cls, kwargs: Mapping[str, Any]) -> "RewardConfig":
        """Build from flat keyword arguments (e.g. verl's ``reward_kwargs``); unknown keys are ignored.

        ``overlong_buffer_cfg`` ({enable, len, penalty_factor}) and ``max_resp_len`` follow
        verl's DAPO names.
        """
        names = {f.name for f in fields(cls)} - {"overlong"}
        values = {k: v for k, v in kwargs.items() if k in names}
        buf = kwargs.get("overlong_buffer_cfg") or {}
        if buf:
            values["overlong"] = OverlongConfig(
                enable=bool(buf.get("enable", False)),
                buffer_len=int(buf.get("len", 0)),
                penalty_factor=float(buf.get("penalty_factor", 1.0)),
                max_resp_len=int(kwargs.get("max_resp_len", 0)),
            )
        return cls(**values)


def combine(answer_acc: float, fbeta: float, config: RewardConfig) -> float:
    """Combine answer correctness ``a`` and context F-beta ``F`` according to ``config.mode``."""
    if config.mode == "outcome_only":
        return answer_acc
    if config.mode == "context_only":
        return fbeta
    return (
        config.answer_weight * answer_acc
        + config.context_weight * fbeta
        + config.joint_weight * answer_acc * fbeta
    )


def overlong_penalty(response_length: int | None, config: OverlongConfig) -> float:
    """DAPO overlong penalty (<= 0) for a response of ``response_length`` tokens."""
    if not config.enable or response_length is None or config.buffer_len <= 0:
        return 0.0
    expected = config.max_resp_len - config.buffer_len
    exceed = response_length - expected
    return min(-exceed / config.buffer_len * config.penalty_factor, 0.0)
