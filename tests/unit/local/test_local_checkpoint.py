"""Checkpoints and run directories: atomic writes, torn files skipped, foreign runs refused, torn metrics."""

import json

import pytest
import torch

from longrlvr.local.checkpoint import STATE_FILE, latest_checkpoint
from longrlvr.local.metrics import read_metrics
from longrlvr.local.run_dir import RunDirError
from longrlvr.local.trainer import train
from tests.helpers.local import local_main as main
from tests.helpers.local import small_config


@pytest.fixture(scope="module")
def two_checkpoints(tmp_path_factory):
    """A finished 4-step run with checkpoints at steps 2 and 4 (copied per test)."""
    run_dir = tmp_path_factory.mktemp("run") / "run"
    train(small_config(run_dir))
    return run_dir


def _copy(src, dst):
    import shutil

    shutil.copytree(src, dst)
    return dst


def test_checkpoints_are_complete_and_load_weights_only(two_checkpoints):
    root = two_checkpoints / "checkpoints"
    assert sorted(p.name for p in root.iterdir()) == ["global_step_2", "global_step_4", "latest"]  # no temp dirs
    state = torch.load(root / "global_step_4" / STATE_FILE, weights_only=True)
    assert state["step"] == 4 and "optimizer" in state and "rng" in state
    path, loaded = latest_checkpoint(two_checkpoints)
    assert path.name == "global_step_4" and loaded["step"] == 4


def test_resume_skips_a_checkpoint_torn_mid_write(two_checkpoints, tmp_path):
    run_dir = _copy(two_checkpoints, tmp_path / "run")
    state = run_dir / "checkpoints" / "global_step_4" / STATE_FILE
    state.write_bytes(state.read_bytes()[: state.stat().st_size // 2])  # a kill during a non-atomic write
    (run_dir / "checkpoints" / ".tmp_global_step_6").mkdir()  # a kill during an atomic write
    with pytest.warns(UserWarning, match="skipping incomplete checkpoint"):
        path, loaded = latest_checkpoint(run_dir)
    assert path.name == "global_step_2" and loaded["step"] == 2
    with pytest.warns(UserWarning, match="skipping incomplete checkpoint"):
        resumed = train(small_config(run_dir, "trainer.resume=true"))
    assert [m["step"] for m in resumed.metrics] == [3, 4]
    assert torch.load(state, weights_only=True)["step"] == 4  # step 4 re-saved whole


def test_torn_last_metrics_line_does_not_stop_resume(two_checkpoints, tmp_path):
    run_dir = _copy(two_checkpoints, tmp_path / "run")
    with (run_dir / "metrics.jsonl").open("a") as f:
        f.write('{"step": 5, "train/rew')
    assert [r["step"] for r in read_metrics(run_dir / "metrics.jsonl")] == [0, 1, 2, 3, 4]
    train(small_config(run_dir, "trainer.resume=true", "trainer.steps=5"))
    assert [r["step"] for r in read_metrics(run_dir / "metrics.jsonl")] == [0, 1, 2, 3, 4, 5]


def test_a_foreign_run_dir_is_refused_on_resume(two_checkpoints, tmp_path):
    run_dir = _copy(two_checkpoints, tmp_path / "run")
    with pytest.raises(RunDirError, match=r"different run: seed 0 -> 1"):
        train(small_config(run_dir, "trainer.resume=true", "seed=1"))
    assert main([*_overrides(run_dir), "trainer.resume=true", "seed=1"]) == 2


def test_a_new_run_into_a_used_run_dir_starts_clean(two_checkpoints, tmp_path):
    run_dir = _copy(two_checkpoints, tmp_path / "run")
    result = train(small_config(run_dir, "seed=1", "trainer.steps=1", "trainer.save_every=1"))
    assert sorted(p.name for p in (run_dir / "checkpoints").iterdir()) == ["global_step_1", "latest"]
    assert [r["step"] for r in read_metrics(run_dir / "metrics.jsonl")] == [0, 1]
    assert json.loads((run_dir / "run.json").read_text())["config"]["seed"] == 1
    assert result.checkpoint.name == "global_step_1"


def test_misspelled_key_is_one_line_and_exit_2(capsys):
    assert main(["trainer.stepz=3"]) == 2
    err = capsys.readouterr().err.strip()
    assert len(err.splitlines()) == 1 and "stepz" in err


def test_a_bad_tiny_model_setting_is_one_line_and_exit_2(capsys, tmp_path):
    assert main([*_overrides(tmp_path), "model.tiny.arch=gpt2"]) == 2
    err = capsys.readouterr().err.strip()
    assert len(err.splitlines()) == 1 and "model.tiny" in err and "gpt2" in err


def _overrides(run_dir):
    from tests.helpers.local import SMALL

    return [*SMALL, "actor.entropy_coeff=0.01", f"run_dir={run_dir}"]
