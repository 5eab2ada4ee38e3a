"""The async answer judge: hacking guard, rule first, cache, then a strict binary LLM verdict.

    judge = AnswerJudge(JudgeConfig.from_mapping(cfg))
    verdict = await judge.judge(question, reference, candidate, ref_chunks_text=chunks)
    answer_acc, exclude = failure_policy_outcome(verdict, rule_acc, "rule")

Failure is a state: after the client's retries the verdict is ``Verdict(None, "failed", True)``; the caller
applies the policy (:func:`failure_policy_outcome`).
"""

from __future__ import annotations

import asyncio
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from functools import partial
from typing import Any

from longrlvr.errors import check_names
from longrlvr.judge.cache import VerdictCache, verdict_key
from longrlvr.judge.guard import REASONING_OPENERS, HackingGuard
from longrlvr.judge.prompt import build_messages, load_template, parse_verdict, reference_text
from longrlvr.llm import AsyncLLMClient, LLMConfig, LLMError
from longrlvr.rewards.answer import QUESTION_AWARE, exact_match, sub_em

RULES = {"exact_match": exact_match, "sub_em": sub_em}
FAILURE_POLICIES = ("rule", "exclude")
JUDGE_KEYS = frozenset({"rule", "rule_first", "cache_size", "cache_path", "max_ref_chars", "guard", "prompt_path"})


@dataclass(frozen=True)
class Verdict:
    """``correct`` is None exactly when ``failed``; ``source`` is guard|rule|cache|llm|failed."""

    correct: bool | None
    source: str
    failed: bool = False


@dataclass(frozen=True)
class JudgeConfig:
    """The LLM client settings plus the judge's own: ``rule`` (exact_match|sub_em) answers first when it
    says correct (``rule_first``); ``guard`` scores master keys 0; reference chunks are capped at
    ``max_ref_chars`` characters (the authors' 12,000); ``prompt_path`` replaces the packaged prompt."""

    llm: LLMConfig
    rule: str = "exact_match"
    rule_first: bool = True
    guard: bool = True
    cache_size: int = 100_000
    cache_path: str | None = None
    max_ref_chars: int = 12_000
    prompt_path: str | None = None

    def __post_init__(self) -> None:
        if self.rule not in RULES:
            raise ValueError(f"judge rule={self.rule!r} is not one of {sorted(RULES)}")

    @classmethod
    def from_mapping(cls, values: Mapping[str, Any]) -> JudgeConfig:
        """One flat mapping (a plain dict on Ray workers too): the judge keys above and the client's
        (:meth:`LLMConfig.from_mapping`); an unknown key is an :class:`~longrlvr.errors.UnknownKeyError` (a
        ValueError) naming the closest of both. Temperature defaults to 0 (a deterministic verdict)."""
        values = dict(values)
        check_names(values, sorted(JUDGE_KEYS | LLMConfig.field_names()), "judge")
        judge = {k: values.pop(k) for k in JUDGE_KEYS & set(values)}
        values["params"] = {"temperature": 0.0, **dict(values.get("params") or {})}
        return cls(llm=LLMConfig.from_mapping(values), **judge)


@dataclass
class JudgeStats:
    """How each verdict was reached; ``failure_rate`` is failed / verdicts that needed the LLM."""

    judged: int = 0
    guarded: int = 0
    rule: int = 0
    cache_hits: int = 0
    llm: int = 0
    failed: int = 0
    reasons: dict[str, int] = field(default_factory=dict)

    @property
    def failure_rate(self) -> float:
        asked = self.llm + self.failed
        return self.failed / asked if asked else 0.0

    def as_dict(self) -> dict[str, Any]:
        return {**vars(self), "reasons": dict(self.reasons), "failure_rate": self.failure_rate}


class AnswerJudge:
    """Semantic-equivalence verdicts for (question, reference, candidate); safe to call concurrently."""

    def __init__(self, config: JudgeConfig, client: AsyncLLMClient | None = None) -> None:
        self.config = config
        self.client = client or AsyncLLMClient(config.llm)
        self.cache = VerdictCache(config.cache_size, config.cache_path)
        self.guard = HackingGuard(REASONING_OPENERS) if config.guard else None
        self.rule = RULES[config.rule]
        self.template = load_template(config.prompt_path)
        self.stats = JudgeStats()
        self._pending: dict[str, asyncio.Future[Verdict]] = {}

    async def judge(
        self,
        question: str,
        reference: str | Sequence[str],
        candidate: str,
        ref_chunks_text: str | Sequence[str] | None = None,
    ) -> Verdict:
        """The verdict on ``candidate``; never raises for endpoint trouble (see :class:`Verdict`)."""
        self.stats.judged += 1
        golds = [reference] if isinstance(reference, str) else [str(g) for g in reference]
        if self.guard is not None and (reason := self.guard.reason(candidate, golds)):
            self.stats.guarded += 1
            self.stats.reasons[reason] = self.stats.reasons.get(reason, 0) + 1
            return Verdict(False, "guard")
        if self.config.rule_first and self._rule_says_correct(question, golds, candidate):
            self.stats.rule += 1
            return Verdict(True, "rule")
        key = verdict_key(question, reference_text(golds), candidate)
        cached = self.cache.get(key)
        if cached is not None:
            self.stats.cache_hits += 1
            return Verdict(cached, "cache")
        pending = self._pending.get(key)
        if pending is not None:  # an identical sample is being judged right now: share its verdict
            self.stats.cache_hits += 1
            verdict = await asyncio.shield(pending)
            return verdict if verdict.failed else Verdict(verdict.correct, "cache")
        task = asyncio.ensure_future(self._ask(key, question, golds, candidate, ref_chunks_text))
        self._pending[key] = task
        task.add_done_callback(lambda _: self._pending.pop(key, None))
        return await asyncio.shield(task)

    def _rule_says_correct(self, question: str, golds: list[str], candidate: str) -> bool:
        """The rule-first shortcut; ``sub_em`` is guarded (negation, hedges and lists never pass)."""
        rule = partial(self.rule, question=question or None) if self.config.rule in QUESTION_AWARE else self.rule
        return rule(candidate, golds) >= 1.0

    async def _ask(
        self, key: str, question: str, golds: list[str], candidate: str, chunks: str | Sequence[str] | None
    ) -> Verdict:
        messages = build_messages(
            question, golds, candidate, chunks, max_ref_chars=self.config.max_ref_chars, template=self.template
        )
        try:
            correct = await self.client.chat(messages, validate=parse_verdict)
        except LLMError:
            self.stats.failed += 1
            return Verdict(None, "failed", True)
        self.stats.llm += 1
        self.cache.put(key, correct)
        return Verdict(correct, "llm")

    async def aclose(self) -> None:
        await self.client.aclose()


def failure_policy_outcome(verdict: Verdict, rule_acc: float, policy: str = "rule") -> tuple[float, bool]:
    """``(answer_acc, exclude)`` for a verdict: a failed one falls back to the rule score, and under
    ``policy='exclude'`` is also flagged for removal from its group's advantage."""
    if policy not in FAILURE_POLICIES:
        raise ValueError(f"judge failure policy {policy!r} is not one of {FAILURE_POLICIES}")
    if not verdict.failed:
        return float(bool(verdict.correct)), False
    return float(rule_acc), policy == "exclude"
