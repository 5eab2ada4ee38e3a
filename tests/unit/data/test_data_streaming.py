"""``data validate`` streams row batches: same messages as validating the whole list, Python memory bounded by a
batch; ``write_parquet`` writes bounded row groups; one bad record never costs the data_gen export."""

from __future__ import annotations

import json
import tracemalloc

import pyarrow.parquet as pq
import pytest
from longrlvr.data_gen.config import ExportConfig
from longrlvr.data_gen.grounded.export import export_rows

from longrlvr.cli import main
from longrlvr.data import iter_rows, make_row, read_parquet, validate_rows, write_parquet
from longrlvr.errors import UserError


def row(i: int, words: int = 5) -> dict:
    chunks = [" ".join(f"w{i}c{c}k{k}" for k in range(words)) for c in range(4)]
    return make_row(
        chunks=chunks, question=f"Which word is first in chunk {i % 4}?", answer=f"w{i}c1k0", ref_chunks=[1], index=i
    )


def test_write_parquet_bounds_row_groups(tmp_path):
    path = write_parquet([row(i) for i in range(50)], tmp_path / "x.parquet", row_group_size=16)
    assert pq.ParquetFile(path).metadata.num_row_groups == 4
    assert [r["extra_info"]["index"] for r in iter_rows(path, batch_rows=7)] == list(range(50))


def test_streamed_validate_prints_the_same_messages(tmp_path, capsys):
    rows = [row(i) for i in range(700)]
    for i in (3, 299, 650):  # across batches
        rows[i]["extra_info"]["num_chunks"] = 9
    rows[650]["extra_info"]["question"] = ""
    path = write_parquet(rows, tmp_path / "x.parquet", row_group_size=700)
    expected = [f"{path}: {e}" for e in validate_rows(rows)]
    assert main(["data", "validate", str(path), "--max-errors", "3"]) == 1
    out = capsys.readouterr()
    assert out.err.splitlines() == [*expected[:3], f"{path}: ... {len(expected) - 3} more"]
    assert out.out.strip() == f"{path}: 700 rows, 3 invalid"


@pytest.mark.parametrize("content", [None, b""])
def test_unreadable_or_empty_file_is_one_line(tmp_path, capsys, content):
    path = tmp_path / "bad.parquet"
    if content is not None:
        path.write_bytes(content)
    assert main(["data", "validate", str(path)]) == 2  # missing or not parquet: bad input
    assert capsys.readouterr().err.count("\n") == 1


def test_streaming_holds_one_batch_of_python_rows(tmp_path):
    path = write_parquet([row(i, words=60) for i in range(3000)], tmp_path / "big.parquet", row_group_size=3000)

    def peak(read) -> int:
        tracemalloc.start()
        read()
        _, top = tracemalloc.get_traced_memory()
        tracemalloc.stop()
        return top

    streamed = peak(lambda: sum(1 for _ in iter_rows(path)))
    whole = peak(lambda: len(read_parquet(path)))
    assert whole > 8 * streamed, (whole, streamed)


def records(n: int, bad: set[int]) -> list[dict]:
    out = []
    for i in range(n):
        r = row(i)
        if i in bad:
            r["prompt"][0]["content"] = r["prompt"][0]["content"].replace("<CHUNK_2>\n", "<CHUNK_7>\n", 1)
        out.append({"id": f"d{i % 5}/q{i:02d}", "doc_id": f"d{i % 5}", "row": r})
    return out


def write_jsonl(path, recs):
    path.write_text("".join(json.dumps(r) + "\n" for r in recs))
    return path


