"""Grounding metrics: how well the named chunks match the known reference chunks."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from longrlvr.grammar import parse_response
from longrlvr.rewards import context_score


def grounding_metrics(records: Sequence[dict[str, Any]], beta: float = 2.0) -> dict[str, float] | None:
    """Mean precision / recall / F-beta over records that carry ``ref_chunks``; None when none do."""
    scored = [
        context_score(
            parse_response(str(r.get("response") or r.get("pred") or "")).chunk_ids, r["ref_chunks"], beta=beta
        )
        for r in records
        if r.get("ref_chunks")
    ]
    if not scored:
        return None
    n = len(scored)
    return {
        "n": n,
        "precision": round(100 * sum(s.precision for s in scored) / n, 2),
        "recall": round(100 * sum(s.recall for s in scored) / n, 2),
        "fbeta": round(100 * sum(s.fbeta for s in scored) / n, 2),
        "beta": beta,
    }
