"""Assembly into rows (whole document and distractor buckets) and the validated parquet export."""

import json
import random

import pytest
from longrlvr.data_gen.config import AssembleConfig, ExportConfig
from longrlvr.data_gen.documents import DocumentStore
from longrlvr.data_gen.grounded.assemble import AssembleRows
from longrlvr.data_gen.grounded.export import export_rows, in_val_split
from longrlvr.data_gen.runner import RecordContext, Skip

from longrlvr.data import read_parquet, validate_rows
from longrlvr.grammar import prompt_chunks


@pytest.fixture
def store(tmp_path):
    """Ten chunked documents of 10 chunks x 100 tokens; chunk j of doc i reads 'doc i chunk j'."""
    path = tmp_path / "chunks.jsonl"
    with open(path, "w") as f:
        for i in range(10):
            chunks = [f"doc {i} chunk {j}." for j in range(10)]
            record = {"id": f"d{i}", "chunks": chunks, "offsets": [], "num_tokens": [100] * 10, "meta": {}}
            f.write(json.dumps(record) + "\n")
    return DocumentStore(path)


SELECTED = {
    "id": "d3/c0/q0",
    "doc_id": "d3",
    "cluster_id": "d3/c0",
    "question": "Which?",
    "answer": "x",
    "quality": 9.0,
    "evidence": [2, 7],
}


def ctx(seed=0, record_id=SELECTED["id"]):
    return RecordContext(record_id, "assemble", seed, random.Random(seed))


def test_whole_document_row(store):
    (out,) = AssembleRows(store, AssembleConfig())(SELECTED, ctx())
    info = out["row"]["extra_info"]
    assert info["ref_chunks"] == [2, 7] and info["num_chunks"] == 10 and info["bucket"] is None
    assert info["ref_chunks_text"] == ["doc 3 chunk 2.", "doc 3 chunk 7."]
    assert info["evidence_depth"] == [0.2, 0.7] and info["distractor_ids"] == []


@pytest.mark.parametrize("seed", range(5))
def test_bucket_rows_pad_with_distractors_and_shift_evidence(store, seed):
    cfg = AssembleConfig(buckets=[3000, 5000], reserve_tokens=500)
    (out,) = AssembleRows(store, cfg)(SELECTED, ctx(seed))
    info = out["row"]["extra_info"]
    assert info["bucket"] in (3000, 5000)
    assert 0.9 * (info["bucket"] - 500) <= info["context_tokens"] <= info["bucket"] - 500
    chunks = prompt_chunks(out["row"]["prompt"][0]["content"])
    offset = info["doc_chunk_offset"]
    assert [chunks[offset + j] for j in range(10)] == [f"doc 3 chunk {j}." for j in range(10)]
    assert info["ref_chunks"] == [offset + 2, offset + 7]
    assert [chunks[r] for r in info["ref_chunks"]] == info["ref_chunks_text"] == ["doc 3 chunk 2.", "doc 3 chunk 7."]
    assert "d3" not in info["distractor_ids"] and not validate_rows([out["row"]])


def test_bucket_skips(store):
    with pytest.raises(Skip) as skip:
        AssembleRows(store, AssembleConfig(buckets=[1200], reserve_tokens=500))(SELECTED, ctx())
    assert skip.value.reason == "document_exceeds_buckets"
    with pytest.raises(Skip) as skip:  # 9 other documents hold 9000 tokens, not 90% of 19500
        AssembleRows(store, AssembleConfig(buckets=[21000], reserve_tokens=500))(SELECTED, ctx())
    assert skip.value.reason == "not_enough_distractors"


def test_export_splits_by_document_and_validates(store, tmp_path):
    rows_path = tmp_path / "rows.jsonl"
    handler = AssembleRows(store, AssembleConfig())
    with open(rows_path, "w") as f:
        for i in range(10):
            record = {**SELECTED, "id": f"d{i}/q", "doc_id": f"d{i}"}
            f.write(json.dumps(handler(record, ctx(record_id=record["id"]))[0]) + "\n")
    summary = export_rows(rows_path, tmp_path, ExportConfig(val_fraction=0.3), seed=1)
    train, val = read_parquet(tmp_path / "train.parquet"), read_parquet(tmp_path / "val.parquet")
    assert summary["train"]["rows"] == len(train) and len(train) + len(val) == 10 and val
    assert {r["extra_info"]["doc_id"] for r in val} == {f"d{i}" for i in range(10) if in_val_split(f"d{i}", 0.3, 1)}
    assert [r["extra_info"]["index"] for r in train] == list(range(len(train)))
    assert {r["extra_info"]["split"] for r in val} == {"val"}

    broken = json.loads(rows_path.read_text().splitlines()[0])
    broken["row"]["extra_info"]["ref_chunks"] = [99]
    rows_path.write_text(json.dumps(broken) + "\n")
    with pytest.raises(ValueError, match=r"d0/q: extra_info.ref_chunks"):
        export_rows(rows_path, tmp_path / "bad", ExportConfig(val_fraction=0.0))
