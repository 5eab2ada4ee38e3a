"""A table of user mistakes through the real entry point (``python -m longrlvr ...`` = the ``longrlvr`` command):
each exits 2 with one line on stderr that starts with the command and names the thing to fix; never a traceback."""

from __future__ import annotations

import os
import subprocess
import sys
from concurrent.futures import ThreadPoolExecutor

import pytest

MISSING = "/nonexistent/longrlvr-test"
# (argv, a word the error line must contain)
MISTAKES = [
    (["train", "--engine", "local", "trainer.stpes=2"], "trainer.steps"),
    (["train", "--engine", "local", f"data.train_files={MISSING}.parquet"], MISSING),
    (["train", "--engine", "local", "--config", f"{MISSING}.yaml"], MISSING),
    (["train", "--engine", "local", "rollout.n=0"], "rollout.n"),
    (["train", "--engine", "local", "actor.lr=nan"], "actor.lr"),
    (["train", "--engine", "local", "reward.beta=inf"], "beta"),
    (["train", "--engine", "verl", "--dry-run", "trainer.total_epochz=1"], "trainer.total_epochs"),
    (["data", "validate", f"{MISSING}.parquet"], MISSING),
    (["data", "convert", f"{MISSING}.parquet", "--out", "o.parquet"], MISSING),
    (["data", "run", "--config", "nosuch"], "nosuch"),
    (["data", "run", "--config", "toy", "cluster.min_simlarity=0.3"], "cluster.min_similarity"),
    (["data", "stage", "chunk", "--config", "toy", "--input", f"{MISSING}.jsonl", "--out", "x.jsonl"], MISSING),
    (
        ["data", "keychain", "--input", f"{MISSING}.jsonl", "--format", "hotpotqa", "--tokenizer", "t", "--out", "o"],
        MISSING,
    ),
    (["data", "niah", "--tokenizer", MISSING, "--out", "o.jsonl"], "--tokenizer"),
    (["data", "curriculum", "plan", "--config", "nosuch"], "nosuch"),
    (["eval", "run", "--config", "nosuch", "--model", "m", "--out", "o"], "nosuch"),
    (["eval", "score", "--benchmark", "ruler", "--input", MISSING, "--out", "y"], MISSING),
    (["eval", "report", MISSING, "--out", "r"], MISSING),
    (["reward", "score", "--response", "x"], "--ground-truth"),
    (["configs", "copy", "nosuch", "--out", "f.yaml"], "nosuch"),
]


def _run(argv: list[str], cwd: str) -> subprocess.CompletedProcess:
    env = {k: v for k, v in os.environ.items() if k not in ("MODEL_PATH", "LONGRLVR_MODEL_PATH")}
    env.update(HF_HUB_OFFLINE="1", TRAIN_FILES=f"{MISSING}.parquet", VAL_FILES=f"{MISSING}.parquet")
    return subprocess.run(
        [sys.executable, "-m", "longrlvr", *argv], cwd=cwd, env=env, capture_output=True, text=True, timeout=300
    )


@pytest.fixture(scope="module")
def results(tmp_path_factory):
    cwd = str(tmp_path_factory.mktemp("mistakes"))
    with ThreadPoolExecutor(max_workers=4) as pool:
        return list(pool.map(lambda case: _run(case[0], cwd), MISTAKES))


@pytest.mark.parametrize("index", range(len(MISTAKES)), ids=[" ".join(argv[:2]) for argv, _ in MISTAKES])
def test_a_user_mistake_is_one_line_and_exit_2(results, index):
    argv, named = MISTAKES[index]
    done = results[index]
    assert "Traceback" not in done.stderr, done.stderr[-2000:]
    assert done.returncode == 2, (done.returncode, done.stderr[-500:])
    lines = [
        line for line in done.stderr.splitlines() if line.strip() and not line.startswith("longrlvr train: no GPU")
    ]
    assert len(lines) == 1, lines
    assert lines[0].startswith(f"longrlvr {argv[0]}") and named in lines[0], lines[0]
