"""Rule-based answer scorers: SQuAD-style normalization, EM, substring, token F1, the guarded hybrid, choices.

Every scorer runs in linear time in the length of the prediction (the policy writes whatever it likes).

``hybrid`` is the default for free-form answers (see docs/judge.md): normalized exact match, or the gold
contained in the answer, or token F1 >= a threshold, as QwenLong-L1 checks before it calls its judge.
The two lenient rules are guarded against reward hacking: an answer far longer than the gold (more than
``max_length_ratio`` x gold tokens + ``max_extra_tokens``) or one that lists alternatives (``or``/``either``,
more list separators than the golds need, numbers that no gold contains) gets no lenient credit; an answer of
more than 40 characters per allowed token gets no credit at all.
"""

from __future__ import annotations

import re
import string
from collections import Counter
from collections.abc import Callable, Sequence
from dataclasses import dataclass

_ARTICLES_RE = re.compile(r"\b(a|an|the)\b")
_PUNCT_TABLE = str.maketrans("", "", string.punctuation)
_NUMBER_RE = re.compile(r"\d+")
_SEPARATOR_RE = re.compile(r"[,;|/\n]")
_ALTERNATIVE_RE = re.compile(r"\b(or|either)\b", re.IGNORECASE)
CHARS_PER_TOKEN = 40  # an answer longer than 40 characters per allowed token is not read at all

GroundTruth = str | Sequence[str]
AnswerScorer = Callable[[str, GroundTruth], float]


def normalize_answer(text: str) -> str:
    """Lowercase, drop punctuation and articles, collapse whitespace (SQuAD evaluation)."""
    return " ".join(_ARTICLES_RE.sub(" ", text.lower().translate(_PUNCT_TABLE)).split())


def golds(ground_truth: object) -> list[str]:
    """Ground truth as a list of gold strings (a string, or any iterable of strings)."""
    if isinstance(ground_truth, str):
        return [ground_truth]
    if isinstance(ground_truth, Sequence) or hasattr(ground_truth, "__iter__"):
        return [str(g) for g in ground_truth]  # type: ignore[union-attr]
    return [str(ground_truth)]


def _best(pred: str, ground_truth: GroundTruth, one: Callable[[str, str], float]) -> float:
    return max((one(pred, g) for g in golds(ground_truth)), default=0.0)


def exact_match(pred: str, ground_truth: GroundTruth) -> float:
    """1.0 if the normalized prediction equals a normalized gold."""
    p = normalize_answer(pred)
    return float(any(p == normalize_answer(g) for g in golds(ground_truth)))


def _sub_em_one(pred: str, gold: str) -> float:
    p, g = normalize_answer(pred), normalize_answer(gold)
    return float(bool(p) and bool(g) and (p in g or g in p))


def sub_em(pred: str, ground_truth: GroundTruth) -> float:
    """Two-way substring match on normalized text (either contains the other; empty never matches). Unguarded."""
    return _best(pred, ground_truth, _sub_em_one)


def _f1_tokens(p: list[str], g: list[str]) -> float:
    common = sum((Counter(p) & Counter(g)).values())
    if common == 0:
        return 0.0
    precision, recall = common / len(p), common / len(g)
    return 2 * precision * recall / (precision + recall)


def token_f1(pred: str, ground_truth: GroundTruth) -> float:
    """SQuAD token F1, best over golds."""
    p = normalize_answer(pred).split()
    return max((_f1_tokens(p, normalize_answer(g).split()) for g in golds(ground_truth)), default=0.0)


def f1_match(pred: str, ground_truth: GroundTruth, threshold: float = 0.5) -> float:
    """1.0 if token F1 >= threshold."""
    return float(token_f1(pred, ground_truth) >= threshold)


@dataclass(frozen=True)
class HybridRule:
    """Settings of the guarded hybrid rule (reward keys ``f1_threshold``, ``max_length_ratio``, ``max_extra_tokens``)."""

    f1_threshold: float = 0.5
    max_length_ratio: float = 3.0
    max_extra_tokens: int = 30

    def lists_alternatives(self, pred: str, gold_texts: Sequence[str]) -> bool:
        """True when ``pred`` offers several candidates: "or"/"either", more separators than the golds need,
        or a number that no gold contains."""
        joined = " ".join(gold_texts)
        if _ALTERNATIVE_RE.search(pred) and not _ALTERNATIVE_RE.search(joined):
            return True
        allowed = max((len(_SEPARATOR_RE.findall(g)) for g in gold_texts), default=0) + len(gold_texts)
        if len(_SEPARATOR_RE.findall(pred.strip())) > allowed:
            return True
        gold_numbers = set(_NUMBER_RE.findall(joined))
        return bool(gold_numbers) and any(n not in gold_numbers for n in _NUMBER_RE.findall(pred))

    def allowed_tokens(self, longest_gold_tokens: int) -> float:
        return longest_gold_tokens * self.max_length_ratio + self.max_extra_tokens

    def __call__(self, pred: str, ground_truth: GroundTruth) -> float:
        gold_texts = golds(ground_truth)
        normalized = [normalize_answer(g) for g in gold_texts]
        longest = max((len(g.split()) for g in normalized), default=0)
        if not longest or len(pred) > CHARS_PER_TOKEN * self.allowed_tokens(longest):
            return 0.0  # far longer than any answer needs (checked before normalizing: bounds the work)
        p = normalize_answer(pred)
        if not p:
            return 0.0
        if p in normalized:
            return 1.0
        p_tokens = p.split()
        if len(p_tokens) > self.allowed_tokens(longest):
            return 0.0  # far longer than needed: no lenient credit
        if self.lists_alternatives(pred, gold_texts):
            return 0.0
        padded = f" {p} "
        for g in normalized:
            if g and (f" {g} " in padded or _f1_tokens(p_tokens, g.split()) >= self.f1_threshold):
                return 1.0
        return 0.0


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
