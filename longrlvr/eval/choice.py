"""LongBench v2 and LongReason (multiple choice): letter extraction and every scoring variant.

``official``: LongBench v2 ``extract_answer`` (``The correct answer is (X)`` after dropping ``*``);
LongReason the same strict form widened to A-E. ``answer``: the letter named inside ``<answer>`` as the
grammar parser reads it (``D``, ``(D)``, ``D. text``, ``Option D``, ``**D**``, ``Answer: D``).
``release``: LongReason's rule in the authors' files (gold letter anywhere in ``pred``, the text after
``</think>``). ``release_field``: the authors' stored ``judge`` field. Breakdowns by gold letter (a letter
bias shows there), difficulty/length (LongBench v2) and split (LongReason).
"""

from __future__ import annotations

import re
from collections.abc import Callable, Sequence
from typing import Any

from longrlvr.eval.variants import ordered, summarize
from longrlvr.grammar import parse_response
from longrlvr.rewards import extract_choice

_PAREN_RE = re.compile(r"The correct answer is \(([A-D])\)")
_PLAIN_RE = re.compile(r"The correct answer is ([A-D])")
_LR_RE = re.compile(r"The correct answer is \(?([A-E])\)?")
_LETTER_PREFIX_RE = re.compile(
    r"^\s*(?:the\s+)?(?:correct\s+)?(?:final\s+)?(?:answer|option|choice)\s*(?:is\b)?\s*[:\-]?\s*", re.I
)
# An option marker inside a sentence: "(C)", "C." / "C)" followed by a space or the end, "option C".
_MARKER_RE = re.compile(r"(?<![A-Za-z0-9])(?:\(([A-Z])\)|([A-Z])[.)](?=\s|$)|(?i:option|choice)\s+([A-Z])\b)")
_THINK_CLOSE = "</think>"


def extract_answer_official(response: str) -> str | None:
    """LongBench v2 ``extract_answer``: drop ``*``, then ``The correct answer is (X)``, else ``... is X``."""
    response = response.replace("*", "")
    match = _PAREN_RE.search(response) or _PLAIN_RE.search(response)
    return match.group(1) if match else None


def extract_answer_longreason(response: str) -> str | None:
    """LongBench-v2-style strict extraction widened to A-E: ``The correct answer is (X)`` or ``... is X``."""
    match = _LR_RE.search(response.replace("*", ""))
    return match.group(1) if match else None


def answer_letter(answer: str | None, letters: str = "ABCD") -> str | None:
    """The option letter an ``<answer>`` text names, or None.

    First the text itself: ``D``, ``(D)``, ``D. text``, ``Option D``, ``**D**``, ``Answer: D``, ``The correct
    answer is (D)``; else the one option marker in a sentence (``... is C. Cutting off toes``, ``... (A).``,
    ``... by option A: "..."``).
    Two different markers are ambiguous: None.
    """
    if answer is None:
        return None
    text = _LETTER_PREFIX_RE.sub("", answer.replace("*", "").strip(), count=1)
    letter = extract_choice(text, letters)
    if letter is not None:
        return letter
    marked = {m.group(1) or m.group(2) or m.group(3) for m in _MARKER_RE.finditer(text)} & set(letters)
    return marked.pop() if len(marked) == 1 else None


def answer_text(response: str) -> str | None:
    """The ``<answer>`` text, read by the grammar parser the reward path uses."""
    return parse_response(response).answer


def release_prediction(record: dict[str, Any]) -> str:
    """The authors' ``pred``: kept from their file when present, else the text after the last ``</think>``."""
    pred = record.get("pred")
    if isinstance(pred, str):
        return pred
    response = str(record.get("response") or "")
    return (
        response[response.rfind(_THINK_CLOSE) + len(_THINK_CLOSE) :].strip()
        if _THINK_CLOSE in response
        else response.strip()
    )


def score_choice(
    records: list[dict[str, Any]],
    *,
    letters: str,
    official: Callable[[str], str | None],
    group_fields: Sequence[str],
    release_rule: bool = False,
    judged: Sequence[bool | None] | None = None,
) -> dict[str, Any]:
    """Every variant of a multiple-choice prediction file; writes per-item fields into ``records``.

    The benchmark object supplies its ``letters``, ``official`` extraction, breakdown ``group_fields`` and
    whether the authors' ``release`` rule (gold letter anywhere in ``pred``) applies. Per item:
    ``pred_official``, ``answer_text``, ``pred_answer`` (letter), ``correct_<variant>``.
    """
    gold = [str(r["answer"]).strip() for r in records]
    responses = [str(r.get("response") or "") for r in records]
    groups: dict[str, list[Any]] = {f: [r.get(f) for r in records] for f in group_fields}
    groups["gold"] = gold
    official_preds = [official(t) for t in responses]
    answers = [answer_text(t) for t in responses]
    letters_answer = [answer_letter(a, letters) for a in answers]
    correct = {
        "official": [p == g for p, g in zip(official_preds, gold, strict=True)],
        "answer": [p == g for p, g in zip(letters_answer, gold, strict=True)],
    }
    variants: dict[str, Any] = {
        "official": summarize(correct["official"], groups, official_preds),
        "answer": summarize(correct["answer"], groups, letters_answer),
    }
    if judged is not None:
        correct["judged"] = [bool(j) for j in judged]
        variants["judged"] = summarize(correct["judged"], groups)
        variants["judged"]["failed"] = sum(1 for j in judged if j is None)
    if release_rule:
        correct["release"] = [g in release_prediction(r) for g, r in zip(gold, records, strict=True)]
        variants["release"] = summarize(correct["release"], groups)
    if records and all(isinstance(r.get("judge"), bool) for r in records):
        correct["release_field"] = [r["judge"] for r in records]
        variants["release_field"] = summarize(correct["release_field"], groups)
        variants["release_field"]["accepted_wrong_letters"] = sum(
            1 for r, p, g in zip(records, official_preds, gold, strict=True) if r["judge"] and p is not None and p != g
        )
    for i, r in enumerate(records):
        r["pred_official"], r["answer_text"], r["pred_answer"] = official_preds[i], answers[i], letters_answer[i]
        for name, hits in correct.items():
            r[f"correct_{name}"] = hits[i]
    return {"n": len(records), "variants": ordered(variants)}
