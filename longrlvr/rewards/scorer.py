"""The one scorer: parse -> rule answer check -> judge (when configured) -> failure policy -> combination.

    scorer = Scorer.from_config(reward_kwargs, judge=None)
    results = await scorer.score_batch([ScoreRequest(data_source, response, ground_truth, extra_info)])
    result = scorer.score(request)  # sync convenience

Never raises on what a model wrote or on bad row data (scored as malformed, ``data_error`` set); raises
:class:`~longrlvr.rewards.registry.UnknownSourceError` for a data source with no rule (a wiring error).
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from functools import partial
from typing import Any, Protocol

from longrlvr.grammar import ParsedResponse, parse_response
from longrlvr.rewards.answer import QUESTION_AWARE, SCORERS, AnswerScorer, choice_match, f1_match, golds
from longrlvr.rewards.combine import RewardConfig, combine, overlong_penalty
from longrlvr.rewards.context import ZERO, context_score
from longrlvr.rewards.reference import Reference
from longrlvr.rewards.registry import SourceSpec, lookup
from longrlvr.rewards.result import ScoreRequest, ScoreResult


class Verdict(Protocol):
    """A judge verdict: ``correct`` is None exactly when ``failed``; ``source`` says how it was reached."""

    correct: bool | None
    failed: bool
    source: str


class Judge(Protocol):
    """An answer judge (``longrlvr.judge.AnswerJudge`` satisfies it)."""

    async def judge(
        self,
        question: str,
        reference: str | Sequence[str],
        candidate: str,
        ref_chunks_text: str | Sequence[str] | None = None,
    ) -> Verdict: ...


@dataclass(frozen=True)
class _Prepared:
    request: ScoreRequest
    parsed: ParsedResponse
    reference: Reference
    spec: SourceSpec
    scorer_name: str
    rule_acc: float

    @property
    def scorable(self) -> bool:
        return self.parsed.format_ok and self.reference.data_error is None


class Scorer:
    """Scores responses with one :class:`RewardConfig` and an optional injected :class:`Judge`."""

    def __init__(self, config: RewardConfig | None = None, judge: Judge | None = None) -> None:
        self.config = config or RewardConfig()
        self.judge = judge

    @classmethod
    def from_config(cls, config: RewardConfig | Mapping[str, Any] | None = None, judge: Judge | None = None) -> Scorer:
        """From a :class:`RewardConfig` or its flat mapping (verl's ``reward_kwargs``; strict keys)."""
        if not isinstance(config, RewardConfig):
            config = RewardConfig.from_kwargs(config or {})
        return cls(config, judge)

    def rule(self, scorer_name: str, spec: SourceSpec) -> AnswerScorer:
        scorer = SCORERS[scorer_name]
        if scorer_name == "hybrid":
            return self.config.hybrid
        if scorer is f1_match:
            return partial(f1_match, threshold=self.config.f1_threshold)
        if scorer is choice_match:
            return partial(choice_match, letters=spec.choice_letters)
        return scorer

    def _prepare(self, request: ScoreRequest) -> _Prepared:
        spec = lookup(self.config.sources, str(request.data_source))
        reference = Reference.from_row(request.ground_truth, request.extra_info, spec.uses_context)
        parsed = parse_response(request.response, reference.num_chunks)
        name = self.config.answer_scorer or spec.answer_scorer
        acc = 0.0
        if parsed.format_ok and reference.data_error is None:
            rule: Callable[..., float] = self.rule(name, spec)
            if name in QUESTION_AWARE:  # the question's words may frame the gold ("Curie was born in Warsaw")
                rule = partial(rule, question=_question(request.extra_info))
            acc = float(rule(parsed.answer or "", reference.ground_truth))
        return _Prepared(request, parsed, reference, spec, name, acc)

    def _wants_judge(self, item: _Prepared) -> bool:
        return self.judge is not None and item.scorable and item.scorer_name not in self.config.judge.skip_scorers

    async def _ask(self, item: _Prepared) -> tuple[float | None, str]:
        """``(answer_acc or None when failed, verdict source)``; a judge that raises counts as failed."""
        info = item.request.extra_info if isinstance(item.request.extra_info, Mapping) else {}
        try:
            verdict = await self.judge.judge(  # type: ignore[union-attr]
                str(info.get("question") or ""),
                golds(item.reference.ground_truth),
                item.parsed.answer or "",
                ref_chunks_text=info.get("ref_chunks_text"),
            )
        except Exception:  # noqa: BLE001 - an endpoint or judge bug must not lose the other samples' rewards
            return None, "failed"
        if verdict.failed or verdict.correct is None:
            return None, "failed"
        return float(bool(verdict.correct)), f"judge:{verdict.source}"

    def _finish(self, item: _Prepared, judged: tuple[float | None, str] | None) -> ScoreResult:
        cfg, parsed, ref = self.config, item.parsed, item.reference
        verdict = judged[0] if judged is not None else None
        asked, failed = judged is not None, judged is not None and verdict is None
        acc, source = item.rule_acc, "rule"
        if judged is not None and verdict is not None:
            acc, source = verdict, judged[1]
        ctx = ZERO
        if not item.scorable:
            score, acc, source = cfg.format_score, 0.0, ""
        elif item.spec.uses_context:
            ctx = context_score(parsed.chunk_ids, ref.ref_chunks, beta=cfg.beta, dedup=cfg.dedup)
            score = combine(acc, ctx.fbeta, cfg)
        else:
            score = acc if cfg.mode != "context_only" else 0.0
        score += overlong_penalty(item.request.response_length, cfg.overlong)
        return ScoreResult(
            score=float(score),
            answer_acc=float(acc),
            precision=ctx.precision,
            recall=ctx.recall,
            fbeta=ctx.fbeta,
            format_ok=float(parsed.format_ok),
            chunks_ok=float(parsed.chunks_ok),
            data_ok=float(ref.data_error is None),
            num_chunks_named=float(len(parsed.chunk_ids)),
            judge_asked=float(asked),
            judge_failed=float(failed),
            exclude=float(failed and cfg.judge.failure_policy == "exclude"),
            format_error=parsed.format_error or "",
            data_error=ref.data_error or "",
            answer=parsed.answer or "",
            answer_source=source,
            chunk_ids=tuple(parsed.chunk_ids),
        )

    async def score_batch(self, requests: Sequence[ScoreRequest]) -> list[ScoreResult]:
        """Score many responses; the judge calls of the batch run concurrently."""
        items = [self._prepare(r) for r in requests]
        asked = [i for i, item in enumerate(items) if self._wants_judge(item)]
        verdicts = await asyncio.gather(*(self._ask(items[i]) for i in asked))
        judged: dict[int, tuple[float | None, str]] = dict(zip(asked, verdicts, strict=True))
        return [self._finish(item, judged.get(i)) for i, item in enumerate(items)]

    def score(self, request: ScoreRequest) -> ScoreResult:
        """Score one response synchronously (runs the async path when a judge is set; not inside a running loop)."""
        if self.judge is None:
            return self._finish(self._prepare(request), None)
        try:
            asyncio.get_running_loop()
        except RuntimeError:
            return asyncio.run(self.score_batch([request]))[0]
        raise RuntimeError("Scorer.score with a judge cannot run inside an event loop: await score_batch instead")


def _question(extra_info: Any) -> str | None:
    """The row's question (``extra_info.question``), None when absent or not a string."""
    question = extra_info.get("question") if isinstance(extra_info, Mapping) else None
    return question if isinstance(question, str) else None
