"""Loaders on small files in each benchmark format, prediction records and resume bookkeeping."""

from __future__ import annotations

import pytest

from longrlvr import jsonl
from longrlvr.chunking import count_tokens
from longrlvr.eval.benchmarks import get as benchmark
from longrlvr.eval.items import truncate_middle
from longrlvr.eval.loaders import load_longbench_v2, load_longreason, load_niah
from longrlvr.eval.records import finished_ids
from longrlvr.eval.ruler import score_records
from longrlvr.eval.ruler_qa import build_ruler_qa, read_hotpotqa, read_squad
from longrlvr.grammar import format_response, prompt_chunks
from tests.helpers.eval import (
    tiny_tokenizer,
    write_hotpotqa,
    write_longbench_v2,
    write_longreason,
    write_niah,
    write_squad,
)


@pytest.fixture(scope="module")
def tok():
    return tiny_tokenizer()


def test_read_squad_skips_unanswerable_and_pads_with_article(tmp_path):
    qas, docs = read_squad(write_squad(tmp_path / "s.json"))
    assert len(docs) == 10 and len(qas) == 7  # questions 2, 5, 8 are impossible
    assert qas[0].outputs == ["Paris", "paris"] and len(qas[0].more_context) == 4


def test_read_hotpotqa_gold_is_supporting_titles(tmp_path):
    qas, docs = read_hotpotqa(write_hotpotqa(tmp_path / "h.json"))
    assert len(qas) == 4 and len(qas[0].context) == 4 and len(qas[0].gold) == 2
    assert all(docs[i].startswith(("Country 0\n", "Country 1\n")) for i in qas[0].gold)


@pytest.mark.parametrize(("task", "writer"), [("qa_1", write_squad), ("qa_2", write_hotpotqa)])
def test_ruler_qa_fits_budget_and_marks_gold_chunks(tmp_path, tok, task, writer):
    path = writer(tmp_path / "d.json")
    items = build_ruler_qa(task, path, tok, 300, num_samples=3, chunk_tokens=40, reserve_tokens=100)
    assert [i.id for i in items] == ["0", "1", "2"]
    for item in items:
        text = "".join(item.chunks)
        assert count_tokens(text, tok) <= 200 and item.meta["num_docs"] >= 1
        assert item.ref_chunks and all(0 <= i < len(item.chunks) for i in item.ref_chunks)
        gold_text = "".join(item.chunks[i] for i in item.ref_chunks)
        assert task == "qa_2" or any(a in gold_text for a in item.answers)
        assert list(prompt_chunks(item.messages()[0]["content"]).values()) == item.chunks
    again = build_ruler_qa(task, path, tok, 300, num_samples=3, chunk_tokens=40, reserve_tokens=100)
    assert [i.chunks for i in again] == [i.chunks for i in items]  # seeded


def test_longbench_v2_loader_puts_choices_in_question(tmp_path, tok):
    items = load_longbench_v2(write_longbench_v2(tmp_path / "lb.json"), tok, chunk_tokens=30)
    first = items[0]
    assert first.id == "lb0" and first.answers == ["A"] and first.length == "short"
    assert "(A) Paris" in first.question and "(D) Madrid" in first.question
    assert "context" not in first.meta and first.meta["difficulty"] == "easy" and len(first.chunks) > 1
    record = benchmark("longbench_v2").record(first, "The correct answer is (A)")
    assert {"_id", "difficulty", "length", "answer", "response", "choice_A"} <= set(record)


def test_longbench_v2_missing_field_names_item(tmp_path, tok):
    path = tmp_path / "bad.json"
    path.write_text('[{"_id": "x"}]')
    with pytest.raises(ValueError, match=r"bad.json: item 0: missing field\(s\) domain"):
        load_longbench_v2(path, tok)


def test_longreason_loader_and_record(tmp_path, tok):
    items = load_longreason(write_longreason(tmp_path / "lr.jsonl"), tok, chunk_tokens=30)
    assert [i.id for i in items] == ["8k-0", "8k-1"] and "(E) Lisbon" in items[0].question
    rec = benchmark("longreason").record(items[0], "x")
    assert rec["example_idx"] == 0 and rec["split"] == "8k" and rec["answer"] == "A"


def test_niah_loader_and_ruler_record_scores(tmp_path):
    (item,) = load_niah(write_niah(tmp_path / "n.jsonl"))
    assert item.ref_chunks == [1] and item.length == 64 and item.meta["depth"] == 0.5
    rec = benchmark("niah").record(item, format_response([1], "1234567"))
    assert set(rec) >= {"index", "pred", "outputs", "others", "truncation", "length"}
    assert score_records([rec])["variants"]["answer"]["score"] == 100.0


def test_truncate_middle_keeps_both_ends(tmp_path, tok):
    from longrlvr.eval.items import chunk_document

    chunks = chunk_document(" ".join(f"Sentence number {i}." for i in range(40)), tok, 10)
    kept, dropped = truncate_middle(chunks, 50)
    assert sum(c.num_tokens for c in kept) <= 50 and dropped == len(chunks) - len(kept) > 0
    assert kept[0] == chunks[0] and kept[-1] == chunks[-1]
    assert truncate_middle(chunks, None) == (chunks, 0)


def test_append_and_resume_round_trip(tmp_path):
    (item,) = load_niah(write_niah(tmp_path / "n.jsonl"))
    path = benchmark("niah").prediction_path(tmp_path / "run", item)
    assert path == tmp_path / "run" / "niah" / "niah.jsonl" and finished_ids(path) == set()
    jsonl.append(path, [benchmark("niah").record(item, "a")])
    assert finished_ids(path) == {item.id}
    with open(path, "ab") as f:  # a kill in the middle of the next append: the torn line is no item
        f.write(b'{"id": "other", "pr')
    assert finished_ids(path) == {item.id}
