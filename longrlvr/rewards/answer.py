"""Rule-based answer scorers: SQuAD-style normalization, EM, substring, token F1, the guarded hybrid, choices.

Every scorer runs in linear time in the length of the prediction (the policy writes whatever it likes) and never
raises on it.

``hybrid`` is the default for free-form answers (see docs/judge.md): normalized exact match, or the gold
contained in the answer, or token F1 >= a threshold, as QwenLong-L1 checks before it calls its judge.
The lenient rules (containment, F1; also ``sub_em`` and ``f1``) credit only *the gold in a neutral frame*
(:mod:`longrlvr.rewards.guard`): no negation, hedge, self-correction or candidate list under any separator,
every other word a frame word or a word of the question. An answer far longer than the gold (more than
``max_length_ratio`` x gold tokens + ``max_extra_tokens``) gets no lenient credit; one of more than 40
characters per allowed token gets no credit at all. A hedge mark (``Paris?``) gets none even from ``em``, and a
degenerate gold (``The``, ``.``: nothing left after normalization or only function words) never matches.
"""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Callable, Sequence
from dataclasses import dataclass

from longrlvr.rewards.guard import DESIGNATORS, FRAME, hedge_marked, lenient_refusal, usable_golds

# normalize_answer lives in text.py (guard.py needs it too) and is re-exported from here and longrlvr.rewards
from longrlvr.rewards.text import answer_key, normalize_answer

CHARS_PER_TOKEN = 40  # an answer longer than 40 characters per allowed token is not read at all
QUESTION_AWARE = frozenset({"hybrid", "sub_em", "f1"})  # scorers whose frame may include the question's words

GroundTruth = str | Sequence[str]
AnswerScorer = Callable[[str, GroundTruth], float]


def golds(ground_truth: object) -> list[str]:
    """Ground truth as a list of gold strings (a string, or any iterable of strings)."""
    if isinstance(ground_truth, str):
        return [ground_truth]
    if isinstance(ground_truth, Sequence) or hasattr(ground_truth, "__iter__"):
        return [str(g) for g in ground_truth]  # type: ignore[union-attr]
    return [str(ground_truth)]


def exact_match(pred: str, ground_truth: GroundTruth) -> float:
    """1.0 if the normalized prediction equals a normalized usable gold and carries no hedge mark the golds lack."""
    usable = usable_golds(golds(ground_truth))
    if hedge_marked(pred, usable):
        return 0.0
    p = answer_key(pred)
    return float(bool(p) and any(p == answer_key(g) for g in usable))


def sub_em(pred: str, ground_truth: GroundTruth, question: str | None = None) -> float:
    """Two-way substring match on normalized text (either contains the other; empty never matches), guarded:
    beyond exact match only the gold in a neutral frame counts (:func:`~longrlvr.rewards.guard.lenient_refusal`)."""
    usable = usable_golds(golds(ground_truth))
    if exact_match(pred, usable):
        return 1.0
    p = normalize_answer(pred)
    if not p or not usable or lenient_refusal(pred, usable, question) is not None:
        return 0.0
    normalized = [answer_key(g) for g in usable]
    if any(g in p for g in normalized):
        return 1.0
    return float(not _weak_overlap(p.split(), normalized) and any(p in g for g in normalized))


def _f1_tokens(p: list[str], g: list[str]) -> float:
    common = sum((Counter(p) & Counter(g)).values())
    if common == 0:
        return 0.0
    precision, recall = common / len(p), common / len(g)
    return 2 * precision * recall / (precision + recall)


def token_f1(pred: str, ground_truth: GroundTruth) -> float:
    """SQuAD token F1, best over the usable golds (a metric: unguarded)."""
    p = normalize_answer(pred).split()
    return max((_f1_tokens(p, normalize_answer(g).split()) for g in usable_golds(golds(ground_truth))), default=0.0)


