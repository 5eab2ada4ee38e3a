"""The local engine's recall by evidence depth: the one definition of longrlvr.rewards.depth, and its plot panel."""

from __future__ import annotations

from longrlvr.data import make_row
from longrlvr.grammar import format_response
from longrlvr.local.metrics import MetricsLog, plot_curves, recall_depth
from longrlvr.rewards import compute_score


def _row(refs):
    return make_row(chunks=[f"c{i}" for i in range(10)], question="q?", answer="a", ref_chunks=refs, index=0)


def test_recall_depth_from_the_scorer_results_and_the_rows():
    rows = [_row([0, 9]), _row([9]), _row([0, 9])]
    named = [[0], [9], []]
    scores = [
        compute_score(r["data_source"], format_response(n, "a"), "a", r["extra_info"])
        for r, n in zip(rows, named, strict=True)
    ]
    metrics = recall_depth(scores, rows, "val")
    assert metrics == {"val/recall_depth_0": 0.5, "val/recall_depth_9": 1 / 3}


def test_odd_rows_and_scores_count_nothing():
    assert recall_depth([{"chunk_ids": None}, {}], [{"extra_info": None}, {}], "train") == {}


def test_learning_curve_has_the_depth_panel(tmp_path):
    log = MetricsLog(tmp_path)
    log.log(1, {"train/reward": 0.1, "val/recall_depth_0": 0.2, "val/recall_depth_9": 0.0})
    log.log(2, {"train/reward": 0.3, "val/recall_depth_0": 0.6, "val/recall_depth_9": 0.4})
    png = plot_curves(log.path, tmp_path / "curve.png")
    assert png.stat().st_size > 10_000
