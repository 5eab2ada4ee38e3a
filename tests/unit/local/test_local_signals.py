"""SIGTERM/SIGINT: the step in flight finishes, its checkpoint is saved, no temporary file is left, the exit code is
128 + the signal, and a resume continues exactly; a second signal abandons at once and still cleans up."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time

import pytest

from longrlvr import jsonl
from longrlvr.local.stop import GracefulStop, Stopped
from longrlvr.local.trainer import train
from tests.helpers.local import SMALL, small_config

DETERMINISTIC = ("train/", "actor/", "val/")


def _comparable(rows):
    return [{k: v for k, v in r.items() if k == "step" or k.startswith(DETERMINISTIC)} for r in rows]


def _leftovers(run_dir):
    return [p for p in run_dir.rglob("*") if p.name.endswith(".tmp") or p.name.startswith(".tmp_")]


def _wait_for_step(run_dir, step, proc, timeout=600):
    deadline = time.time() + timeout
    metrics = run_dir / "metrics.jsonl"
    while True:
        assert proc.poll() is None, proc.stderr.read() if proc.stderr else ""
        assert time.time() < deadline
        if metrics.exists() and any(r["step"] >= step for r in jsonl.read(metrics)):
            return
        time.sleep(0.1)


@pytest.mark.slow
def test_sigterm_saves_the_step_and_a_resume_with_out_alone_continues_exactly(tmp_path):
    """A real `longrlvr train` process: SIGTERM at step >= 2 -> exit 143, one line, the step's checkpoint and no
    temporary file; `--out RUN --resume` trains the rest and matches an uninterrupted run; a resume with no step
    left prints the existing checkpoint."""
    run_dir = tmp_path / "run"
    overrides = [*SMALL, "actor.entropy_coeff=0.01", "trainer.steps=8", "trainer.save_every=100"]
    cmd = [sys.executable, "-m", "longrlvr", "train", "--engine", "local"]
    proc = subprocess.Popen([*cmd, "--out", str(run_dir), *overrides], stderr=subprocess.PIPE, text=True)
    _wait_for_step(run_dir, 2, proc)
    proc.send_signal(signal.SIGTERM)
    _, err = proc.communicate(timeout=600)
    assert proc.returncode == 143, err
    line = err.strip().splitlines()[-1]
    assert line.startswith("longrlvr train: stopped by SIGTERM after step ") and "--resume" in line
    stopped_at = int(line.split("after step ")[1].split(";")[0])
    assert 2 <= stopped_at < 8 and (run_dir / "checkpoints" / f"global_step_{stopped_at}").is_dir()
    assert _leftovers(run_dir) == []

    resumed = subprocess.run([*cmd, "--out", str(run_dir), "--resume"], capture_output=True, text=True, timeout=900)
    assert resumed.returncode == 0, resumed.stderr
    full = train(small_config(tmp_path / "full", "trainer.steps=8", "trainer.save_every=100"))
    rows = jsonl.read(run_dir / "metrics.jsonl")
    assert [r["step"] for r in rows] == list(range(9))
    assert _comparable(rows[1:]) == _comparable(full.metrics)

    again = subprocess.run([*cmd, "--out", str(run_dir), "--resume"], capture_output=True, text=True, timeout=900)
    assert again.returncode == 0 and "optimizer updates: 0 in 0 GRPO step(s)" in again.stdout
    assert f"checkpoint:     {run_dir / 'checkpoints' / 'global_step_8'}" in again.stdout


def test_sigint_during_a_step_lets_it_finish_then_stops_with_130(tmp_path):
    """In process: SIGINT arrives during step 1; step 1 completes and is saved, exit code 130, resume continues."""
    from longrlvr.local import trainer

    real_step = trainer.grpo_step

    def step_then_interrupt(*args, **kwargs):
        out = real_step(*args, **kwargs)
        os.kill(os.getpid(), signal.SIGINT)  # lands while the step is still in flight (before it is logged)
        return out

    trainer.grpo_step = step_then_interrupt
    try:
        with pytest.raises(Stopped) as stopped:
            train(small_config(tmp_path, "trainer.save_every=100"))
    finally:
        trainer.grpo_step = real_step
    assert stopped.value.exit_code == 130 and "SIGINT after step 1" in str(stopped.value)
    assert [r["step"] for r in jsonl.read(tmp_path / "metrics.jsonl")] == [0, 1]
    assert (tmp_path / "checkpoints" / "global_step_1").is_dir() and _leftovers(tmp_path) == []
    resumed = train(small_config(tmp_path, "trainer.resume=true"))
    assert [m["step"] for m in resumed.metrics] == [2, 3, 4] and resumed.updates == 3


def test_a_second_signal_abandons_at_once_and_atomic_writes_clean_up(tmp_path):
    path = tmp_path / "a.jsonl"

    def records():
        yield {"id": 1}
        os.kill(os.getpid(), signal.SIGTERM)  # the second signal, in the middle of a write
        yield {"id": 2}

    with GracefulStop() as stop:
        os.kill(os.getpid(), signal.SIGTERM)
        assert stop.requested and stop.signal_name == "SIGTERM"
        with pytest.raises(Stopped, match="second SIGTERM") as abandoned:
            jsonl.rewrite(path, records())
    assert abandoned.value.exit_code == 143 and os.listdir(tmp_path) == []
    assert signal.getsignal(signal.SIGTERM) is signal.SIG_DFL  # handlers restored


def test_a_run_stopped_before_its_first_step_keeps_the_warm_start_as_step_0(tmp_path, monkeypatch):
    from longrlvr.local import trainer

    real = trainer.warm_start

    def warm_then_term(*args, **kwargs):
        losses = real(*args, **kwargs)
        os.kill(os.getpid(), signal.SIGTERM)
        return losses

    monkeypatch.setattr(trainer, "warm_start", warm_then_term)
    with pytest.raises(Stopped, match="before GRPO step 1"):
        train(small_config(tmp_path))
    assert (tmp_path / "checkpoints" / "global_step_0").is_dir()
    monkeypatch.setattr(trainer, "warm_start", real)
    resumed = train(small_config(tmp_path, "trainer.resume=true"))
    assert [m["step"] for m in resumed.metrics] == [1, 2, 3, 4] and not resumed.sft_losses
    assert json.loads((tmp_path / "metrics.jsonl").read_text().splitlines()[0])["step"] == 0
