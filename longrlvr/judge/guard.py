"""Judge-hacking guard ("One Token to Fool LLM-as-a-Judge", Zhao et al. 2025).

Generative judges say "correct" to answers that are empty, only punctuation, or a bare reasoning opener.
Such "master key" candidates, and candidates that carry a verdict token themselves, score 0 without a call.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterable

# Bare openers from the paper's master keys and close variants (matched case-, space- and punctuation-free).
REASONING_OPENERS = (
    "Thought process:",
    "Let's solve this problem step by step.",
    "Let's think step by step.",
    "Let me think step by step.",
    "Let's analyze this step by step.",
    "Solution",
    "Answer",
    "The answer is",
    "Final answer",
    "Step 1",
    "Reasoning",
    "Explanation",
    "解",
    "答",
    "解答",
    "思考过程",
    "让我们一步一步地解决这个问题",
)
_VERDICT_TOKEN_RE = re.compile(r"\[\[\s*(yes|no)\s*\]\]", re.IGNORECASE)


def squash(text: str) -> str:
    """Casefolded text without whitespace, punctuation or symbols (Unicode categories P*, S*, Z*, C*)."""
    return "".join(ch for ch in text.casefold() if unicodedata.category(ch)[0] not in "PSZC")


class HackingGuard:
    """Flags candidates that must score 0 without asking the judge."""

    def __init__(self, openers: Iterable[str] = REASONING_OPENERS) -> None:
        self.openers = frozenset(squash(o) for o in openers)

    def reason(self, candidate: str) -> str | None:
        """Why ``candidate`` is a hacking attempt, or None when the judge may see it."""
        core = squash(candidate)
        if not core:
            return "empty or only punctuation"
        if core in self.openers:
            return "a bare reasoning opener"
        if _VERDICT_TOKEN_RE.search(candidate):
            return "contains a verdict token"
        return None
