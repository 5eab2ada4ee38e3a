"""One writer per run directory: a second run into a locked --out is refused naming the first one's pid, with real
processes; a holder killed with -9 never blocks."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from longrlvr.local.run_lock import RunDirBusy, RunLock
from tests.helpers.local import SMALL, local_main

HOLD = "import sys, time; from longrlvr.local.run_lock import RunLock; RunLock(sys.argv[1]).acquire(); print('held', flush=True); time.sleep(600)"  # noqa: E501


def _holder(run_dir: Path) -> subprocess.Popen:
    proc = subprocess.Popen([sys.executable, "-c", HOLD, str(run_dir)], stdout=subprocess.PIPE, text=True)
    assert proc.stdout is not None and proc.stdout.readline().strip() == "held"
    return proc


def test_a_second_run_is_refused_naming_the_holder_pid_and_a_killed_holder_never_blocks(tmp_path, capsys):
    run_dir = tmp_path / "run"
    holder = _holder(run_dir)
    try:
        with pytest.raises(RunDirBusy, match=rf"in use by another run \(pid {holder.pid}\)"):
            RunLock(run_dir).acquire()
        assert local_main([*SMALL, f"run_dir={run_dir}"]) == 2  # the CLI: one line, exit 2, nothing touched
        err = capsys.readouterr().err.strip().splitlines()
        assert len(err) == 1 and f"pid {holder.pid}" in err[0] and "--out" in err[0]
        assert sorted(p.name for p in run_dir.iterdir()) == [".lock"]
    finally:
        holder.send_signal(signal.SIGKILL)
        holder.wait()
    with RunLock(run_dir) as lock:  # the kernel dropped the dead holder's lock
        assert (run_dir / ".lock").read_text().split()[0] == str(os.getpid())
    assert lock._fd is None


@pytest.mark.slow
def test_two_real_runs_into_one_out_one_wins_and_keeps_its_checkpoint(tmp_path):
    """Two `longrlvr train --engine local` processes into one --out: the second exits 2 naming the first's pid
    while the first trains on; nothing of the first is removed (it is then stopped with SIGTERM, saving its step)."""
    out = tmp_path / "run"
    cmd = [sys.executable, "-m", "longrlvr", "train", "--engine", "local", "--out", str(out), *SMALL]
    first = subprocess.Popen([*cmd, "actor.entropy_coeff=0.01", "trainer.steps=500"], stderr=subprocess.PIPE, text=True)
    deadline = time.time() + 300
    while not (out / "metrics.jsonl").exists():  # the first run holds the lock and is training
        assert first.poll() is None and time.time() < deadline
        time.sleep(0.2)
    second = subprocess.run(cmd, capture_output=True, text=True, timeout=300)
    assert first.poll() is None  # still training
    assert second.returncode == 2 and f"pid {first.pid}" in second.stderr
    assert len(second.stderr.strip().splitlines()) == 1
    first.send_signal(signal.SIGTERM)
    assert first.wait(timeout=600) == 143
    steps = [json.loads(x)["step"] for x in (out / "metrics.jsonl").read_text().splitlines()]
    assert steps == list(range(len(steps))) and (out / "checkpoints" / f"global_step_{steps[-1]}").is_dir()
