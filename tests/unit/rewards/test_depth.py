"""The one depth-bucketed recall (verl metrics, local engine, eval)."""

from __future__ import annotations

import pytest

from longrlvr.rewards.depth import (
    DEPTH_BINS,
    bin_label,
    depth_bin,
    depth_counts,
    depth_fields,
    recall_by_depth,
    recall_depth_metrics,
)


def test_depth_bin_is_the_decile_of_the_chunk_centre():
    assert [depth_bin(i, 10) for i in range(10)] == list(range(10))
    assert depth_bin(0, 1) == 5  # a one-chunk document: its centre is at 50 %
    assert depth_bin(99, 100) == 9 and depth_bin(0, 100) == 0
    assert all(0 <= depth_bin(i, n) < DEPTH_BINS for n in (1, 3, 7, 1000) for i in range(n))


def test_counts_per_reference_chunk():
    hits, totals = depth_counts(named=[0, 9, 42], refs=[0, 5, 9, 9], num_chunks=10)
    assert totals == [1, 0, 0, 0, 0, 1, 0, 0, 0, 1]  # the duplicated reference counts once
    assert hits == [1, 0, 0, 0, 0, 0, 0, 0, 0, 1]


@pytest.mark.parametrize("num_chunks", [None, 0, -3, "10", True, 2.5])
def test_unknown_length_contributes_nothing(num_chunks):
    assert depth_counts([1], [1], num_chunks) == ([0] * DEPTH_BINS, [0] * DEPTH_BINS)


def test_odd_ids_never_raise():
    hits, totals = depth_counts(["1", None, True], [3, "x", 99, -1], 10)
    assert sum(totals) == 1 and sum(hits) == 0


def test_verl_fields_roundtrip_to_metrics():
    infos = [depth_fields([0], [0, 9], 10), depth_fields([9], [9], 10), {"score": 1.0}]
    metrics = recall_depth_metrics(infos)
    assert metrics == {"longrlvr/recall_depth_0": 1.0, "longrlvr/recall_depth_9": 0.5}
    assert all(isinstance(v, float) for v in depth_fields([0], [0], 10).values())


def test_recall_by_depth_none_for_empty_bins():
    assert recall_by_depth([]) == [None] * DEPTH_BINS
    assert bin_label(0) == "0-10%" and bin_label(9) == "90-100%"


def test_the_scorer_returns_the_named_chunk_ids_in_order():
    from longrlvr.grammar import format_response
    from longrlvr.rewards import compute_score

    info = {"ref_chunks": [3, 1], "num_chunks": 10}
    result = compute_score("longrlvr", format_response([3, 1, 7], "x"), "x", info)
    assert result["chunk_ids"] == (3, 1, 7)
    assert "chunk_ids" not in __import__("longrlvr.rewards", fromlist=["METRIC_KEYS"]).METRIC_KEYS
