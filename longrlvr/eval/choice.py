"""LongBench v2 and LongReason scoring: the official answer extraction plus our grammar-aware variant."""

from __future__ import annotations

import re
from collections.abc import Callable, Sequence
from typing import Any

from longrlvr.grammar import parse_response
from longrlvr.rewards import extract_choice

_PAREN_RE = re.compile(r"The correct answer is \(([A-D])\)")
_PLAIN_RE = re.compile(r"The correct answer is ([A-D])")


def extract_answer_official(response: str) -> str | None:
    """LongBench v2 ``extract_answer``: drop ``*``, then ``The correct answer is (X)``, else ``... is X``."""
    response = response.replace("*", "")
    match = _PAREN_RE.search(response) or _PLAIN_RE.search(response)
    return match.group(1) if match else None


def extract_answer_grammar(
    response: str, letters: str = "ABCD", fallback: Callable[[str], str | None] = extract_answer_official
) -> str | None:
    """Grammar-aware: the letter inside ``<answer>`` (``C``, ``(C)``, ``C. text``), else ``fallback`` (official)."""
    answer = parse_response(response).answer
    letter = extract_choice(answer, letters) if answer is not None else None
    return letter if letter is not None else fallback(response)


def _percent(hits: Sequence[bool]) -> float:
    return round(100 * sum(hits) / len(hits), 2) if hits else 0.0


def _breakdown(records: Sequence[dict[str, Any]], correct: Sequence[bool], field: str) -> dict[str, float]:
    groups: dict[str, list[bool]] = {}
    for r, c in zip(records, correct, strict=True):
        groups.setdefault(str(r.get(field)), []).append(c)
    return {k: _percent(v) for k, v in sorted(groups.items())}


def _accuracy(
    records: Sequence[dict[str, Any]], extract: Callable[[str], str | None], fields: Sequence[str]
) -> tuple[list[str | None], list[bool], dict[str, Any]]:
    preds = [extract(str(r.get("response") or "")) for r in records]
    correct = [p is not None and p == str(r["answer"]).strip() for p, r in zip(preds, records, strict=True)]
    summary: dict[str, Any] = {"score": _percent(correct), "n": len(records), "nulls": preds.count(None)}
    for field in fields:
        summary[field] = _breakdown(records, correct, field)
    return preds, correct, summary


def score_longbench_v2(records: list[dict[str, Any]], judged: Sequence[bool | None] | None = None) -> dict[str, Any]:
    """Official score, grammar-aware ``score_grammar`` and (given judge verdicts) ``score_judge``.

    Writes ``pred`` and ``judge`` (official: ``pred == answer``) into each record, as the official code
    does, plus ``pred_grammar`` and, with verdicts, ``judge_rescue``. Breakdowns by ``difficulty``
    (easy/hard) and ``length`` (short/medium/long).
    """
    fields = ("difficulty", "length")
    preds, correct, result = _accuracy(records, extract_answer_official, fields)
    g_preds, g_correct, grammar = _accuracy(records, extract_answer_grammar, fields)
    result["score_grammar"] = grammar["score"]
    result["nulls_grammar"] = grammar["nulls"]
    result["grammar"] = {f: grammar[f] for f in fields}
    if judged is not None:
        rescued = [c or bool(j) for c, j in zip(g_correct, judged, strict=True)]
        result["score_judge"] = _percent(rescued)
        result["judge_failed"] = sum(1 for j in judged if j is None)
        for r, j in zip(records, rescued, strict=True):
            r["judge_rescue"] = j
    for r, p, gp, c in zip(records, preds, g_preds, correct, strict=True):
        r["pred"], r["pred_grammar"], r["judge"] = p, gp, c
    return result


_LR_RE = re.compile(r"The correct answer is \(?([A-E])\)?")


def extract_answer_longreason(response: str) -> str | None:
    """LongBench-v2-style strict extraction widened to A-E: ``The correct answer is (X)`` or ``... is X``."""
    match = _LR_RE.search(response.replace("*", ""))
    return match.group(1) if match else None


def score_longreason(records: list[dict[str, Any]]) -> dict[str, Any]:
    """Strict letter accuracy (A-E) per ``split``, official-style and grammar-aware."""
    _, _, result = _accuracy(records, extract_answer_longreason, ("split",))
    _, _, grammar = _accuracy(
        records, lambda t: extract_answer_grammar(t, "ABCDE", extract_answer_longreason), ("split",)
    )
    result["score_grammar"] = grammar["score"]
    result["nulls_grammar"] = grammar["nulls"]
    result["grammar"] = {"split": grammar["split"]}
    return result
