"""Context reward: precision, recall and F-beta of the named chunk ids against the reference."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass


@dataclass(frozen=True)
class ContextScore:
    precision: float
    recall: float
    fbeta: float


ZERO = ContextScore(0.0, 0.0, 0.0)


def fbeta_score(precision: float, recall: float, beta: float = 2.0) -> float:
    """F-beta = (1 + b^2) P R / (b^2 P + R); 0 when P = R = 0."""
    b2 = beta * beta
    denom = b2 * precision + recall
    return (1.0 + b2) * precision * recall / denom if denom > 0 else 0.0


def context_score(
    used: Sequence[int], reference: Iterable[int], *, beta: float = 2.0, dedup: bool = False
) -> ContextScore:
    """Score the chunk ids a response named against the reference ids.

    P = |set(used) ∩ ref| / len(used): duplicates count in the denominator, as in the paper's
    code, unless ``dedup``. R = |set(used) ∩ ref| / |set(ref)|. An empty selection or an empty
    reference scores 0.
    """
    ref = set(reference)
    if not used or not ref:
        return ZERO
    hits = len(set(used) & ref)
    precision = hits / (len(set(used)) if dedup else len(used))
    recall = hits / len(ref)
    return ContextScore(precision, recall, fbeta_score(precision, recall, beta))
