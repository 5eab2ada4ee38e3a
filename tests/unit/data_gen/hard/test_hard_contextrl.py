"""ContextRL confounders, selection/augmentation rows and exact mixing."""

from __future__ import annotations

import random

import numpy as np
import pytest
from longrlvr.data_gen.hard.contextrl import (
    ContrastItem,
    augment_row,
    edit_confounder,
    items_from_rows,
    mix_auxiliary,
    nearest_confounder,
    select_row,
    span_kind,
)

from longrlvr.data import make_row, validate_rows
from longrlvr.grammar import format_response
from longrlvr.rewards import compute_score

DOC = "Ada Lovelace was born in London in 1815. She met Charles Babbage in 1833. London was large; Ada left London."


def test_span_kinds():
    assert span_kind("1815") == "year" and span_kind("42") == "number"
    assert span_kind("10 December 1815") == "date" and span_kind("Charles Babbage") == "entity"
    assert span_kind("a lowercase phrase") is None


@pytest.mark.parametrize("answer", ["1815", "London", "Charles Babbage"])
def test_confounder_differs_exactly_in_edited_spans(answer):
    conf = edit_confounder(DOC, answer, ["Paris is far. Grace Hopper wrote in 1952."], random.Random(1))
    assert conf is not None and conf.replacement != answer and answer not in conf.text
    assert span_kind(conf.replacement) == span_kind(answer)
    # rebuild: outside the spans the texts are identical, each span holds the replacement
    rebuilt, last = "", 0
    for start, end in conf.spans:
        assert DOC[start:end] == answer
        rebuilt += DOC[last:start] + conf.replacement
        last = end
    assert rebuilt + DOC[last:] == conf.text
    assert len(conf.spans) == DOC.count(answer)  # every occurrence edited (London: 3)


def test_confounder_prefers_same_document_then_corpus():
    assert edit_confounder(DOC, "1815", [], random.Random(0)).replacement == "1833"
    conf = edit_confounder("It opened in 1999.", "1999", ["Built in 2004."], random.Random(0))
    assert conf.replacement == "2004"
    assert edit_confounder("It opened in 1999.", "1999", [], random.Random(0)) is None
    assert edit_confounder(DOC, "Rome", [], random.Random(0)) is None


def test_nearest_confounder_skips_answer_bearing_chunks():
    chunks = ["cats eat fish", "cats eat fish daily", "cats like fish", "cars need fuel"]
    emb = np.array([[1.0, 0.0], [0.99, 0.1], [0.9, 0.3], [0.0, 1.0]])
    assert nearest_confounder(0, chunks, emb, "daily") == 2
    assert nearest_confounder(0, chunks, emb, "zzz") == 1


def _item(i: int = 0) -> ContrastItem:
    conf = edit_confounder(DOC, "1815", [], random.Random(i))
    return ContrastItem(f"x{i}", "When was Ada Lovelace born?", "1815", DOC, conf.text)


def test_select_and_augment_rows_score():
    rng = random.Random(0)
    rows = [select_row(_item(i), i, rng) for i in range(20)] + [augment_row(_item(i), 20 + i, rng) for i in range(4)]
    assert validate_rows(rows) == []
    golds = [r["reward_model"]["ground_truth"] for r in rows[:20]]
    assert set(golds) == {"A", "B"}  # order randomised
    for row in rows:
        info = row["extra_info"]
        assert info["ref_chunks_text"] == [DOC]
        answer = row["reward_model"]["ground_truth"]
        good = compute_score(row["data_source"], format_response(info["ref_chunks"], answer), answer, info)
        assert good["answer_acc"] == 1.0
    sel = rows[0]
    wrong = "B" if sel["reward_model"]["ground_truth"] == "A" else "A"
    assert sel["data_source"] == "contextrl_select"
    bad = compute_score(
        sel["data_source"], format_response([0], wrong), sel["reward_model"]["ground_truth"], sel["extra_info"]
    )
    assert bad["answer_acc"] == 0.0


@pytest.mark.parametrize(("n_main", "ratio", "n_aux"), [(300, 0.25, 100), (90, 0.1, 10), (50, 0.0, 0), (10, 0.5, 10)])
def test_mixing_ratio_exact(n_main, ratio, n_aux):
    main = [{"extra_info": {"index": i, "kind": "main"}} for i in range(n_main)]
    aux = [{"extra_info": {"index": i, "kind": "aux"}} for i in range(200)]
    mixed = mix_auxiliary(main, aux, ratio, random.Random(0))
    kinds = [r["extra_info"]["kind"] for r in mixed]
    assert kinds.count("aux") == n_aux and kinds.count("main") == n_main
    assert kinds.count("aux") / len(mixed) == pytest.approx(ratio)
    assert [r["extra_info"]["index"] for r in mixed] == list(range(len(mixed)))
    with pytest.raises(ValueError, match="needs"):
        mix_auxiliary(main, aux[:1], 0.5, random.Random(0))


def test_items_from_grounded_rows():
    rows = [
        make_row(chunks=["noise", DOC], question="When was Ada born?", answer="1815", ref_chunks=[1], index=0),
        make_row(chunks=["lower case only"], question="What?", answer="nothing", ref_chunks=[0], index=1),
    ]
    items = items_from_rows(rows, random.Random(0))
    assert len(items) == 1 and items[0].support == DOC and "1815" not in items[0].confounder


def test_contextrl_command_mixes_exactly(tmp_path):
    import argparse

    from longrlvr.commands.data_hard import add_contextrl as add_parser
    from longrlvr.data import read_parquet, write_parquet

    grounded = [
        make_row(
            chunks=["noise", DOC.replace("1815", str(1800 + i))],
            question=f"Year {i}?",
            answer=str(1800 + i),
            ref_chunks=[1],
            index=i,
        )
        for i in range(12)
    ]
    main = [make_row(chunks=["m"], question=f"m{i}?", answer="m", ref_chunks=[0], index=i) for i in range(30)]
    write_parquet(grounded, tmp_path / "g.parquet")
    write_parquet(main, tmp_path / "m.parquet")
    ap = argparse.ArgumentParser()
    add_parser(ap.add_subparsers(dest="cmd"))
    args = ap.parse_args(
        [
            "contextrl",
            "--input",
            str(tmp_path / "g.parquet"),
            "--output",
            str(tmp_path / "o.parquet"),
            "--mix-into",
            str(tmp_path / "m.parquet"),
            "--ratio",
            "0.25",
        ]
    )
    args.func(args)
    out = read_parquet(tmp_path / "o.parquet")
    assert len(out) == 40 and sum(r["data_source"] == "contextrl_select" for r in out) == 10
    assert validate_rows(out) == []


def test_nearest_confounder_with_minilm_embeddings():
    from longrlvr.data_gen.hard.contextrl import minilm_embedder

    chunks = [
        "The Eiffel Tower in Paris was completed in 1889 for the World's Fair.",
        "The Statue of Liberty in New York was dedicated in 1886 as a gift from France.",
        "Photosynthesis converts light energy into chemical energy in plants.",
        "The Eiffel Tower in Paris was finished in 1889, built by Gustave Eiffel's company.",
    ]
    emb = minilm_embedder()(chunks)
    assert emb.shape == (4, 384)
    assert nearest_confounder(0, chunks, emb, "zzz") == 3  # the paraphrase is the nearest neighbour
    assert nearest_confounder(0, chunks, emb, "1889") == 1  # answer-bearing paraphrase skipped
