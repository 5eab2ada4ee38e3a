"""The LongRLVR reward core: pure functions, no torch/verl/ray import."""

from longrlvr.rewards.answer import SCORERS, exact_match, extract_choice, f1_match, normalize_answer, sub_em, token_f1
from longrlvr.rewards.combine import MODES, OverlongConfig, RewardConfig, combine, overlong_penalty
from longrlvr.rewards.context import ContextScore, context_score, fbeta_score
from longrlvr.rewards.registry import SourceSpec, register_source, source_spec
from longrlvr.rewards.score import REWARD_KEYS, Reference, compute_score, rule_answer_score, score_parsed

__all__ = [
    "MODES", "REWARD_KEYS", "SCORERS", "ContextScore", "OverlongConfig", "Reference", "RewardConfig",
    "SourceSpec", "combine", "compute_score", "context_score", "exact_match", "extract_choice", "f1_match",
    "fbeta_score", "normalize_answer", "overlong_penalty", "register_source", "rule_answer_score",
    "score_parsed", "source_spec", "sub_em", "token_f1",
]
