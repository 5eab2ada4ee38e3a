"""Size rules of the grounded pipeline, checked per document and printed before any model loads.

A document yields questions only when it has at least ``need`` chunks of at most ``chunk.max_tokens`` tokens:
``need = max(chunk.min_chunks, cluster.min_clusters_per_doc * cluster.min_chunks)`` (fewer chunks cannot hold
the clusters the cluster stage keeps). :func:`size_lines` reports each document in one line from the chunk
stage's output and ledger (a tokenizer only, no embedder or LLM); :func:`check_sizes` raises one line when no
document passes. Both are pure given the records; the pipeline prints and calls them right after ``chunk``.
"""

from __future__ import annotations

import sys
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any, TextIO

from longrlvr.errors import UserError


@dataclass(frozen=True)
class SizeRule:
    max_tokens: int
    min_chunks: int
    cluster_chunks: int  # cluster.min_clusters_per_doc * cluster.min_chunks

    @property
    def need(self) -> int:
        return max(self.min_chunks, self.cluster_chunks)

    def describe(self) -> str:
        return (
            f">= {self.need} chunks of <= {self.max_tokens} tokens (chunk.min_chunks {self.min_chunks}; "
            f"clusters need {self.cluster_chunks})"
        )


@dataclass(frozen=True)
class DocSize:
    doc_id: str
    chunks: int
    tokens: int | None  # None: skipped by the chunk stage (only its chunk count is known)


def doc_sizes(chunked: Iterable[Mapping[str, Any]], ledger: Iterable[Mapping[str, Any]]) -> list[DocSize]:
    """Sizes from ``chunks.jsonl`` (kept documents) and ``chunks.jsonl.done`` (``too_short`` skips and details)."""
    sizes = [DocSize(str(r["id"]), len(r["chunks"]), sum(r["num_tokens"])) for r in chunked]
    for entry in ledger:
        if entry.get("skip") == "too_short":
            detail = str(entry.get("detail") or "")
            head = detail.split(" ", 1)[0]
            sizes.append(DocSize(str(entry["id"]), int(head) if head.isdigit() else 0, None))
    return sorted(sizes, key=lambda s: s.doc_id)


def size_lines(sizes: Iterable[DocSize], rule: SizeRule) -> list[str]:
    """One line per document: chunks, tokens, ok / too short for the rule."""
    lines = []
    for s in sizes:
        tokens = f", {s.tokens} tokens" if s.tokens is not None else ""
        verdict = "ok" if s.chunks >= rule.need else f"too short: needs {rule.describe()}"
        lines.append(f"{s.doc_id}: {s.chunks} chunks{tokens}: {verdict}")
    return lines


def check_sizes(sizes: list[DocSize], rule: SizeRule) -> int:
    """The number of documents that pass; none passing is a one-line UserError with the longest document."""
    passing = sum(1 for s in sizes if s.chunks >= rule.need)
    if sizes and not passing:
        longest = max(sizes, key=lambda s: s.chunks)
        raise UserError(
            f"no document is long enough: each needs {rule.describe()}; the longest, {longest.doc_id}, has "
            f"{longest.chunks}; lower chunk.max_tokens or chunk.min_chunks / cluster.min_clusters_per_doc"
        )
    return passing


MAX_LINES = 50  # per-document lines printed; the rest are counted (the ledger has them all)


def rule_of(config: Any) -> SizeRule:
    """The size rule of a :class:`~longrlvr.data_gen.config.PipelineConfig`."""
    return SizeRule(
        config.chunk.max_tokens,
        config.chunk.min_chunks,
        config.cluster.min_clusters_per_doc * config.cluster.min_chunks,
    )


def report_sizes(config: Any, chunks_path: Path, out: TextIO | None = None) -> dict[str, Any]:
    """Print one line per document (stderr), then :func:`check_sizes`; returns the manifest entry."""
    from longrlvr.data_gen.runner import ledger_path

    from longrlvr import jsonl

    out = out or sys.stderr
    rule = rule_of(config)
    ledger = ledger_path(chunks_path)
    sizes = doc_sizes(
        jsonl.iter_records(chunks_path) if Path(chunks_path).exists() else [],
        jsonl.iter_records(ledger) if ledger.exists() else [],
    )
    lines = size_lines(sizes, rule)
    print(f"size rule: a document needs {rule.describe()}", file=out)
    for line in lines[:MAX_LINES]:
        print(f"  {line}", file=out)
    if len(lines) > MAX_LINES:
        print(f"  ... {len(lines) - MAX_LINES} more (see {ledger})", file=out)
    records = jsonl.iter_records(chunks_path) if Path(chunks_path).exists() else []
    escaped = sum(1 for r in records if (r.get("meta") or {}).get("tags_escaped"))
    if escaped:
        print(f"  {escaped} document(s) had text that looks like grammar tags: escaped (meta.tags_escaped)", file=out)
    passing = check_sizes(sizes, rule)
    return {
        "need_chunks": rule.need,
        "max_tokens": rule.max_tokens,
        "passing": passing,
        "short": len(sizes) - passing,
        "tags_escaped_docs": escaped,
    }
