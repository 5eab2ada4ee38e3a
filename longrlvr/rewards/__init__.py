"""The LongRLVR reward core: pure (no torch/verl/ray/aiohttp import), behind ONE scorer every framework calls.

    from longrlvr.rewards import Scorer, ScoreRequest

    scorer = Scorer.from_config(reward_kwargs, judge=None)   # strict keys; judge: any object with async .judge()
    results = await scorer.score_batch([ScoreRequest(data_source, response, ground_truth, extra_info)])
    result = scorer.score(request)                            # sync convenience
    result.score, result.answer_acc, result.fbeta, result.format_ok, result.answer ...
    result.metrics()                                          # {key: float} for every key in METRIC_KEYS

The pipeline: :func:`longrlvr.grammar.parse_response` (linear time, never raises) -> the source's rule
answer scorer (``hybrid`` for free-form answers, ``choice`` for options) -> the injected judge when set ->
failure policy -> ``a + 0.1·F + 0.9·a·F`` (β = 2) -> DAPO overlong penalty. :func:`compute_score` is
verl's custom-reward signature over the same scorer. Per-source rules live in the config (``sources``);
an unknown ``data_source`` is an error. See docs/judge.md.
"""

from longrlvr.errors import UnknownKeyError
from longrlvr.rewards.answer import (
    SCORERS,
    HybridRule,
    exact_match,
    extract_choice,
    f1_match,
    golds,
    normalize_answer,
    sub_em,
    token_f1,
)
from longrlvr.rewards.combine import MODES, JudgePolicy, OverlongConfig, RewardConfig, combine, overlong_penalty
from longrlvr.rewards.context import ContextScore, context_score, fbeta_score
from longrlvr.rewards.reference import Reference, row_data_errors
from longrlvr.rewards.registry import BUILTIN_SOURCES, SourceSpec, UnknownSourceError, source_spec, source_table
from longrlvr.rewards.result import METRIC_KEYS, ScoreRequest, ScoreResult
from longrlvr.rewards.score import compute_score
from longrlvr.rewards.scorer import Judge, Scorer, Verdict

__all__ = [
    "BUILTIN_SOURCES",
    "METRIC_KEYS",
    "MODES",
    "SCORERS",
    "ContextScore",
    "HybridRule",
    "Judge",
    "JudgePolicy",
    "OverlongConfig",
    "Reference",
    "RewardConfig",
    "ScoreRequest",
    "ScoreResult",
    "Scorer",
    "SourceSpec",
    "UnknownKeyError",
    "UnknownSourceError",
    "Verdict",
    "combine",
    "compute_score",
    "context_score",
    "exact_match",
    "extract_choice",
    "f1_match",
    "fbeta_score",
    "golds",
    "normalize_answer",
    "overlong_penalty",
    "row_data_errors",
    "source_spec",
    "source_table",
    "sub_em",
    "token_f1",
]
