"""GPU memory for the plan: nvidia-smi's smallest GPU, else GPU_MEMORY_GB, else 80."""

from __future__ import annotations

import subprocess

import pytest

from longrlvr.errors import UserError
from longrlvr.integrations.verl.gpu import gpu_memory_gib


def fake_run(stdout: str, code: int = 0):
    return lambda *a, **k: subprocess.CompletedProcess(a, code, stdout=stdout, stderr="")


def test_nvidia_smi_smallest_gpu():
    gib, source = gpu_memory_gib({}, which=lambda _: "/usr/bin/nvidia-smi", run=fake_run("143771\n81559\n"))
    assert gib == pytest.approx(81559 / 1024) and "nvidia-smi" in source


def test_setting_wins_and_default_without_nvidia_smi():
    assert gpu_memory_gib({"GPU_MEMORY_GB": "140.4"}, which=lambda _: None)[0] == 140.4
    assert gpu_memory_gib({}, which=lambda _: None) == (80.0, "default (no nvidia-smi; set GPU_MEMORY_GB)")


@pytest.mark.parametrize("value", ["eighty", "-1"])
def test_bad_setting_is_one_line(value):
    with pytest.raises(UserError, match="GPU_MEMORY_GB"):
        gpu_memory_gib({"GPU_MEMORY_GB": value}, which=lambda _: None)
