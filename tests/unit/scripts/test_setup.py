"""scripts/setup.sh, the README's set-up command, in print mode (LONGRLVR_SETUP_PRINT=1; offline): with an NVIDIA
GPU (a fake nvidia-smi first on PATH) it installs the gpu extra (verl 0.9.1's pins, test_gpu_pins.py) and builds
flash-attn, without the CPU torch wheel; without one the commands are those of the CPU set-up, unchanged."""

from __future__ import annotations

import os
import re
import shutil
import subprocess
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[3]
FAKE_SMI = "#!/bin/sh\necho 'GPU 0: NVIDIA H100 80GB HBM3 (UUID: GPU-00000000-0000-0000-0000-000000000000)'\n"
CPU_COMMANDS = [
    "+ python3 -m venv .venv",
    "+ pip install -q --upgrade pip",
    "+ pip install -q torch==2.13.0",
    "+ pip install -q -e .[dev,data]",
]


NO_GPU_SMI = "#!/bin/sh\necho 'No devices were found'\nexit 6\n"


def setup(tmp_path: Path, *args: str, gpu: bool, smi: str = FAKE_SMI, **env: str) -> subprocess.CompletedProcess:
    """Run a copy of scripts/setup.sh in a fresh checkout-like directory (no .venv) with PATH limited to the
    basic tools, plus a fake nvidia-smi (``smi``) when ``gpu``."""
    checkout = tmp_path / "checkout"
    (checkout / "scripts").mkdir(parents=True)
    shutil.copy(REPO / "scripts" / "setup.sh", checkout / "scripts" / "setup.sh")
    bin_dir = tmp_path / "bin"
    bin_dir.mkdir()
    for tool in ("bash", "sh", "grep", "dirname"):
        os.symlink(shutil.which(tool), bin_dir / tool)
    if gpu:
        (bin_dir / "nvidia-smi").write_text(smi)
        (bin_dir / "nvidia-smi").chmod(0o755)
    run_env = {"PATH": str(bin_dir), "LONGRLVR_SETUP_PRINT": "1", "HOME": str(tmp_path), **env}
    return subprocess.run(
        ["bash", str(checkout / "scripts" / "setup.sh"), *args], env=run_env, capture_output=True, text=True
    )


def test_readme_uses_the_tested_command():
    assert "bash scripts/setup.sh && bash run_longrl.sh" in (REPO / "README.md").read_text()


def test_cpu_machine_commands_are_unchanged(tmp_path):
    done = setup(tmp_path, gpu=False)
    assert done.returncode == 0, done.stderr
    assert done.stdout.splitlines() == CPU_COMMANDS


def test_gpu_machine_installs_the_gpu_extra_and_flash_attn_without_the_cpu_torch(tmp_path):
    done = setup(tmp_path, gpu=True)
    assert done.returncode == 0, done.stderr
    lines = done.stdout.splitlines()
    assert "+ pip install -q -e .[dev,data,gpu]" in lines
    assert "+ env MAX_JOBS=8 pip install -q --no-build-isolation flash-attn==2.8.3" in lines
    assert not any("torch==2.13.0" in line for line in lines)
    # the extras requested name a real extra of pyproject.toml, whose pins test_gpu_pins.py ties to verl's
    import tomllib

    extras = tomllib.loads((REPO / "pyproject.toml").read_text())["project"]["optional-dependencies"]
    requested = re.search(r"-e \.\[([\w,]+)\]", done.stdout)[1].split(",")
    assert set(requested) <= set(extras) and "vllm==0.24.0" in extras["gpu"]


def test_gpu_machine_with_a_prebuilt_flash_attn_wheel_or_none(tmp_path):
    wheel = setup(tmp_path / "a", gpu=True, FLASH_ATTN_WHEEL="/w/flash_attn-2.8.3-cp311-linux_x86_64.whl")
    assert "+ pip install -q /w/flash_attn-2.8.3-cp311-linux_x86_64.whl" in wheel.stdout.splitlines()
    skipped = setup(tmp_path / "b", gpu=True, LONGRLVR_SKIP_FLASH_ATTN="1")
    assert "flash-attn" not in skipped.stdout and "attn_implementation=sdpa" in skipped.stderr


@pytest.mark.parametrize("extras", ["gpu,cpu", "dev,cpu,data,gpu"])
def test_gpu_and_cpu_extras_exclude_each_other(tmp_path, extras):
    done = setup(tmp_path, extras, gpu=True)
    assert done.returncode == 2 and done.stdout == ""
    assert done.stderr.strip() == f"setup.sh: the gpu and cpu extras exclude each other (got '{extras}')"


def test_nvidia_smi_without_a_gpu_is_a_cpu_machine(tmp_path):
    done = setup(tmp_path, gpu=True, smi=NO_GPU_SMI)
    assert done.returncode == 0 and done.stdout.splitlines() == CPU_COMMANDS
