"""Size rules per document before any model loads; an empty val split falls back in one line."""

from __future__ import annotations

import pytest
from longrlvr.data_gen.grounded.export_split import split_documents, split_rows
from longrlvr.data_gen.size_rules import DocSize, SizeRule, check_sizes, doc_sizes, size_lines

from longrlvr.errors import UserError

RULE = SizeRule(max_tokens=512, min_chunks=16, cluster_chunks=16)


def test_each_document_gets_one_line():
    sizes = doc_sizes(
        [{"id": "a", "chunks": ["x"] * 20, "num_tokens": [500] * 20}],
        [{"id": "a", "skip": None}, {"id": "b", "skip": "too_short", "detail": "8 chunks < 16"}],
    )
    assert sizes == [DocSize("a", 20, 10000), DocSize("b", 8, None)]
    lines = size_lines(sizes, RULE)
    assert lines[0] == "a: 20 chunks, 10000 tokens: ok"
    assert lines[1].startswith("b: 8 chunks: too short: needs >= 16 chunks of <= 512 tokens")


def test_no_document_long_enough_is_one_line():
    with pytest.raises(UserError, match="the longest, b, has 8"):
        check_sizes([DocSize("a", 3, 900), DocSize("b", 8, None)], RULE)


def test_cluster_rule_raises_the_need():
    assert SizeRule(64, 8, 3 * 4).need == 12


def test_empty_val_falls_back_by_document_with_a_note():
    val, note = split_documents(["d1", "d2", "d3", "d4"], 0.25, key=lambda d: -int(d[1]), in_val=lambda d: False)
    assert val == {"d4"} and note is not None and "1 of the 4 documents" in note
    assert split_documents(["d1", "d2"], 0.0, key=hash, in_val=lambda d: False) == (set(), None)


def test_single_document_falls_back_to_rows():
    val, note = split_rows(["q1", "q2", "q3"], 0.25, key=lambda r: r)
    assert val == {"q1"} and "by row" in note


def test_report_sizes_prints_each_document_and_counts_escaped_tags(tmp_path):
    import io
    import json

    from longrlvr.data_gen.config import load_config
    from longrlvr.data_gen.size_rules import report_sizes

    chunks = tmp_path / "chunks.jsonl"
    docs = [
        {"id": "long", "chunks": ["x"] * 9, "num_tokens": [60] * 9, "meta": {"tags_escaped": 2}},
        {"id": "ok", "chunks": ["x"] * 8, "num_tokens": [50] * 8, "meta": {"tags_escaped": 0}},
    ]
    chunks.write_text("".join(json.dumps(d) + "\n" for d in docs))
    skipped = {"id": "tiny", "skip": "too_short", "detail": "3 chunks < 8"}
    (tmp_path / "chunks.jsonl.done").write_text(json.dumps(skipped))
    out = io.StringIO()
    entry = report_sizes(load_config("toy", ["input=x", "workdir=y"]), chunks, out)
    lines = out.getvalue().splitlines()
    assert lines[0] == "size rule: a document needs >= 8 chunks of <= 64 tokens (chunk.min_chunks 8; clusters need 3)"
    assert lines[1:4] == ["  long: 9 chunks, 540 tokens: ok", "  ok: 8 chunks, 400 tokens: ok", lines[3]]
    assert lines[3].startswith("  tiny: 3 chunks: too short: needs >= 8 chunks")
    assert entry == {"need_chunks": 8, "max_tokens": 64, "passing": 2, "short": 1, "tags_escaped_docs": 1}
