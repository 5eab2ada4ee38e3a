"""Score one response: parse, answer correctness, context F-beta, combination. verl's signature."""

from __future__ import annotations

from dataclasses import dataclass
from functools import partial
from typing import Any, Mapping

from longrlvr.grammar import ParsedResponse, parse_response
from longrlvr.rewards.answer import SCORERS, choice_match, f1_match
from longrlvr.rewards.combine import RewardConfig, combine, overlong_penalty
from longrlvr.rewards.context import ZERO, context_score
from longrlvr.rewards.registry import SourceSpec, source_spec

REWARD_KEYS = ("score", "answer_acc", "precision", "recall", "fbeta", "format_ok", "num_chunks_named")


@dataclass(frozen=True)
class Reference:
    """What a response is checked against, read from a dataset row's ground truth and extra_info."""

    ground_truth: Any
    ref_chunks: tuple[int, ...] = ()
    num_chunks: int | None = None

    @classmethod
    def from_row(cls, ground_truth: Any, extra_info: Mapping[str, Any] | None) -> "Reference":
        info = extra_info or {}
        refs = info.get("ref_chunks")
        num = info.get("num_chunks")
        return cls(
            ground_truth=ground_truth,
            ref_chunks=tuple(int(r) for r in refs) if refs is not None else (),
            num_chunks=int(num) if num is not None else None,
        )


def rule_answer_score(answer: str, ground_truth: Any, spec: SourceSpec, config: RewardConfig) -> float:
    """Answer correctness in {0, 1} by the rule scorer of the data source (or the config's override)."""
    name = config.answer_scorer or spec.answer_scorer
    if name not in SCORERS:
        raise ValueError(f"unknown answer scorer {name!r}; known: {sorted(SCORERS)}")
    scorer = SCORERS[name]
    if scorer is f1_match:
        scorer = partial(f1_match, threshold=config.f1_threshold)
    elif scorer is choice_match:
        scorer = partial(choice_match, letters=spec.choice_letters)
    return float(scorer(answer, ground_truth))


def score_parsed(
    parsed: ParsedResponse,
    reference: Reference,
    spec: SourceSpec,
    config: RewardConfig,
    *,
    answer_acc: float | None = None,
    response_length: int | None = None,
) -> dict[str, Any]:
    """Reward components of a parsed response. ``answer_acc`` overrides the rule scorer (e.g. a judge verdict)."""
    if not parsed.format_ok:
        acc, ctx = 0.0, ZERO
        score = config.format_score
    else:
        acc = answer_acc if answer_acc is not None else rule_answer_score(
            parsed.answer or "", reference.ground_truth, spec, config
        )
        ctx = ZERO
        if spec.uses_context and reference.ref_chunks:
            ctx = context_score(parsed.chunk_ids, reference.ref_chunks, beta=config.beta, dedup=config.dedup)
            score = combine(acc, ctx.fbeta, config)
        else:
            score = acc if config.mode != "context_only" else 0.0
    score += overlong_penalty(response_length, config.overlong)
    return {
        "score": float(score),
        "answer_acc": float(acc),
        "precision": ctx.precision,
        "recall": ctx.recall,
        "fbeta": ctx.fbeta,
        "format_ok": float(parsed.format_ok),
        "format_error": parsed.format_error or "",
        "num_chunks_named": float(len(parsed.chunk_ids)),
        "answer": parsed.answer or "",
    }


def compute_score(
    data_source: str,
    solution_str: str,
    ground_truth: Any,
    extra_info: Mapping[str, Any] | None = None,
    **kwargs: Any,
) -> dict[str, Any]:
    """verl-signature reward: a dict with ``score`` and its components.

    Keyword arguments configure :class:`RewardConfig` (``mode``, ``beta``, ``dedup``, weights,
    ``format_score``, ``answer_scorer``, ``overlong_buffer_cfg``, ``max_resp_len``); ``answer_acc``
    overrides the rule answer score and ``response_length`` feeds the overlong penalty.
    """
    config = kwargs.pop("reward_config", None) or RewardConfig.from_kwargs(kwargs)
    reference = Reference.from_row(ground_truth, extra_info)
    parsed = parse_response(solution_str, reference.num_chunks)
    return score_parsed(
        parsed,
        reference,
        source_spec(data_source),
        config,
        answer_acc=kwargs.get("answer_acc"),
        response_length=kwargs.get("response_length"),
    )
