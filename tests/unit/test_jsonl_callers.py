"""Every reader family on longrlvr.jsonl tolerates a torn last line; rewritten files survive a crash mid-write."""

from __future__ import annotations

import os

import matplotlib
import pytest
from longrlvr.data_gen.documents import DocumentStore
from longrlvr.data_gen.hard.multihop_loaders import load_hotpotqa
from longrlvr.data_gen.runner import run_stage

from longrlvr import jsonl
from longrlvr.errors import UserError
from longrlvr.eval.loaders import load_niah
from longrlvr.local.metrics import MetricsLog, plot_curves, read_metrics
from tests.helpers.eval import write_niah
from tests.helpers.hard import hotpot_record

TORN = b'{"id": "cut", "te'


def _torn(path):
    with open(path, "ab") as f:
        f.write(TORN)
    return path


def test_data_gen_readers_skip_a_torn_last_line(tmp_path):
    src = tmp_path / "in.jsonl"
    jsonl.rewrite(src, [{"id": "a", "x": 1}, {"id": "b", "x": 2}])
    _torn(src)
    stats = run_stage("demo", lambda r, c: [r], src, tmp_path / "out.jsonl", progress=False)
    assert stats.done == 2 and [r["id"] for r in jsonl.read(tmp_path / "out.jsonl")] == ["a", "b"]

    chunks = tmp_path / "chunks.jsonl"
    jsonl.rewrite(chunks, [{"id": f"d{i}", "chunks": ["x" * i], "num_tokens": [i]} for i in range(3)])
    store = DocumentStore(_torn(chunks))
    assert sorted(store.offsets) == ["d0", "d1", "d2"] and store.get("d2")["chunks"] == ["xx"]
    assert store.num_tokens == {"d0": 0, "d1": 1, "d2": 2}

    hotpot = tmp_path / "hp.jsonl"
    jsonl.rewrite(hotpot, [hotpot_record(i) for i in range(2)])
    assert len(load_hotpotqa(_torn(hotpot))) == 2


def test_eval_and_local_readers_skip_a_torn_last_line(tmp_path):
    assert [item.id for item in load_niah(_torn(write_niah(tmp_path / "niah.jsonl")))] == ["niah-64-0.5-0"]
    log = MetricsLog(tmp_path)
    for step in range(4):
        log.log(step, {"train/reward": step / 4})
    _torn(log.path)
    assert [r["step"] for r in read_metrics(log.path)] == [0, 1, 2, 3]


def test_a_bad_line_before_the_last_is_named(tmp_path):
    path = tmp_path / "hp.jsonl"
    path.write_bytes(b'\n{"id": 2,\n{"id": 3}\n')
    with pytest.raises(UserError, match=r"hp\.jsonl:2: invalid JSON"):
        load_hotpotqa(path)
    path.write_bytes(b'[1, 2]\n{"id": 1}\n')
    with pytest.raises(UserError, match=r"hp\.jsonl:1: expected a JSON object, got list"):
        load_hotpotqa(path)


def test_metrics_truncation_on_resume_drops_later_steps_and_the_torn_line(tmp_path):
    log = MetricsLog(tmp_path)
    for step in range(5):
        log.log(step, {"train/reward": 0.1})
    _torn(log.path)
    log.truncate_after(2)
    assert [r["step"] for r in read_metrics(log.path)] == [0, 1, 2] and log.path.read_bytes().endswith(b"}\n")
    log.log(3, {"train/reward": 0.2})
    assert [r["step"] for r in read_metrics(log.path)] == [0, 1, 2, 3]


def _crash_on_rename(monkeypatch):
    def crash(src, dst):
        raise OSError("killed before the rename")

    monkeypatch.setattr(os, "replace", crash)


def test_a_crash_while_rewriting_leaves_the_old_file(tmp_path, monkeypatch):
    log = MetricsLog(tmp_path)
    for step in range(3):
        log.log(step, {"train/reward": 0.1})
    before = log.path.read_bytes()
    jsonl.write_json(tmp_path / "latest", {"step": 1, "path": "global_step_1"})
    _crash_on_rename(monkeypatch)
    with pytest.raises(OSError, match="killed"):
        log.truncate_after(0)
    with pytest.raises(OSError, match="killed"):
        jsonl.write_json(tmp_path / "latest", {"step": 2, "path": "global_step_2"})
    monkeypatch.undo()
    assert log.path.read_bytes() == before
    assert jsonl.read_json(tmp_path / "latest") == {"step": 1, "path": "global_step_1"}
    assert sorted(p.name for p in tmp_path.iterdir()) == ["latest", "metrics.jsonl"]  # no temporary file left


def test_plotting_leaves_the_matplotlib_backend_alone(tmp_path):
    backend = matplotlib.get_backend()
    log = MetricsLog(tmp_path)
    for step in range(3):
        log.log(step, {"train/reward": step / 3, "val/answer_acc": 0.5})
    png = plot_curves(log.path, tmp_path / "curve.png")
    assert png.stat().st_size > 1000 and matplotlib.get_backend() == backend
