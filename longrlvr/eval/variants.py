"""Scoring variants and their summaries: one accuracy per variant, never mixed, with breakdowns.

``official``  exactly the benchmark's own scoring code.
``answer``    the text inside ``<answer>`` read by the grammar parser the reward path uses (multiple choice:
              the letter it names).
``judged``    the LLM judge's verdict on that answer, through the one scorer (only with ``--judge``).
``release``   the rule behind the numbers in the authors' released files, recomputed from the files
              (LongReason: gold letter anywhere in ``pred``; RULER: the authors' ``submission.csv``).
``release_field``  the authors' own per-item verdict stored in the file (LongBench v2 ``judge``), averaged.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

VARIANT_ORDER = ("official", "answer", "judged", "release", "release_field")


def percent(hits: Sequence[bool | float]) -> float:
    """Mean x100, 2 decimals (0.0 for no items)."""
    return round(100 * sum(float(h) for h in hits) / len(hits), 2) if hits else 0.0


def summarize(
    correct: Sequence[bool | float],
    groups: Mapping[str, Sequence[Any]],
    preds: Sequence[Any] | None = None,
) -> dict[str, Any]:
    """``score``, ``n``, ``nulls`` (empty/None predictions) and ``by.<field>.<key>`` accuracies."""
    out: dict[str, Any] = {"score": percent(correct), "n": len(correct)}
    if preds is not None:
        out["nulls"] = sum(1 for p in preds if p is None or p == "")
    by: dict[str, dict[str, float]] = {}
    for field, keys in groups.items():
        buckets: dict[str, list[float]] = {}
        for key, c in zip(keys, correct, strict=True):
            buckets.setdefault(str(key), []).append(float(c))
        by[field] = {k: percent(v) for k, v in sorted(buckets.items(), key=lambda kv: _bucket_key(kv[0]))}
    if by:
        out["by"] = by
    return out


def _bucket_key(key: str) -> tuple[int, float, str]:
    order = {"short": 0, "medium": 1, "long": 2, "easy": 0, "hard": 1}
    if key in order:
        return (0, order[key], key)
    digits = key.rstrip("kK")
    return (1, float(digits) if digits.isdigit() else 0.0, key)


def ordered(variants: Mapping[str, Any]) -> dict[str, Any]:
    """Variants in the documented order."""
    return {k: variants[k] for k in VARIANT_ORDER if k in variants}
