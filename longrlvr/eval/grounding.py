"""Grounding diagnostics: how well the named chunks match the reference chunks, and where they miss.

Per prediction record (``response`` or ``pred``, ``ref_chunks``, ``num_chunks``): precision / recall / F-beta of
the ids in ``<useful_chunks>`` (the reward's :func:`~longrlvr.rewards.context_score`), broken down by

* ``depth``: relative depth of each reference chunk (deciles, :mod:`longrlvr.rewards.depth`, the same numbers the
  trainers log as ``recall_depth_<b>``), recall per decile ("lost in the middle");
* ``doc_chunks``: document length in chunks (``1-16``, ``17-32``, ... powers of two), mean P/R/F per bucket;
* ``num_refs``: number of reference chunks (``1`` ... ``5+``), mean P/R/F per bucket;
* ``confusion``: for each reference chunk (row: its depth decile), where the model's nearest named chunk sits
  (column: its decile, or ``none`` when nothing valid was named); the diagonal is the share named at the right
  depth, mass left of it a pull toward the document's start.

Reading a response is :func:`longrlvr.grammar.parse_response` (linear, never raises); every function here is
linear in the records and their chunk counts and never raises on odd values (a bad field skips the record).
"""

from __future__ import annotations

from bisect import bisect_left
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from longrlvr.grammar import parse_response
from longrlvr.rewards import context_score
from longrlvr.rewards.depth import DEPTH_BINS, bin_label, depth_bin, depth_counts, recall_by_depth

REF_BINS = ("1", "2", "3", "4", "5+")
NONE_COLUMN = "none"


@dataclass(frozen=True)
class GroundingItem:
    """One record's grounding: named ids (in order), reference ids, document chunk count (None: unknown)."""

    named: tuple[int, ...]
    refs: tuple[int, ...]
    num_chunks: int | None


def _int_list(value: Any) -> tuple[int, ...] | None:
    if not isinstance(value, (list, tuple)):
        return None
    ids = tuple(v for v in value if isinstance(v, int) and not isinstance(v, bool) and v >= 0)
    return ids if len(ids) == len(value) else None


def grounding_item(record: Mapping[str, Any]) -> GroundingItem | None:
    """The record's grounding, or None when it carries no usable ``ref_chunks`` (never raises)."""
    refs = _int_list(record.get("ref_chunks"))
    if not refs:
        return None
    text = record.get("response") if isinstance(record.get("response"), str) else record.get("pred")
    named = parse_response(text if isinstance(text, str) else "").chunk_ids
    num = record.get("num_chunks")
    num_chunks = num if isinstance(num, int) and not isinstance(num, bool) and num > 0 else None
    return GroundingItem(tuple(named), refs, num_chunks)


def length_bin(num_chunks: Any) -> str:
    """Document-length bucket in chunks: ``1-16``, ``17-32``, ``33-64``, ... (``unknown`` when not a count)."""
    if not isinstance(num_chunks, int) or isinstance(num_chunks, bool) or num_chunks < 1:
        return "unknown"
    hi = 16
    while num_chunks > hi:
        hi *= 2
    return f"{1 if hi == 16 else hi // 2 + 1}-{hi}"


def refs_bin(n: int) -> str:
    return REF_BINS[min(n, len(REF_BINS)) - 1]


def nearest_named_bins(item: GroundingItem, bins: int = DEPTH_BINS) -> list[tuple[int, int | None]]:
    """``(reference decile, decile of the nearest named chunk or None)`` per reference chunk in range.

    The named ids in range, sorted once, then one binary search per reference chunk: O((refs + named) log named),
    whatever the document's chunk count says; ties go to the earlier chunk."""
    n = item.num_chunks
    if n is None:
        return []
    named = sorted({i for i in item.named if i < n})
    out = []
    for r in dict.fromkeys(item.refs):
        if r >= n:
            continue
        k = bisect_left(named, r)
        candidates = [named[j] for j in (k - 1, k) if 0 <= j < len(named)]
        near = min(candidates, key=lambda c: (abs(c - r), c), default=None)
        out.append((depth_bin(r, n, bins), None if near is None else depth_bin(near, n, bins)))
    return out


def _mean(values: Sequence[float]) -> float:
    return round(100 * sum(values) / len(values), 2) if values else 0.0


def _prf(scores: Sequence[Any]) -> dict[str, float]:
    return {
        "n": len(scores),
        "precision": _mean([s.precision for s in scores]),
        "recall": _mean([s.recall for s in scores]),
        "fbeta": _mean([s.fbeta for s in scores]),
    }


