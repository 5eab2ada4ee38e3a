"""The reward settings (:class:`RewardConfig`, strict) and the combination of answer correctness and context F-beta."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field, fields
from typing import Any

from longrlvr.errors import check_names, closest
from longrlvr.rewards.answer import SCORERS, HybridRule
from longrlvr.rewards.registry import SourceSpec, source_table
from longrlvr.settings_check import REWARD_RULES, SettingError, check_numbers

FAILURE_POLICIES = ("rule", "exclude")
# keys of the ``judge`` mapping; the core reads failure_policy/skip_scorers, the integration the rest
JUDGE_KEYS = frozenset({"enable", "source", "failure_policy", "skip_scorers", "client"})
SOURCE = "reward settings"  # names the settings in a range error: "reward settings: beta=inf is not finite: ..."


@dataclass(frozen=True)
class OverlongConfig:
    """DAPO soft overlong penalty: linear from 0 to -penalty_factor over the last ``buffer_len`` tokens."""

    enable: bool = False
    buffer_len: int = 0
    penalty_factor: float = 1.0
    max_resp_len: int = 0


@dataclass(frozen=True)
class JudgePolicy:
    """What the scorer does with a judge: which rule scorers skip it, and what a failed verdict means.

    ``failure_policy='rule'``: a failed verdict falls back to the rule score; ``'exclude'`` also flags the
    sample (``exclude=1``) so the trainer removes it from its group's advantage.
    """

    failure_policy: str = "rule"
    skip_scorers: tuple[str, ...] = ("choice",)

    def __post_init__(self) -> None:
        if self.failure_policy not in FAILURE_POLICIES:
            raise ValueError(f"judge.failure_policy={self.failure_policy!r} is not one of {FAILURE_POLICIES}")


@dataclass(frozen=True)
class RewardConfig:
    """How a response is scored. Defaults are the paper's: a + 0.1·F + 0.9·a·F with β = 2.

    ``answer_scorer`` overrides every source's rule scorer; ``sources`` adds or replaces per-source rules
    (see :mod:`longrlvr.rewards.registry`); ``f1_threshold``, ``max_length_ratio`` and ``max_extra_tokens``
    tune the guarded ``hybrid`` rule.
    """

    mode: str = "longrlvr"
    answer_weight: float = 1.0
    context_weight: float = 0.1
    joint_weight: float = 0.9
    beta: float = 2.0
    dedup: bool = False
    format_score: float = 0.0
    answer_scorer: str | None = None
    f1_threshold: float = 0.5
    max_length_ratio: float = 3.0
    max_extra_tokens: int = 30
    overlong: OverlongConfig = OverlongConfig()
    judge: JudgePolicy = JudgePolicy()
    sources: Mapping[str, SourceSpec] = field(default_factory=source_table)

    def __post_init__(self) -> None:
        if self.mode not in MODES:
            hint = closest(self.mode, MODES) or f"; one of {', '.join(MODES)}"
            raise ValueError(f"reward mode {self.mode!r} is not known{hint}")
        check_numbers(self.numbers(), REWARD_RULES, SOURCE)
        for key, value in (("dedup", self.dedup), ("overlong_buffer_cfg.enable", self.overlong.enable)):
            if not isinstance(value, bool):
                raise SettingError(f"{SOURCE}: {key}={value!r:.40} is not a boolean: allowed true or false")
        if self.answer_scorer is not None and self.answer_scorer not in SCORERS:
            raise ValueError(f"unknown answer_scorer {self.answer_scorer!r}; known: {sorted(SCORERS)}")

    def numbers(self) -> dict[str, Any]:
        """The numeric settings under their :meth:`from_kwargs` names (what :data:`REWARD_RULES` checks)."""
        plain = {f.name: getattr(self, f.name) for f in fields(self) if f.name in REWARD_RULES}
        buf = {"len": self.overlong.buffer_len, "penalty_factor": self.overlong.penalty_factor}
        return {**plain, "overlong_buffer_cfg": buf, "max_resp_len": self.overlong.max_resp_len}

    @property
    def hybrid(self) -> HybridRule:
        return HybridRule(self.f1_threshold, self.max_length_ratio, self.max_extra_tokens)

    @classmethod
    def keys(cls) -> frozenset[str]:
        """The flat keys :meth:`from_kwargs` accepts (verl's ``reward.reward_kwargs``)."""
        plain = {f.name for f in fields(cls)} - {"overlong", "judge"}
        return frozenset(plain | {"overlong_buffer_cfg", "max_resp_len", "judge"})

    @classmethod
    def from_kwargs(cls, kwargs: Mapping[str, Any]) -> RewardConfig:
        """Build from flat keyword arguments; an unknown key raises, naming the closest valid key.

        ``overlong_buffer_cfg`` ({enable, len, penalty_factor}) and ``max_resp_len`` follow verl's DAPO
        names; ``judge`` is the judge mapping (``failure_policy``/``skip_scorers`` are read here, the
        client settings by the integration that builds the judge); ``sources`` maps a data source name or
        pattern to ``{answer_scorer, uses_context, choice_letters}``.
        """
        check_names(kwargs, cls.keys(), "the reward settings")
        check_numbers(kwargs, REWARD_RULES, SOURCE)  # the raw values, before int()/float() could hide them
        values = {k: v for k, v in kwargs.items() if k not in ("overlong_buffer_cfg", "max_resp_len", "judge")}
        buf = dict(kwargs.get("overlong_buffer_cfg") or {})
        check_names(buf, {"enable", "len", "penalty_factor"}, "overlong_buffer_cfg")
        if buf:
            values["overlong"] = OverlongConfig(
                enable=buf.get("enable", False),
                buffer_len=int(buf.get("len", 0)),
                penalty_factor=float(buf.get("penalty_factor", 1.0)),
                max_resp_len=int(kwargs.get("max_resp_len") or 0),
            )
        judge = dict(kwargs.get("judge") or {})
        check_names(judge, JUDGE_KEYS, "judge")
        values["judge"] = JudgePolicy(
            failure_policy=judge.get("failure_policy", "rule"),
            skip_scorers=tuple(judge.get("skip_scorers", ("choice",)) or ()),
        )
        values["sources"] = source_table(kwargs.get("sources"))
        return cls(**values)


def longrlvr_mode(answer_acc: float, fbeta: float, config: RewardConfig) -> float:
    """The paper's reward: ``a + 0.1·F + 0.9·a·F`` with the configured weights."""
    return config.answer_weight * answer_acc + config.context_weight * fbeta + config.joint_weight * answer_acc * fbeta


# reward mode -> how answer correctness ``a`` and context F-beta ``F`` combine (docs/extending.md: a new mode is
# one entry here); ``outcome_only`` is the paper's ablation baseline
MODES: dict[str, Callable[[float, float, RewardConfig], float]] = {
    "longrlvr": longrlvr_mode,
    "outcome_only": lambda answer_acc, fbeta, config: answer_acc,
    "context_only": lambda answer_acc, fbeta, config: fbeta,
}


def combine(answer_acc: float, fbeta: float, config: RewardConfig) -> float:
    """Combine answer correctness ``a`` and context F-beta ``F`` according to ``config.mode``."""
    return MODES[config.mode](answer_acc, fbeta, config)


def overlong_penalty(response_length: int | None, config: OverlongConfig) -> float:
    """DAPO overlong penalty (<= 0) for a response of ``response_length`` tokens."""
    if not config.enable or response_length is None or config.buffer_len <= 0:
        return 0.0
    expected = config.max_resp_len - config.buffer_len
    exceed = response_length - expected
    return min(-exceed / config.buffer_len * config.penalty_factor, 0.0)
