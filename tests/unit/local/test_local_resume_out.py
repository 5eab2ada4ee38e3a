"""Resume with `longrlvr train --engine local --out RUN --resume` alone: the run's saved config is the base,
continuation keys may change, overrides that change the run are listed in one line (exit 2), and the data
files (by content) are part of the run's identity."""

from __future__ import annotations

import json

import pytest

from longrlvr.data import write_parquet
from longrlvr.local.metrics import read_metrics
from tests.helpers.door import good_rows
from tests.helpers.local import SMALL, local_main


@pytest.fixture(scope="module")
def finished(tmp_path_factory):
    """A 2-step run on a user parquet file (the tiny model), started with extra settings the resume must keep."""
    root = tmp_path_factory.mktemp("resume")
    train = write_parquet(good_rows(8), root / "train.parquet")
    run = root / "run"
    args = [*SMALL, "actor.entropy_coeff=0.01", f"data.train_files={train}", "trainer.steps=2", "actor.lr=0.002"]
    assert local_main([*args, "--out", str(run)]) == 0
    return root, run, train


def _copy(run, dst):
    import shutil

    return shutil.copytree(run, dst)


def test_out_alone_resumes_with_the_saved_settings(finished, tmp_path, capsys):
    _, run, _ = finished
    run = _copy(run, tmp_path / "run")
    capsys.readouterr()
    assert local_main(["--out", str(run), "--resume", "trainer.steps=3"]) == 0  # no other setting repeated
    out = capsys.readouterr().out
    assert "optimizer updates: 1 in 1 GRPO step(s)" in out and "global_step_3" in out
    assert [r["step"] for r in read_metrics(run / "metrics.jsonl")] == [0, 1, 2, 3]
    saved = (run / "config.yaml").read_text()
    assert "lr: 0.002" in saved and "entropy_coeff: 0.01" in saved  # the run's own settings, kept


def test_trainer_resume_true_is_the_same_as_the_flag(finished, tmp_path, capsys):
    _, run, _ = finished
    run = _copy(run, tmp_path / "run")
    assert local_main(["--out", str(run), "trainer.resume=true"]) == 0  # nothing left to train
    out = capsys.readouterr().out
    assert f"checkpoint:     {run / 'checkpoints' / 'global_step_2'}" in out  # the existing one, not None


def test_overrides_that_change_the_run_are_listed_in_one_line(finished, tmp_path, capsys):
    _, run, _ = finished
    run = _copy(run, tmp_path / "run")
    before = (run / "run.json").read_text()
    assert local_main(["--out", str(run), "--resume", "actor.lr=0.003", "seed=5", "trainer.steps=4"]) == 2
    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) == 1 and "holds a different run: actor.lr 0.002 -> 0.003, seed 0 -> 5;" in err[0]
    assert "trainer.steps" not in err[0] and (run / "run.json").read_text() == before


def test_other_data_is_refused_unless_new_data(finished, tmp_path, capsys):
    root, run, train = finished
    run = _copy(run, tmp_path / "run")
    write_parquet(good_rows(6), train.with_name("other.parquet"))
    other = train.with_name("other.parquet")
    assert local_main(["--out", str(run), "--resume", f"data.train_files={other}", "trainer.steps=3"]) == 2
    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) == 1 and "was trained on other data (train: " in err[0] and str(other) in err[0]
    assert "trainer.new_data=true" in err[0]
    args = ["--out", str(run), "--resume", f"data.train_files={other}", "trainer.steps=3", "trainer.new_data=true"]
    assert local_main(args) == 0
    record = json.loads((run / "run.json").read_text())
    assert [d["train"]["path"] for d in record["data_history"]] == [str(train.resolve()), str(other.resolve())]


def test_the_same_path_with_changed_content_is_other_data(finished, tmp_path, capsys):
    root, run, train = finished
    run = _copy(run, tmp_path / "run")
    moved = tmp_path / "train.parquet"
    write_parquet(good_rows(5), moved)  # what the saved config names, rewritten: same name, other rows
    config = (run / "config.yaml").read_text().replace(str(train.resolve()), str(moved))
    (run / "config.yaml").write_text(config)
    assert local_main(["--out", str(run), "--resume", "trainer.steps=3"]) == 2
    assert "was trained on other data" in capsys.readouterr().err
