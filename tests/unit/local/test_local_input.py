"""The local engine checks its input rows before the first step: a bad row is one line naming it, exit 2."""

from __future__ import annotations

import pyarrow as pa
import pyarrow.parquet as pq
import pytest

from tests.helpers.door import good_rows
from tests.helpers.local import local_main as main


def bad_rows(kind: str) -> list[dict]:
    rows = good_rows(3)
    info = rows[1]["extra_info"]
    if kind == "none_ref":
        info["ref_chunks"] = [None]
    elif kind == "out_of_range":
        info["ref_chunks"] = [7]
    elif kind == "negative":
        info["ref_chunks"] = [-1]
    elif kind == "empty_prompt":
        rows[1]["prompt"] = []
    return rows


@pytest.mark.parametrize("kind", ["none_ref", "out_of_range", "negative", "empty_prompt"])
def test_bad_rows_stop_the_run_before_training(tmp_path, capsys, kind):
    path = tmp_path / "train.parquet"
    rows = bad_rows(kind)
    if kind == "none_ref":  # written as-is (make_row/write_parquet would not build such a row)
        pq.write_table(pa.Table.from_pylist(rows), path)
    else:
        from longrlvr.data import write_parquet

        write_parquet(rows, path)
    code = main([f"data.train_files={path}", f"run_dir={tmp_path / 'run'}"])
    err = capsys.readouterr().err.strip().splitlines()
    assert code == 2 and len(err) == 1
    assert str(path) in err[0] and "row 1" in err[0]
    assert not (tmp_path / "run" / "metrics.jsonl").exists()


def test_an_empty_or_non_parquet_file_is_one_line(tmp_path, capsys):
    path = tmp_path / "train.parquet"
    path.write_text("not parquet")
    assert main([f"data.train_files={path}", f"run_dir={tmp_path / 'run'}"]) == 2
    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) == 1 and str(path) in err[0]
