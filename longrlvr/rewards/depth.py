"""Recall by where the evidence sits: the relative depth of each reference chunk in its document.

Pure and standard-library only (it lives in ``rewards/``), so the verl reward manager, the local engine's metrics
and ``eval`` compute one and the same number. The depth of chunk ``i`` in a document of ``n`` chunks is
``(i + 0.5) / n``; bin ``b`` of ``bins`` holds depths in ``[b / bins, (b + 1) / bins)``. Recall in a bin is
micro-averaged over reference chunks: (reference chunks in the bin that the response named) / (reference chunks
in the bin). A row without a usable ``num_chunks`` or with ids outside ``[0, n)`` contributes nothing for
those ids. Every function runs in time linear in its inputs and never raises on odd values.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from typing import Any

DEPTH_BINS = 10
HIT_KEY = "depth_hit_{}"  # per-sample reward_extra_info keys (floats: verl keeps only numbers there)
REF_KEY = "depth_ref_{}"
DEPTH_KEYS = tuple(key.format(b) for key in (HIT_KEY, REF_KEY) for b in range(DEPTH_BINS))  # depth_fields' keys


def depth_bin(chunk_id: int, num_chunks: int, bins: int = DEPTH_BINS) -> int:
    """The bin of chunk ``chunk_id`` in a document of ``num_chunks`` chunks (``0 <= chunk_id < num_chunks``)."""
    return min(bins - 1, (2 * chunk_id + 1) * bins // (2 * num_chunks))


def _ids(values: Any) -> list[int]:
    """Integer ids of a sequence (bools and non-integers dropped); a non-sequence gives none."""
    if not isinstance(values, (list, tuple)):
        return []
    return [int(v) for v in values if isinstance(v, int) and not isinstance(v, bool)]


def depth_counts(
    named: Iterable[int], refs: Iterable[int], num_chunks: Any, bins: int = DEPTH_BINS
) -> tuple[list[int], list[int]]:
    """``(hits, totals)`` per bin for one response: reference chunks named / reference chunks, by depth."""
    hits, totals = [0] * bins, [0] * bins
    if not isinstance(num_chunks, int) or isinstance(num_chunks, bool) or num_chunks < 1:
        return hits, totals
    named_set = set(_ids(list(named)))
    for ref in dict.fromkeys(_ids(list(refs))):  # a duplicated reference id counts once
        if 0 <= ref < num_chunks:
            b = depth_bin(ref, num_chunks, bins)
            totals[b] += 1
            hits[b] += ref in named_set
    return hits, totals


def depth_fields(
    named: Iterable[int], refs: Iterable[int], num_chunks: Any, bins: int = DEPTH_BINS
) -> dict[str, float]:
    """Per-sample fields the verl reward manager adds to ``reward_extra_info``: ``depth_hit_b``, ``depth_ref_b``."""
    hits, totals = depth_counts(named, refs, num_chunks, bins)
    return {
        **{HIT_KEY.format(b): float(h) for b, h in enumerate(hits)},
        **{REF_KEY.format(b): float(t) for b, t in enumerate(totals)},
    }


def recall_by_depth(
    counts: Iterable[tuple[Sequence[int], Sequence[int]]], bins: int = DEPTH_BINS
) -> list[float | None]:
    """Recall per bin summed over responses' ``(hits, totals)``; None for a bin with no reference chunk."""
    hits, totals = [0] * bins, [0] * bins
    for h, t in counts:
        for b in range(bins):
            hits[b] += h[b]
            totals[b] += t[b]
    return [hits[b] / totals[b] if totals[b] else None for b in range(bins)]


def recall_depth_metrics(
    infos: Sequence[Mapping[str, Any]], prefix: str = "longrlvr/", bins: int = DEPTH_BINS
) -> dict[str, float]:
    """``{prefix}recall_depth_<b>`` from per-sample :func:`depth_fields` (verl) — bins without references omitted."""
    pairs = []
    for info in infos:
        try:
            pairs.append(
                (
                    [float(info.get(HIT_KEY.format(b), 0.0)) for b in range(bins)],
                    [float(info.get(REF_KEY.format(b), 0.0)) for b in range(bins)],
                )
            )
        except (TypeError, ValueError):
            continue
    recall = recall_by_depth(pairs, bins)  # type: ignore[arg-type]
    return {f"{prefix}recall_depth_{b}": r for b, r in enumerate(recall) if r is not None}


def bin_label(b: int, bins: int = DEPTH_BINS) -> str:
    """``0-10%`` style label of bin ``b``."""
    return f"{100 * b // bins}-{100 * (b + 1) // bins}%"
