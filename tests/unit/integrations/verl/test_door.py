"""Validation at the door: the dry run stops bad data files and model directories with one line each."""

from __future__ import annotations

from pathlib import Path

import pytest

from longrlvr.data import write_parquet
from longrlvr.errors import UserError
from longrlvr.integrations.verl import launch
from longrlvr.integrations.verl.door import check_data_file, check_inputs, check_model
from tests.helpers.door import good_rows, write_dataset, write_tiny_model


@pytest.fixture(scope="module")
def model_dir(tmp_path_factory):
    return write_tiny_model(tmp_path_factory.mktemp("model"))


def test_good_files_and_model_pass(tmp_path, model_dir):
    train, val = write_dataset(tmp_path)
    check_inputs({"TRAIN_FILES": [train], "VAL_FILES": [val]}, {"MODEL_PATH": model_dir})


def _bad_rows(tmp_path):
    rows = good_rows(3)
    rows[1]["extra_info"]["ref_chunks"] = [0, 9]
    return write_parquet(rows, tmp_path / "bad.parquet")


@pytest.mark.parametrize(
    ("make", "message"),
    [
        (lambda p: p / "missing.parquet", "missing.parquet: file not found"),
        (lambda p: (p / "t.parquet").write_text("not parquet") and p / "t.parquet", "t.parquet: not a parquet file"),
        (lambda p: write_parquet([{"prompt": "x"}], p / "c.parquet"), "c.parquet: missing column(s) ['data_source'"),
        (lambda p: _empty(p), "e.parquet: no rows"),
        (_bad_rows, "bad.parquet: row 1: extra_info.ref_chunks"),
    ],
)
def test_bad_data_file_is_one_line(tmp_path, make, message):
    path = make(tmp_path)
    problem = check_data_file(str(path), "TRAIN_FILES")
    assert problem is not None and message in problem and problem.startswith("TRAIN_FILES ")
    assert "\n" not in problem


def _empty(directory):
    import pyarrow as pa
    import pyarrow.parquet as pq

    schema = pa.Table.from_pylist(good_rows(1)).schema
    pq.write_table(schema.empty_table(), directory / "e.parquet")
    return directory / "e.parquet"


def test_bad_model_directories(tmp_path, model_dir):
    assert "not a directory" in check_model(str(tmp_path / "nope"), "MODEL_PATH")
    broken = tmp_path / "broken"
    broken.mkdir()
    (broken / "config.json").write_text("{")
    assert "cannot load its config.json" in check_model(str(broken), "MODEL_PATH")
    no_tok = tmp_path / "no_tok"
    no_tok.mkdir()
    (no_tok / "config.json").write_text((Path(model_dir) / "config.json").read_text())
    assert "cannot load its tokenizer" in check_model(str(no_tok), "MODEL_PATH")
    # remote storage and hub ids are fetched by the workers: not checked here
    assert check_model("Qwen/Qwen2.5-7B-Instruct-1M", "MODEL_PATH") is None
    assert check_data_file("hdfs://cluster/train.parquet", "TRAIN_FILES") is None


def test_problems_are_joined_into_one_user_error(tmp_path):
    with pytest.raises(UserError) as info:
        check_inputs(
            {"TRAIN_FILES": [str(tmp_path / "a.parquet")], "VAL_FILES": [str(tmp_path / "b.parquet")]},
            {"MODEL_PATH": str(tmp_path / "m")},
        )
    text = str(info.value)
    assert "\n" not in text and text.count("; ") == 2 and "MODEL_PATH" in text


def test_dry_run_stops_at_the_door(tmp_path, capsys, monkeypatch):
    from longrlvr.cli import main

    train, _ = write_dataset(tmp_path)
    env = {"TRAIN_FILES": train, "VAL_FILES": str(tmp_path / "missing.parquet"), "MODEL_PATH": str(tmp_path)}
    for key, value in env.items():
        monkeypatch.setenv(key, value)
    assert main(["train", "--dry-run"]) == 2
    lines = [line for line in capsys.readouterr().err.splitlines() if line.startswith("longrlvr train: error:")]
    assert len(lines) == 1 and "VAL_FILES" in lines[0] and "file not found" in lines[0]
    assert "MODEL_PATH" in lines[0] and "cannot load its config.json" in lines[0]


def test_dry_run_with_real_files_passes(tmp_path, model_dir, capsys):
    train, val = write_dataset(tmp_path)
    assert launch.run(True, [], {"TRAIN_FILES": train, "VAL_FILES": val, "MODEL_PATH": model_dir}) == 0
    assert "config composed and validated" in capsys.readouterr().out