def grounding_summary(records: Sequence[Mapping[str, Any]], beta: float = 2.0) -> dict[str, Any] | None:
    """Mean P/R/F-beta (x100) over records with ``ref_chunks`` and every breakdown; None when none has them."""
    items = [it for it in (grounding_item(r) for r in records) if it is not None]
    if not items:
        return None
    scores = [context_score(it.named, it.refs, beta=beta) for it in items]
    by_len: dict[str, list[Any]] = {}
    by_refs: dict[str, list[Any]] = {}
    for it, s in zip(items, scores, strict=True):
        by_len.setdefault(length_bin(it.num_chunks), []).append(s)
        by_refs.setdefault(refs_bin(len(set(it.refs))), []).append(s)
    depth = recall_by_depth(depth_counts(it.named, it.refs, it.num_chunks) for it in items)
    confusion = [[0] * (DEPTH_BINS + 1) for _ in range(DEPTH_BINS)]
    for it in items:
        for row, col in nearest_named_bins(it):
            confusion[row][DEPTH_BINS if col is None else col] += 1
    return {
        **_prf(scores),
        "beta": beta,
        "by_depth": {bin_label(b): None if r is None else round(100 * r, 2) for b, r in enumerate(depth)},
        "by_doc_chunks": {k: _prf(v) for k, v in sorted(by_len.items(), key=lambda kv: _len_key(kv[0]))},
        "by_num_refs": {k: _prf(by_refs[k]) for k in REF_BINS if k in by_refs},
        "confusion": {
            "rows": [bin_label(b) for b in range(DEPTH_BINS)],
            "columns": [*(bin_label(b) for b in range(DEPTH_BINS)), NONE_COLUMN],
            "counts": confusion,
        },
    }


def _len_key(label: str) -> int:
    head = label.split("-")[0]
    return int(head) if head.isdigit() else 1 << 30


def plot_depth(runs: Mapping[str, Mapping[str, Any]], out: Path) -> Path | None:
    """Recall by reference depth, one line per run (``runs``: name -> grounding summary); None without data."""
    from matplotlib.figure import Figure  # no pyplot: the process's backend is left alone

    labels = [bin_label(b) for b in range(DEPTH_BINS)]
    if not any(any(v is not None for v in g["by_depth"].values()) for g in runs.values()):
        return None
    fig = Figure(figsize=(7, 4))
    ax = fig.subplots()
    for name, g in runs.items():
        points = [(i, g["by_depth"][lab]) for i, lab in enumerate(labels) if g["by_depth"].get(lab) is not None]
        if points:
            ax.plot(*zip(*points, strict=True), marker="o", label=f"{name} (mean recall {g['recall']:.1f})")
    ax.set_xticks(range(DEPTH_BINS), labels, rotation=45, fontsize=7)
    ax.set(
        xlabel="relative depth of the reference chunk",
        ylabel="recall (%)",
        ylim=(0, 100),
        title="grounding recall by evidence depth",
    )
    ax.grid(alpha=0.3)
    ax.legend(fontsize=7)
    fig.tight_layout()
    fig.savefig(out, dpi=100)
    return out


def plot_confusion(runs: Mapping[str, Mapping[str, Any]], out: Path) -> Path | None:
    """Row-normalised named-vs-reference depth matrices, one panel per run side by side; None without data."""
    from matplotlib.figure import Figure

    shown = {k: g for k, g in runs.items() if any(sum(row) for row in g["confusion"]["counts"])}
    if not shown:
        return None
    fig = Figure(figsize=(4.5 * len(shown) + 1, 4.2), layout="constrained")
    axes = fig.subplots(1, len(shown), squeeze=False)[0]
    for ax, (name, g) in zip(axes, shown.items(), strict=True):
        counts = g["confusion"]["counts"]
        rows = [[c / (sum(row) or 1) for c in row] for row in counts]
        image = ax.imshow(rows, vmin=0, vmax=1, cmap="viridis", aspect="auto")
        ax.set_xticks(range(DEPTH_BINS + 1), [*(str(b) for b in range(DEPTH_BINS)), NONE_COLUMN], fontsize=7)
        ax.set_yticks(range(DEPTH_BINS), [str(b) for b in range(DEPTH_BINS)], fontsize=7)
        ax.set(xlabel="nearest named chunk (depth decile)", ylabel="reference chunk (depth decile)", title=name)
    fig.colorbar(image, ax=list(axes), shrink=0.8, label="share of the row's reference chunks")
    fig.savefig(out, dpi=100)
    return out


def markdown_tables(runs: Mapping[str, Mapping[str, Any]]) -> str:
    """Grounding tables for the report: overall P/R/F, recall by depth, by document length, by reference count."""
    names = list(runs)
    lines = ["## Grounding", "", "| | " + " | ".join(names) + " |", "|---|" + "---:|" * len(names)]
    for key in ("precision", "recall", "fbeta", "n"):
        lines.append(f"| {key} | " + " | ".join(str(runs[n][key]) for n in names) + " |")
    for title, field in (("recall by evidence depth", "by_depth"),):
        lines += ["", f"### {title}", "", "| depth | " + " | ".join(names) + " |", "|---|" + "---:|" * len(names)]
        for b in range(DEPTH_BINS):
            lab = bin_label(b)
            cells = [runs[n][field].get(lab) for n in names]
            lines.append(f"| {lab} | " + " | ".join("" if c is None else f"{c:.2f}" for c in cells) + " |")
    for title, field in (
        ("by document length (chunks)", "by_doc_chunks"),
        ("by number of reference chunks", "by_num_refs"),
    ):
        keys = sorted({k for n in names for k in runs[n][field]}, key=_len_key)
        lines += [
            "",
            f"### {title} (recall / F-beta, n)",
            "",
            "| bucket | " + " | ".join(names) + " |",
            "|---|" + "---:|" * len(names),
        ]
        for k in keys:
            cells = [runs[n][field].get(k) for n in names]
            lines.append(
                f"| {k} | "
                + " | ".join("" if c is None else f"{c['recall']:.1f} / {c['fbeta']:.1f} ({c['n']})" for c in cells)
                + " |"
            )
    return "\n".join(lines) + "\n"
