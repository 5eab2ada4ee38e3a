"""Stage ``cluster``: HDBSCAN over each document's chunk embeddings, then the paper's cluster filters.

HDBSCAN has no cosine tree, so it runs on the precomputed cosine-distance matrix (``1 - cos``, exact for any
embeddings); ``cluster_selection_epsilon = 1 - min_similarity`` is then a cosine distance as intended. The default
implementation is the ``hdbscan`` package (the original; scikit-learn's is a port of it): scikit-learn 1.9.1 with
numpy >= 2.4 raises ``TypeError: only 0-dimensional arrays ...`` in ``_tree.traverse_upwards`` as soon as the
epsilon merges a cluster into its parent. ``implementation: sklearn`` selects scikit-learn's (same labels).

Kept: clusters of ``min_chunks..max_chunks`` chunks, documents with at least ``min_clusters_per_doc`` of them,
at most ``max_clusters_per_doc`` sampled per document (seeded per document).
Output, one record per sampled cluster: ``{"id": "<doc>/c<label>", "doc_id", "chunk_ids", "mean_similarity"}``.
"""

from __future__ import annotations

import random

import numpy as np
from longrlvr.data_gen.config import ClusterConfig
from longrlvr.data_gen.grounded.embed import decode_matrix
from longrlvr.data_gen.runner import Record, RecordContext, Skip

from longrlvr.errors import UserError


def cosine_distances(embeddings: np.ndarray) -> np.ndarray:
    """Pairwise ``1 - cosine similarity`` (float64, zero diagonal, clipped to [0, 2])."""
    x = np.asarray(embeddings, dtype=np.float64)
    x = x / np.maximum(np.linalg.norm(x, axis=1, keepdims=True), 1e-12)
    distances = np.clip(1.0 - x @ x.T, 0.0, 2.0)
    np.fill_diagonal(distances, 0.0)
    return distances


def cluster_labels(embeddings: np.ndarray, cfg: ClusterConfig) -> np.ndarray:
    """HDBSCAN labels per chunk (-1: noise) with the configured paper settings."""
    options = {}
    if cfg.implementation == "hdbscan":
        from hdbscan import HDBSCAN
    elif cfg.implementation == "sklearn":
        from sklearn.cluster import HDBSCAN

        options["copy"] = True  # leave our matrix intact; also silences the 1.10 default-change warning
    else:
        raise UserError(f"cluster.implementation must be 'hdbscan' or 'sklearn', got {cfg.implementation!r}")
    model = HDBSCAN(
        min_cluster_size=cfg.min_cluster_size,
        min_samples=cfg.min_samples,
        cluster_selection_epsilon=1.0 - cfg.min_similarity,
        cluster_selection_method=cfg.cluster_selection_method,
        metric="precomputed",
        **options,
    )
    return np.asarray(model.fit_predict(cosine_distances(embeddings)))


def size_filtered_clusters(labels: np.ndarray, cfg: ClusterConfig) -> dict[int, list[int]]:
    """label -> sorted chunk ids, for the clusters whose size is within ``min_chunks..max_chunks``."""
    groups: dict[int, list[int]] = {}
    for chunk_id, label in enumerate(labels.tolist()):
        if label >= 0:
            groups.setdefault(label, []).append(chunk_id)
    return {label: ids for label, ids in sorted(groups.items()) if cfg.min_chunks <= len(ids) <= cfg.max_chunks}


def sample_clusters(clusters: dict[int, list[int]], cfg: ClusterConfig, rng: random.Random) -> dict[int, list[int]]:
    """At most ``max_clusters_per_doc`` clusters (in label order); Skip when fewer than ``min_clusters_per_doc``."""
    if len(clusters) < cfg.min_clusters_per_doc:
        raise Skip("too_few_clusters", detail=f"{len(clusters)} kept clusters < {cfg.min_clusters_per_doc}")
    labels = sorted(rng.sample(sorted(clusters), min(cfg.max_clusters_per_doc, len(clusters))))
    return {label: clusters[label] for label in labels}


def mean_similarity(embeddings: np.ndarray, chunk_ids: list[int]) -> float:
    """Mean pairwise cosine similarity inside a cluster."""
    d = cosine_distances(embeddings[chunk_ids])
    n = len(chunk_ids)
    return float(1.0 - d.sum() / (n * (n - 1))) if n > 1 else 1.0


class ClusterChunks:
    """Handler: an ``embed`` record -> the document's sampled clusters."""

    def __init__(self, cfg: ClusterConfig) -> None:
        self.cfg = cfg

    def __call__(self, record: Record, ctx: RecordContext) -> list[Record]:
        embeddings = decode_matrix(record)
        if len(embeddings) < max(self.cfg.min_cluster_size, self.cfg.min_chunks * self.cfg.min_clusters_per_doc):
            raise Skip("too_few_chunks", detail=f"{len(embeddings)} chunks")
        clusters = size_filtered_clusters(cluster_labels(embeddings, self.cfg), self.cfg)
        return [
            {
                "id": f"{ctx.id}/c{label}",
                "doc_id": ctx.id,
                "chunk_ids": ids,
                "mean_similarity": round(mean_similarity(embeddings, ids), 4),
            }
            for label, ids in sample_clusters(clusters, self.cfg, ctx.rng).items()
        ]
