"""Grounding diagnostics of eval records: breakdowns, confusion, plots; never raises on model output."""

from __future__ import annotations

from longrlvr.eval.grounding import (
    grounding_item,
    grounding_summary,
    length_bin,
    markdown_tables,
    nearest_named_bins,
    plot_confusion,
    plot_depth,
)
from longrlvr.grammar import format_response


def rec(named, refs, n, answer="x"):
    return {"response": format_response(named, answer), "ref_chunks": refs, "num_chunks": n}


def test_summary_breaks_recall_down_by_depth_length_and_refs():
    records = [rec([0], [0, 9], 10), rec([9], [9], 10), rec([], [5], 40), {"response": "junk"}]
    g = grounding_summary(records)
    assert g["n"] == 3
    assert (
        g["by_depth"]["0-10%"] == 100.0
        and g["by_depth"]["90-100%"] == 50.0
        and g["by_depth"]["10-20%"] == 0.0
        and g["by_depth"]["20-30%"] is None
    )
    assert set(g["by_doc_chunks"]) == {"1-16", "33-64"}
    assert g["by_num_refs"]["1"]["n"] == 2 and g["by_num_refs"]["2"]["n"] == 1
    assert sum(map(sum, g["confusion"]["counts"])) == 4  # one cell per reference chunk


def test_confusion_nearest_named_chunk():
    item = grounding_item(rec([2], [2, 8], 10))
    assert nearest_named_bins(item) == [(2, 2), (8, 2)]  # 8 was missed; the nearest named chunk sits at 2
    assert nearest_named_bins(grounding_item(rec([], [4], 10))) == [(4, None)]


def test_length_bins():
    assert [length_bin(n) for n in (1, 16, 17, 32, 33, 1000)] == ["1-16", "1-16", "17-32", "17-32", "33-64", "513-1024"]
    assert length_bin(None) == "unknown"


def test_hostile_responses_are_linear_and_safe():
    big = "<useful_chunks>" + "<CHUNK_1>, " * 200_000 + "<answer>" * 50_000
    odd = [
        {"response": big, "ref_chunks": [1], "num_chunks": 3},
        {"pred": None, "ref_chunks": [True]},
        {"response": 5, "ref_chunks": "12"},
        {"response": "x", "ref_chunks": [1, 2], "num_chunks": "7"},
    ]
    g = grounding_summary(odd)
    assert g is not None and g["n"] == 2


def test_plots_and_tables_for_two_runs(tmp_path):
    a = grounding_summary([rec([0], [0, 9], 10), rec([9], [9], 10)])
    b = grounding_summary([rec([0, 9], [0, 9], 10)])
    assert plot_depth({"a": a, "b": b}, tmp_path / "depth.png").stat().st_size > 1000
    assert plot_confusion({"a": a, "b": b}, tmp_path / "confusion.png").stat().st_size > 1000
    text = markdown_tables({"a": a, "b": b})
    assert "| 90-100% | 50.00 | 100.00 |" in text


def test_confusion_ties_go_to_the_earlier_chunk_and_huge_counts_cost_nothing():
    assert nearest_named_bins(grounding_item(rec([2, 6], [4], 10))) == [(4, 2)]
    assert nearest_named_bins(grounding_item(rec([7], [4, 12], 10))) == [(4, 7)]  # 12 is out of range
    huge = {"response": format_response([5], "x"), "ref_chunks": [10**11], "num_chunks": 10**12}
    g = grounding_summary([huge])  # no per-chunk array: a forged chunk count does not allocate it
    assert g["n"] == 1 and sum(map(sum, g["confusion"]["counts"])) == 1
