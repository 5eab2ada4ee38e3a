"""Atomic writes leave no temporary file on any exit: errors and signal exceptions clean up at once, and a
temporary orphaned by kill -9 (real process) is removed by the next write of that file or by a run's sweep."""

from __future__ import annotations

import os
import signal
import subprocess
import sys

import pytest

from longrlvr import jsonl

# A writer that stops forever in the middle of rewrite(): its temporary file exists until it is killed.
STUCK = """
import sys, time
from longrlvr import jsonl
def records():
    yield {"id": 1}
    print("writing", flush=True)
    time.sleep(600)
jsonl.rewrite(sys.argv[1], records())
"""


def _stuck_writer(path):
    proc = subprocess.Popen([sys.executable, "-c", STUCK, str(path)], stdout=subprocess.PIPE, text=True)
    assert proc.stdout is not None and proc.stdout.readline().strip() == "writing"
    return proc


def _temps(directory):
    return sorted(p.name for p in directory.iterdir() if p.name.endswith(".tmp"))


def test_a_temp_orphaned_by_kill_9_is_swept_by_the_next_write(tmp_path):
    path = tmp_path / "scores.jsonl"
    jsonl.rewrite(path, [{"id": 0}])
    writer = _stuck_writer(path)
    (orphan,) = _temps(tmp_path)
    assert orphan.startswith(f".scores.jsonl.{writer.pid}-")
    writer.send_signal(signal.SIGKILL)
    writer.wait()
    assert _temps(tmp_path) == [orphan]  # kill -9 cannot be caught: the file stays ...
    jsonl.rewrite(path, [{"id": 2}])  # ... until the next write of that file
    assert _temps(tmp_path) == [] and jsonl.read(path) == [{"id": 2}]


def test_a_live_writer_keeps_its_temp_and_a_locked_sweep_takes_any(tmp_path):
    path = tmp_path / "a.json"
    writer = _stuck_writer(path)
    try:
        jsonl.write_json(path, {"x": 1})  # another writer of the same file: the live one's temp is not touched
        assert len(_temps(tmp_path)) == 1
        assert jsonl.sweep_temps(tmp_path) == []
        assert len(jsonl.sweep_temps(tmp_path, any_owner=True)) == 1  # the caller holds the directory's lock
        assert _temps(tmp_path) == []
    finally:
        writer.kill()
        writer.wait()


@pytest.mark.parametrize("exc", [KeyboardInterrupt, SystemExit, RuntimeError])
def test_any_exception_in_the_writer_removes_the_temp(tmp_path, exc):
    path = tmp_path / "a.jsonl"
    jsonl.rewrite(path, [{"id": 1}])

    def records():
        yield {"id": 2}
        raise exc()

    with pytest.raises(exc):
        jsonl.rewrite(path, records())
    assert os.listdir(tmp_path) == ["a.jsonl"] and jsonl.read(path) == [{"id": 1}]


def test_atomic_path_serves_any_writer_and_other_temp_names_are_left_alone(tmp_path):
    path = tmp_path / "rows.parquet"
    (tmp_path / ".rows.parquet.tmp").write_text("someone else's")  # not this module's naming: untouched
    with jsonl.atomic_path(path) as tmp:
        tmp.write_bytes(b"PAR1")
        assert tmp.parent == tmp_path and tmp.name.startswith(f".rows.parquet.{os.getpid()}-")
    assert path.read_bytes() == b"PAR1"
    with pytest.raises(OSError), jsonl.atomic_path(path) as tmp:
        raise OSError("disk full")
    assert sorted(os.listdir(tmp_path)) == [".rows.parquet.tmp", "rows.parquet"]
    jsonl.write_text(tmp_path / "c.yaml", "a: 1\n")
    assert (tmp_path / "c.yaml").read_text() == "a: 1\n"
