"""Async LLM answer judge (semantic equivalence), shared by the verl reward manager, data_gen and eval."""

from longrlvr.judge.cache import VerdictCache, verdict_key
from longrlvr.judge.guard import REASONING_OPENERS, HackingGuard
from longrlvr.judge.judge import AnswerJudge, JudgeConfig, JudgeStats, Verdict, failure_policy_outcome
from longrlvr.judge.prompt import build_messages, parse_verdict

__all__ = [
    "REASONING_OPENERS",
    "AnswerJudge",
    "HackingGuard",
    "JudgeConfig",
    "JudgeStats",
    "Verdict",
    "VerdictCache",
    "build_messages",
    "failure_policy_outcome",
    "parse_verdict",
    "verdict_key",
]
