"""Length buckets and the phased curriculum schedule."""

from __future__ import annotations

import sys
from dataclasses import replace

import pytest
from longrlvr.data_gen.hard import curriculum
from longrlvr.data_gen.hard.curriculum import bucket_rows, load_schedule, phase_commands, phase_overrides

from longrlvr.chunking import count_tokens
from longrlvr.data import make_row, validate_rows
from longrlvr.errors import UserError
from tests.helpers.data_gen import data_main
from tests.helpers.hard import tokenizer

SCHEDULE = """
checkpoint_dir: ckpt/cur
overrides: [trainer.save_freq=10]
phases:
  - {name: short, train_files: [a.parquet], max_prompt_length: 256, steps: 30}
  - {name: long, train_files: [b.parquet, c.parquet], max_prompt_length: 1024, steps: 20}
"""
ONE_FILE_SCHEDULE = SCHEDULE.replace("[b.parquet, c.parquet]", "[b.parquet]")


def test_bucket_rows_by_prompt_tokens():
    rows = [
        make_row(chunks=["word " * n], question="q?", answer="a", ref_chunks=[0], index=n) for n in (10, 100, 400, 3000)
    ]
    buckets = bucket_rows(rows, tokenizer(), [256, 1024])
    assert sorted(buckets) == [256, 1024]
    assert [r["extra_info"]["index"] for r in buckets[256]] == [10, 100]
    assert [r["extra_info"]["index"] for r in buckets[1024]] == [400]  # 3000 dropped
    for bound, part in buckets.items():
        assert all(count_tokens(r["prompt"][0]["content"], tokenizer()) <= bound for r in part)
        assert validate_rows(part) == []


def test_schedule_overrides_are_cumulative_and_resume(tmp_path):
    path = tmp_path / "s.yaml"
    path.write_text(SCHEDULE)
    sched = load_schedule(path)
    verl = phase_overrides(sched, "verl")
    assert verl[0][:3] == [
        "data.train_files=[a.parquet]",
        "data.max_prompt_length=256",
        "trainer.total_training_steps=30",
    ]
    assert "trainer.total_training_steps=50" in verl[1] and "data.train_files=[b.parquet,c.parquet]" in verl[1]
    assert all("trainer.resume_mode=auto" in p and "trainer.default_local_dir=ckpt/cur" in p for p in verl)
    assert all(p[-1] == "trainer.save_freq=10" for p in verl)
    with pytest.raises(ValueError, match="phase long: the local engine takes exactly one train file"):
        phase_overrides(sched, "local")
    one_file = replace(sched, phases=(sched.phases[0], replace(sched.phases[1], train_files=("b.parquet",))))
    local = phase_overrides(one_file, "local")
    assert [p[:2] for p in local] == [
        ["data.train_files=a.parquet", "trainer.steps=30"],
        ["data.train_files=b.parquet", "trainer.steps=50"],
    ]
    assert all("trainer.resume=true" in p and "run_dir=ckpt/cur" in p for p in local)
    assert phase_commands(sched, "verl", ["x=1"])[0][0] == "./run_longrl.sh"
    with pytest.raises(ValueError, match="backend"):
        phase_overrides(sched, "nope")


def test_bad_schedule_names_file_and_phase(tmp_path):
    path = tmp_path / "bad.yaml"
    path.write_text("phases:\n  - {train_files: a.parquet, steps: 3}\n")
    with pytest.raises(UserError, match=r"bad.yaml: phases\[0\].max_prompt_length is missing"):
        load_schedule(path)
    path.write_text("phases: []\n")
    with pytest.raises(UserError, match=r"bad.yaml: needs a non-empty 'phases' list"):
        load_schedule(path)


def test_run_executes_phases_in_order(tmp_path, monkeypatch, capsys):
    path = tmp_path / "s.yaml"
    path.write_text(ONE_FILE_SCHEDULE)
    log = tmp_path / "log.txt"
    script = f"import sys; open({str(log)!r}, 'a').write(' '.join(sys.argv[1:]) + '\\n')"
    monkeypatch.setitem(curriculum.LAUNCHERS, "local", [sys.executable, "-c", script])
    assert data_main(["curriculum", "run", "--config", str(path), "--backend", "local", "seed=3"]) == 0
    lines = log.read_text().splitlines()
    assert len(lines) == 2 and "trainer.steps=30" in lines[0] and lines[1].endswith("seed=3")
    assert "# phase 2/2" in capsys.readouterr().out


@pytest.mark.slow
def test_local_engine_curriculum_resumes_across_phases(tmp_path, monkeypatch):
    """Two phases on the real local engine: phase 2 resumes at phase 1's checkpoint and continues the step count."""
    import json

    from longrlvr.local import synthetic

    monkeypatch.chdir(tmp_path)
    short, _ = synthetic.write_synthetic("short", 32, 4, num_chunks=3, seed=0)
    long, _ = synthetic.write_synthetic("long", 32, 4, num_chunks=5, seed=1)
    (tmp_path / "s.yaml").write_text(
        "checkpoint_dir: run\n"
        "overrides: [sft.steps=2, trainer.save_every=2, trainer.val_every=100, actor.batch_size=2, rollout.n=2,"
        " actor.entropy_coeff=0.01, algorithm.dynamic_sampling=false,"
        " trainer.progress=false, data.val_size=2]\n"
        f"phases:\n  - {{train_files: [{short}], max_prompt_length: 512, steps: 2}}\n"
        f"  - {{train_files: [{long}], max_prompt_length: 1024, steps: 2}}\n"
    )
    assert data_main(["curriculum", "run", "--config", "s.yaml", "--backend", "local"]) == 0
    steps = [json.loads(line)["step"] for line in (tmp_path / "run" / "metrics.jsonl").read_text().splitlines()]
    assert [s for s in steps if s > 0] == [1, 2, 3, 4]  # no step repeated: phase 2 resumed at step 2
    assert (tmp_path / "run" / "checkpoints" / "global_step_4").is_dir()