def f1_match(pred: str, ground_truth: GroundTruth, threshold: float = 0.5, question: str | None = None) -> float:
    """1.0 if token F1 >= threshold and the answer is the gold in a neutral frame (exact match always counts)."""
    usable = usable_golds(golds(ground_truth))
    if exact_match(pred, usable):
        return 1.0
    if not usable or lenient_refusal(pred, usable, question) is not None:
        return 0.0
    p, normalized = normalize_answer(pred), [answer_key(g) for g in usable]
    if not _contains_gold(p, normalized) and _weak_overlap(p.split(), normalized):
        return 0.0
    return float(token_f1(pred, usable) >= threshold)


def _contains_gold(p: str, normalized_golds: Sequence[str]) -> bool:
    """A normalized gold occurs in the normalized answer as whole tokens."""
    padded = f" {p} "
    return any(f" {g} " in padded for g in normalized_golds)


def _weak_overlap(p_tokens: Sequence[str], normalized_golds: Sequence[str]) -> bool:
    """True when a partial match rests on nothing: a designator that stands in for a gold word ("Boston College"
    for "Boston University", "New York State" for "New York City") or an overlap of designators and frame words
    only ("University" for "Boston University")."""
    vocab = {t for g in normalized_golds for t in g.split()}
    return any(t in DESIGNATORS and t not in vocab for t in p_tokens) or not any(
        t in vocab and t not in FRAME for t in p_tokens
    )


@dataclass(frozen=True)
class HybridRule:
    """The guarded hybrid rule; reward keys ``f1_threshold``, ``max_length_ratio``, ``max_extra_tokens``."""

    f1_threshold: float = 0.5
    max_length_ratio: float = 3.0
    max_extra_tokens: int = 30

    def allowed_tokens(self, longest_gold_tokens: int) -> float:
        return longest_gold_tokens * self.max_length_ratio + self.max_extra_tokens

    def __call__(self, pred: str, ground_truth: GroundTruth, question: str | None = None) -> float:
        usable = usable_golds(golds(ground_truth))
        normalized = [answer_key(g) for g in usable]
        longest = max((len(g.split()) for g in normalized), default=0)
        if not longest or len(pred) > CHARS_PER_TOKEN * self.allowed_tokens(longest) or hedge_marked(pred, usable):
            return 0.0  # far longer than any answer needs (checked before normalizing: bounds the work)
        if exact_match(pred, usable):
            return 1.0
        p = normalize_answer(pred)
        if not p:
            return 0.0
        p_tokens = p.split()
        if len(p_tokens) > self.allowed_tokens(longest) or lenient_refusal(pred, usable, question) is not None:
            return 0.0
        if _contains_gold(p, normalized):
            return 1.0
        if _weak_overlap(p_tokens, normalized):
            return 0.0
        return float(any(_f1_tokens(p_tokens, g.split()) >= self.f1_threshold for g in normalized))


def extract_choice(text: str, letters: str = "ABCD") -> str | None:
    """The option letter a short answer names (``C``, ``(C)``, ``C. text``, ``answer is C``), or None. Linear time."""
    cleaned = text.replace("*", "").strip()
    head = _LEAD_CHOICE_RE.match(cleaned.upper())
    if head:
        rest = cleaned[head.end() :].lstrip()
        closed = head.group(0).endswith(")")
        if (closed or not rest or rest[0] in ".:)-") and head.group(1) in letters:
            return head.group(1)
    said = _ANSWER_IS_RE.search(cleaned)
    if said and said.group(1).upper() in letters:
        return said.group(1).upper()
    return None


_LEAD_CHOICE_RE = re.compile(r"\(?[ \t]?([A-Z])\)?")
_ANSWER_IS_RE = re.compile(r"answer\s+is[\s:]*\(?([A-Za-z])\b", re.IGNORECASE)


def choice_match(pred: str, ground_truth: GroundTruth, letters: str = "ABCDE") -> float:
    """1.0 if the extracted option letter equals a gold letter."""
    letter = extract_choice(pred, letters)
    return float(letter is not None and letter in {g.strip().upper() for g in golds(ground_truth)})


SCORERS: dict[str, AnswerScorer] = {
    "hybrid": HybridRule(),
    "em": exact_match,
    "sub_em": sub_em,
    "f1": f1_match,
    "choice": choice_match,
}