def test_export_keeps_valid_rows_and_lists_the_rest_by_id(tmp_path, capsys):
    rows_path = write_jsonl(tmp_path / "rows.jsonl", records(20, {4, 13}))
    summary = export_rows(rows_path, tmp_path, ExportConfig(val_fraction=0.25), seed=0)
    kept = summary["train"]["rows"] + summary["val"]["rows"]
    assert kept == 18
    listed = {e["id"] for split in ("train", "val") for e in summary[split]["invalid"]}
    assert listed == {"d4/q04", "d3/q13"}
    assert all("block 2 is <CHUNK_7>" in e["message"] for s in ("train", "val") for e in summary[s]["invalid"])
    assert "export: 2 invalid row(s) left out (d3/q13, d4/q04)" in capsys.readouterr().err
    written = read_parquet(tmp_path / "train.parquet")
    assert validate_rows(written) == [] and [r["extra_info"]["index"] for r in written] == list(range(len(written)))


def test_export_with_no_valid_row_is_one_line(tmp_path):
    rows_path = write_jsonl(tmp_path / "rows.jsonl", records(3, {0, 1, 2}))
    with pytest.raises(UserError, match="no valid row to export; d0/q00: prompt: chunk blocks"):
        export_rows(rows_path, tmp_path, ExportConfig(), seed=0)


def test_empty_val_falls_back_by_document_in_one_line(tmp_path, capsys):
    rows_path = write_jsonl(tmp_path / "rows.jsonl", records(10, set()))
    summary = export_rows(rows_path, tmp_path, ExportConfig(val_fraction=0.001), seed=0)
    assert summary["val"]["rows"] >= 1 and summary["train"]["rows"] >= 1
    assert summary["val_fallback"].startswith("export: the held-out documents gave no rows; val = 1 of the 5")
    assert capsys.readouterr().err.strip() == summary["val_fallback"]


def test_single_document_falls_back_by_row(tmp_path, capsys):
    recs = [{**r, "doc_id": "only"} for r in records(4, set())]
    summary = export_rows(write_jsonl(tmp_path / "rows.jsonl", recs), tmp_path, ExportConfig(val_fraction=0.001), 0)
    assert (summary["train"]["rows"], summary["val"]["rows"]) == (3, 1) and "by row" in summary["val_fallback"]


def test_export_accepts_a_source_registered_in_the_reward_config(tmp_path):
    from longrlvr.data.sources import reward_sources

    recs = records(4, set())
    for r in recs:
        r["row"]["data_source"] = "mydocs"
    rows_path = write_jsonl(tmp_path / "rows.jsonl", recs)
    with pytest.raises(UserError, match="unknown data_source 'mydocs'"):
        export_rows(rows_path, tmp_path, ExportConfig(), seed=0)
    config = tmp_path / "train.yaml"
    config.write_text("reward:\n  reward_kwargs:\n    sources:\n      mydocs: {answer_scorer: hybrid}\n")
    summary = export_rows(rows_path, tmp_path, ExportConfig(), seed=0, sources=reward_sources(config))
    assert summary["train"]["rows"] + summary["val"]["rows"] == 4


def test_pipeline_export_reads_the_reward_config_named_in_export(tmp_path):
    import asyncio

    from longrlvr.data_gen.config import load_config
    from longrlvr.data_gen.grounded.pipeline import run_pipeline

    recs = records(4, set())
    for r in recs:
        r["row"]["data_source"] = "mydocs"
    write_jsonl(tmp_path / "rows.jsonl", recs)
    (tmp_path / "train.yaml").write_text("reward:\n  sources:\n    mydocs: {answer_scorer: hybrid}\n")
    config = load_config("toy", [f"input={tmp_path}/docs.jsonl", f"workdir={tmp_path}", "export.val_fraction=0"])
    with pytest.raises(UserError, match="unknown data_source 'mydocs'"):
        asyncio.run(run_pipeline(config, ["export"], progress=False))
    config.export.reward_config = str(tmp_path / "train.yaml")
    manifest = asyncio.run(run_pipeline(config, ["export"], progress=False))
    assert manifest["export"]["train"]["rows"] == 4 and manifest["export"]["val"]["rows"] == 0
