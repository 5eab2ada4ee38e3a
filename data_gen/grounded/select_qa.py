"""Stage ``select``: the final filter of Algorithm 1, and the mapping of evidence ids to global chunk ids.

Kept: quality >= ``min_quality``, leakage probe wrong, full-context probe right, and evidence that is
consistent (every cluster-local id inside the cluster, no duplicates) with at least ``min_evidence`` chunks.
Output: ``{"id", "doc_id", "cluster_id", "question", "answer", "evidence": [global chunk ids], "quality"}``.
"""

from __future__ import annotations

from collections.abc import Sequence

from longrlvr.data_gen.config import SelectConfig
from longrlvr.data_gen.runner import Record, RecordContext, Skip


def map_evidence(local_ids: Sequence[int], cluster_chunk_ids: Sequence[int], min_evidence: int = 1) -> list[int]:
    """Sorted global chunk ids of cluster-local evidence ids; Skip when empty, inconsistent or too few."""
    if not local_ids:
        raise Skip("empty_evidence")
    bad = [i for i in local_ids if not 0 <= i < len(cluster_chunk_ids)]
    if bad:
        raise Skip("inconsistent_evidence", detail=f"ids {bad} outside a cluster of {len(cluster_chunk_ids)}")
    if len(set(local_ids)) != len(local_ids):
        raise Skip("inconsistent_evidence", detail=f"duplicate ids in {list(local_ids)}")
    if len(local_ids) < min_evidence:
        raise Skip("too_little_evidence", detail=f"{len(local_ids)} < {min_evidence} chunks")
    return sorted(cluster_chunk_ids[i] for i in local_ids)


class SelectQA:
    """Handler: keep or drop one judged QA record (reasons: low_quality, leaked, full_context_wrong, evidence)."""

    def __init__(self, cfg: SelectConfig) -> None:
        self.cfg = cfg

    def __call__(self, record: Record, ctx: RecordContext) -> list[Record]:
        if record["quality"] < self.cfg.min_quality:
            raise Skip("low_quality")
        if record["leak_correct"]:
            raise Skip("leaked")
        if not record["full_correct"]:
            raise Skip("full_context_wrong")
        evidence = map_evidence(record["evidence_local"], record["chunk_ids"], self.cfg.min_evidence)
        keys = ("doc_id", "cluster_id", "question", "answer", "quality")
        return [{"id": ctx.id, **{k: record[k] for k in keys}, "evidence": evidence}]
