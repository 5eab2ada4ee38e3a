"""NIAH generator: budget, depth placement, reference chunks, rows."""

from __future__ import annotations

import json

import pytest
from longrlvr.data_gen.hard.niah import NIAHConfig, generate_niah, niah_row

from longrlvr import jsonl
from longrlvr.chunking import count_tokens
from longrlvr.data import validate_rows
from tests.helpers.hard import tokenizer

DEPTHS = (0.0, 0.25, 0.5, 0.75, 1.0)


@pytest.fixture(scope="module")
def records():
    return list(generate_niah(NIAHConfig(lengths=(1024, 4096), depths=DEPTHS, chunk_tokens=256, seed=1), tokenizer()))


def test_budget_and_sweep(records):
    assert [(r["length"], r["depth"]) for r in records] == [(n, d) for n in (1024, 4096) for d in DEPTHS]
    for r in records:
        text = "".join(r["chunks"])
        assert count_tokens(text, tokenizer()) == r["num_tokens"] <= r["length"]
        assert r["num_tokens"] > 0.9 * r["length"]  # filled up to about one sentence + the needle
        assert all(count_tokens(c, tokenizer()) <= 256 for c in r["chunks"])


def test_depth_placement(records):
    for r in records:
        text = "".join(r["chunks"])
        before = count_tokens(text[: text.index(r["needle"])], tokenizer())
        assert abs(before / r["num_tokens"] - r["depth"]) < 0.03
        assert abs(r["actual_depth"] - r["depth"]) < 0.03


def test_ref_chunks_hold_the_needle_and_rows_validate(records, tmp_path):
    for r in records:
        joined = "".join(r["chunks"][i] for i in r["ref_chunks"])
        assert r["needle"] in joined and r["answers"][0] in r["needle"]
    rows = [niah_row(r, i) for i, r in enumerate(records)]
    assert validate_rows(rows) == []
    path = tmp_path / "niah.jsonl"
    assert jsonl.rewrite(path, records) == len(records)
    assert json.loads(path.read_text().splitlines()[3]) == records[3]


def test_haystack_from_files(tmp_path):
    corpus = tmp_path / "essay.txt"
    corpus.write_text("Paul wrote essays about startups. Founders work hard! Is that true? " * 40)
    cfg = NIAHConfig(lengths=(512,), depths=(0.5,), chunk_tokens=128, haystack_files=(str(corpus),))
    (rec,) = generate_niah(cfg, tokenizer())
    assert "Founders work hard!" in "".join(rec["chunks"]) and rec["num_tokens"] <= 512
