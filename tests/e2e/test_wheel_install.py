"""The built wheel works without the source tree: shipped configs, the local engine and the verl dry run.

The wheel is built from this checkout and installed (no dependencies) into a fresh venv in a temporary
directory; the venv borrows the already installed dependencies of the running environment through a
``.pth`` line (torch, verl, ... are not downloaded again), and every command runs with the temporary
directory as working directory, so nothing can come from the source tree.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import sysconfig
import zipfile
from pathlib import Path

import pytest

from tests.helpers.door import write_dataset, write_tiny_model

REPO = Path(__file__).resolve().parents[2]
# seconds-long run of a barely warm model: an entropy bonus gives every step a gradient (a run with none fails)
TINY = [
    "actor.entropy_coeff=0.01",
    "algorithm.dynamic_sampling=false",
    "sft.steps=2",
    "sft.batch_size=4",
    "trainer.steps=2",
    "trainer.val_every=2",
    "trainer.save_every=2",
    "data.synthetic.train_size=16",
    "data.synthetic.val_size=4",
    "data.val_size=4",
    "rollout.n=2",
    "actor.batch_size=2",
    "trainer.progress=false",
]


def _run(cmd: list[str], cwd: Path, env: dict[str, str], timeout: int = 600) -> subprocess.CompletedProcess:
    done = subprocess.run(cmd, cwd=cwd, env=env, capture_output=True, text=True, timeout=timeout)
    assert done.returncode == 0, f"{cmd}\n{done.stdout[-2000:]}\n{done.stderr[-3000:]}"
    return done


@pytest.mark.slow
def test_wheel_runs_the_local_engine_and_the_dry_run(tmp_path):
    env = {k: v for k, v in os.environ.items() if k not in ("PYTHONPATH", "VIRTUAL_ENV", "PYTHONHOME")}
    env.update(HF_HUB_OFFLINE="1", TOKENIZERS_PARALLELISM="false", WANDB_MODE="disabled")
    dist, venv, work = tmp_path / "dist", tmp_path / "venv", tmp_path / "work"
    work.mkdir()
    # build from a clean copy: setuptools builds in place and a stale build/ could leak old files into the wheel
    src = tmp_path / "src"
    shutil.copytree(
        REPO,
        src,
        ignore=shutil.ignore_patterns(
            ".git", ".venv", "build", "dist", "outputs", "runs", "*.egg-info", "__pycache__", ".*_cache"
        ),
    )
    _run(
        [sys.executable, "-m", "pip", "wheel", "-q", "--no-deps", "--no-build-isolation", "-w", str(dist), str(src)],
        cwd=work,
        env=env,
    )
    wheel = next(dist.glob("longrlvr-*.whl"))
    _run([sys.executable, "-m", "venv", "--without-pip", str(venv)], cwd=work, env=env)
    python = venv / "bin" / "python"
    purelib = Path(
        _run(
            [str(python), "-c", "import sysconfig; print(sysconfig.get_paths()['purelib'])"], cwd=work, env=env
        ).stdout.strip()
    )
    (purelib / "_borrowed_deps.pth").write_text(sysconfig.get_paths()["purelib"] + "\n")
    _run(
        [sys.executable, "-m", "pip", "--python", str(python), "install", "-q", "--no-deps", str(wheel)],
        cwd=work,
        env=env,
    )

    where = _run(
        [
            str(python),
            "-c",
            "import longrlvr, longrlvr.shipped as s; print(longrlvr.__file__); print(s.shipped_path('configs'))",
        ],
        cwd=work,
        env=env,
    ).stdout.split()
    assert all(Path(p).is_relative_to(purelib / "longrlvr") for p in where), where
    top = (next(purelib.glob("longrlvr-*.dist-info")) / "top_level.txt").read_text().split()
    assert top == ["longrlvr"]  # the only installed package (data_gen/ is longrlvr.data_gen)
    names = zipfile.ZipFile(wheel).namelist()
    assert {n.split("/")[0] for n in names if not n.startswith("longrlvr-")} == {"longrlvr"}, names
    assert (
        "longrlvr/data_gen/grounded/pipeline.py" in names and "longrlvr/data_gen/prompts/generate_qa_paper.txt" in names
    )

    cli = str(venv / "bin" / "longrlvr")
    assert "local/default" in _run([cli, "configs", "list"], cwd=work, env=env).stdout
    run = _run([cli, "train", "--engine", "local", "--out", str(work / "run"), *TINY], cwd=work, env=env)
    assert "longrlvr local run finished" in run.stdout
    assert (work / "run" / "metrics.jsonl").is_file()

    train, val = write_dataset(work)
    model = write_tiny_model(work / "model")
    dry_env = dict(env, TRAIN_FILES=train, VAL_FILES=val, MODEL_PATH=model)
    dry = _run([cli, "train", "--dry-run"], cwd=work, env=dry_env)
    assert "config composed and validated" in dry.stdout
