"""Rule-based answer scorers: SQuAD-style normalization, EM, two-way substring, token F1, choices."""

from __future__ import annotations

import re
import string
from collections import Counter
from typing import Callable, Iterable, Sequence

_ARTICLES_RE = re.compile(r"\b(a|an|the)\b")
_PUNCT = set(string.punctuation)

GroundTruth = str | Sequence[str]
AnswerScorer = Callable[[str, GroundTruth], float]


def normalize_answer(text: str) -> str:
    """Lowercase, drop punctuation and articles, collapse whitespace (SQuAD evaluation)."""
    text = "".join(ch for ch in text.lower() if ch not in _PUNCT)
    return " ".join(_ARTICLES_RE.sub(" ", text).split())


def golds(ground_truth: object) -> list[str]:
    """Ground truth as a list of gold strings (a string, or any iterable of strings)."""
    if isinstance(ground_truth, str):
        return [ground_truth]
    if isinstance(ground_truth, Iterable):
        return [str(g) for g in ground_truth]
    return [str(ground_truth)]


def _best(pred: str, ground_truth: GroundTruth, one: Callable[[str, str], float]) -> float:
    return max((one(pred, g) for g in golds(ground_truth)), default=0.0)


def exact_match(pred: str, ground_truth: GroundTruth) -> float:
    """1.0 if the normalized prediction equals a normalized gold."""
    return _best(pred, ground_truth, lambda p, g: float(normalize_answer(p) == normalize_answer(g)))


def _sub_em_one(pred: str, gold: str) -> float:
    p, g = normalize_answer(pred), normalize_answer(gold)
    return float(bool(p) and bool(g) and (p in g or g in p))


def sub_em(pred: str, ground_truth: GroundTruth) -> float:
    """Two-way substring match on normalized text (either contains the other; empty never matches)."""
    return _best(pred, ground_truth, _sub_em_one)


def _f1_one(pred: str, gold: str) -> float:
    p, g = normalize_answer(pred).split(), normalize_answer(gold).split()
    common = sum((Counter(p) & Counter(g)).values())
    if common == 0:
        return 0.0
    precision, recall = common / len(p), common / len(g)
    return 2 * precision * recall / (precision + recall)


def token_f1(pred: str, ground_truth: GroundTruth) -> float:
    """SQuAD token F1, best over golds."""
    return _best(pred, ground_truth, _f1_one)


def f1_match(pred: str, ground_truth: GroundTruth, threshold: float = 0.5) -> float:
    """1.0 if token F1 >= threshold."""
    return float(token_f1(pred, ground_truth) >= threshold)


_CHOICE_RES = (
    re.compile(r"^\s*\(?\s*([A-Z])\s*\)?\s*(?:[.:)\-]|$)"),  # "C", "(C)", "C. text", "C) text"
    re.compile(r"answer\s+is\s*:?\s*\(?([A-Z])\)?\b", re.IGNORECASE),  # "The answer is (C)"
)


def extract_choice(text: str, letters: str = "ABCD") -> str | None:
    """The option letter a short answer names (``C``, ``(C)``, ``C. text``, ``answer is C``), or None."""
    cleaned = text.replace("*", "").strip()
    for pattern in _CHOICE_RES:
        m = pattern.search(cleaned.upper() if pattern is _CHOICE_RES[0] else cleaned)
        if m and m.group(1).upper() in letters:
            return m.group(1).upper()
    return None


def choice_match(pred: str, ground_truth: GroundTruth, letters: str = "ABCDE") -> float:
    """1.0 if the extracted option letter equals a gold letter."""
    letter = extract_choice(pred, letters)
    return float(letter is not None and letter in {g.strip().upper() for g in golds(ground_truth)})


SCORERS: dict[str, AnswerScorer] = {
    "em": exact_match,
    "sub_em": sub_em,
    "f1": f1_match,
    "choice": choice_match,
}
