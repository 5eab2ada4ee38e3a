"""Shared pieces of the answer-guard tests (tests/unit/rewards/test_hybrid_guard*.py)."""

from __future__ import annotations

from longrlvr.rewards import HybridRule, exact_match, f1_match, sub_em

Q_PARIS = "Which city hosted the 1900 Summer Olympics?"
ALL_SCORERS = {"em": exact_match, "sub_em": sub_em, "f1": f1_match, "hybrid": HybridRule()}
# every way a policy can join candidates: spaces, words, punctuation, line breaks, bullets
SEPARATORS = [
    " ",
    ", ",
    ",",
    "; ",
    "/",
    " / ",
    "|",
    "\\",
    "\n",
    "\r\n",
    "\t",
    " and ",
    " & ",
    " + ",
    " or ",
    " vs ",
    " vs. ",
    " versus ",
    " v ",
    " nor ",
    " plus ",
    " also ",
    " then ",
    " with ",
    " - ",
    " – ",
    " — ",
    "\n- ",
    "\n* ",
    " • ",
    " · ",
    "\n1. ",
    " (",
    ") (",
    " [",
    ": ",
    " :: ",
    ". ",
    "! ",
    "  ",
    " between ",
    " as well as ",
    " to ",
    " in ",
    " is ",
    " at ",
]


def hybrid_score(pred, golds, question=None):
    return HybridRule()(pred, golds, question=question)
