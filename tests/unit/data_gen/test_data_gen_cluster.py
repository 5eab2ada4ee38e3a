"""Clustering filters, evidence-id mapping and strict LLM-reply parsing on hand-made inputs."""

import random

import numpy as np
import pytest
from longrlvr.data_gen.config import ClusterConfig
from longrlvr.data_gen.grounded.cluster import (
    ClusterChunks,
    cluster_labels,
    cosine_distances,
    sample_clusters,
    size_filtered_clusters,
)
from longrlvr.data_gen.grounded.embed import encode_matrix
from longrlvr.data_gen.grounded.generate_qa import parse_generated
from longrlvr.data_gen.grounded.judge_qa import parse_rubric, weighted_quality
from longrlvr.data_gen.grounded.select_qa import map_evidence
from longrlvr.data_gen.runner import RecordContext, Skip


def grouped_embeddings(sizes, dim=32, noise=0.02, seed=0):
    """Unit vectors in groups around orthogonal directions; returns (matrix, group label per row)."""
    rng = np.random.default_rng(seed)
    rows, groups = [], []
    for g, size in enumerate(sizes):
        centre = np.eye(dim)[g]
        rows.append(centre + noise * rng.standard_normal((size, dim)))
        groups += [g] * size
    order = rng.permutation(len(groups))  # interleave the groups through the "document"
    matrix = np.concatenate(rows)[order]
    return matrix / np.linalg.norm(matrix, axis=1, keepdims=True), np.asarray(groups)[order]


def same_partition(labels, groups):
    return {frozenset(np.flatnonzero(labels == lab)) for lab in set(labels) if lab >= 0} == {
        frozenset(np.flatnonzero(groups == g)) for g in set(groups)
    }


def test_hdbscan_on_cosine_distances_recovers_interleaved_groups():
    embeddings, groups = grouped_embeddings([5, 6, 7, 8])
    labels = cluster_labels(embeddings, ClusterConfig())
    assert same_partition(labels, groups)
    d = cosine_distances(embeddings * 3.0)  # scale-free
    assert np.allclose(np.diag(d), 0) and np.allclose(d, d.T) and d.min() >= 0


def test_sklearn_and_hdbscan_package_agree_without_epsilon():
    embeddings, _ = grouped_embeddings([5, 6, 7], noise=0.05, seed=3)
    cfg = {"min_similarity": 1.0}  # epsilon 0: the path scikit-learn 1.9.1 runs under numpy 2.4
    a = cluster_labels(embeddings, ClusterConfig(implementation="hdbscan", **cfg))
    b = cluster_labels(embeddings, ClusterConfig(implementation="sklearn", **cfg))
    assert same_partition(a, b)


def test_size_filter_and_document_filter():
    cfg = ClusterConfig(min_chunks=4, max_chunks=16, min_clusters_per_doc=2, max_clusters_per_doc=4)
    labels = np.array([0] * 3 + [1] * 4 + [2] * 17 + [3] * 16 + [-1] * 2)
    kept = size_filtered_clusters(labels, cfg)
    assert sorted(kept) == [1, 3] and kept[1] == [3, 4, 5, 6]
    with pytest.raises(Skip) as skip:
        sample_clusters({1: kept[1]}, cfg, random.Random(0))
    assert skip.value.reason == "too_few_clusters"


def test_sampling_is_bounded_and_seeded():
    cfg = ClusterConfig(min_clusters_per_doc=4, max_clusters_per_doc=4)
    clusters = {label: [label * 10 + i for i in range(4)] for label in range(9)}
    picks = [sorted(sample_clusters(clusters, cfg, random.Random(s))) for s in range(6)]
    assert all(len(p) == 4 for p in picks)
    assert picks[0] == sorted(sample_clusters(clusters, cfg, random.Random(0)))
    assert len({tuple(p) for p in picks}) > 1


def test_cluster_handler_outputs_global_chunk_ids():
    embeddings, groups = grouped_embeddings([4, 5, 6, 20, 3])  # 20 is too big, 3 too small
    handler = ClusterChunks(ClusterConfig(min_clusters_per_doc=3, max_clusters_per_doc=4))
    record = {"id": "d", "dim": embeddings.shape[1], "embeddings": encode_matrix(embeddings)}
    out = handler(record, RecordContext("d", "cluster", 0, random.Random(0)))
    assert sorted(len(c["chunk_ids"]) for c in out) == [4, 5, 6]
    for cluster in out:
        assert len({groups[i] for i in cluster["chunk_ids"]}) == 1 and cluster["mean_similarity"] > 0.9
        assert cluster["id"].startswith("d/c") and cluster["doc_id"] == "d"


def test_evidence_mapping_to_global_ids():
    cluster = [3, 8, 15, 21]
    assert map_evidence([2, 0], cluster, min_evidence=2) == [3, 15]
    for local, reason in (
        ([], "empty_evidence"),
        ([0, 4], "inconsistent_evidence"),
        ([1, 1], "inconsistent_evidence"),
        ([-1, 2], "inconsistent_evidence"),
        ([1], "too_little_evidence"),
    ):
        with pytest.raises(Skip) as skip:
            map_evidence(local, cluster, min_evidence=2)
        assert skip.value.reason == reason


def test_generated_reply_parsing_is_strict():
    good = parse_generated('```json\n{"question": " Who? ", "answer": 1912, "evidence": [0, "2"]}\n```')
    assert good == {"question": "Who?", "answer": "1912", "evidence": [0, 2]}
    assert parse_generated("SKIPPED") is None and parse_generated('"SKIPPED."') is None
    assert parse_generated('{"question": "SKIPPED"}') is None
    for bad in (
        "no json here",
        '{"question": "Q", "answer": "", "evidence": [1]}',
        '{"question": "Q", "answer": "A", "evidence": "0, 1"}',
        '{"question": "Q", "answer": "A"}',
        '{"question": "Q", "answer": "A", "evidence": [true]}',
        "[1, 2]",
    ):
        with pytest.raises(ValueError):
            parse_generated(bad)


def test_rubric_parsing_and_weighted_quality():
    weights = {"relevance": 1.0, "accuracy": 3.0}
    assert parse_rubric('{"relevance": 4, "accuracy": 8, "reason": "x"}', weights) == {"relevance": 4, "accuracy": 8}
    assert weighted_quality({"relevance": 4, "accuracy": 8}, weights) == 7.0
    for bad in (
        '{"relevance": 4}',
        '{"relevance": 4, "accuracy": 11}',
        '{"relevance": "9/10", "accuracy": 8}',
        '{"relevance": 4.5, "accuracy": 8}',
        '{"relevance": true, "accuracy": 8}',
    ):
        with pytest.raises(ValueError):
            parse_rubric(bad, weights)
