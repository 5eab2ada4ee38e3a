"""The documented path: train the local engine for 2 steps, then evaluate its checkpoint on the run's held-out
parquet with ``eval run --config longrlvr``, ``eval score --benchmark longrlvr`` and ``eval report`` (docs/eval.md)."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from longrlvr.cli import main


@pytest.mark.slow
def test_local_engine_checkpoint_through_eval_run_score_report(tmp_path: Path, capsys) -> None:
    run = tmp_path / "train"
    train = ["train", "--engine", "local", "--out", str(run), "trainer.steps=2", "sft.steps=20"]
    small = ["trainer.save_every=2", "trainer.val_every=2", "data.val_size=16", "data.synthetic.train_size=64"]
    # seconds-long run of a barely warm model: an entropy bonus gives every step a gradient (a run with none fails)
    small += ["actor.entropy_coeff=0.01", "algorithm.dynamic_sampling=false"]
    assert main([*train, *small, "data.synthetic.val_size=16", "trainer.progress=false"]) == 0
    checkpoint = run / "checkpoints" / "global_step_2"
    assert (checkpoint / "config.json").is_file()  # an HF dir: any eval backend loads it
    capsys.readouterr()

    ev = tmp_path / "eval"
    argv = ["eval", "run", "--config", "longrlvr", "--model", str(checkpoint), "--out", str(ev)]
    gen = ["generation.max_new_tokens=24", "engine.device=cpu", "engine.dtype=float32"]
    assert main([*argv, f"data.path={run / 'data' / 'val.parquet'}", *gen]) == 0
    assert json.loads(capsys.readouterr().out.strip().splitlines()[-1])["generated"] == 16

    assert main(["eval", "score", "--benchmark", "longrlvr", "--input", str(ev / "longrlvr" / "longrlvr.jsonl")]) == 0
    score = json.loads(capsys.readouterr().out)
    assert score["n"] == 16 and 0 <= score["variants"]["answer"]["score"] <= 100
    assert score["format_rate"] > 0  # the warm start taught the grammar
    depth = score["grounding"]["by_depth"]
    assert len(depth) == 10 and any(v is not None for v in depth.values())

    rep = tmp_path / "report"
    assert main(["eval", "report", str(ev), "--out", str(rep)]) == 0
    assert (rep / "grounding_depth_longrlvr.png").stat().st_size > 5000
    assert (rep / "grounding_confusion_longrlvr.png").stat().st_size > 5000
