"""The GPU memory the plan is computed for: the ``GPU_MEMORY_GB`` setting, else ``nvidia-smi``, else 80."""

from __future__ import annotations

import shutil
import subprocess
from collections.abc import Callable, Mapping

from longrlvr.errors import UserError

DEFAULT_GPU_MEMORY_GB = 80.0
QUERY = ["nvidia-smi", "--query-gpu=memory.total", "--format=csv,noheader,nounits"]


def gpu_memory_gib(
    env: Mapping[str, str],
    which: Callable[[str], str | None] = shutil.which,
    run: Callable[..., subprocess.CompletedProcess] = subprocess.run,
) -> tuple[float, str]:
    """(GiB per GPU, where it came from). ``GPU_MEMORY_GB`` when set (read as GiB, the unit nvidia-smi reports: an
    H100 80 GB shows 81,559 MiB = 79.6; set it to plan for other GPUs than this machine's), else the smallest GPU
    of ``nvidia-smi`` (MiB / 1024), else 80."""
    value = env.get("GPU_MEMORY_GB", "").strip()
    if value:
        try:
            gib = float(value)
        except ValueError:
            raise UserError(f"GPU_MEMORY_GB={value!r} is not a number (GiB per GPU, e.g. 80 or 140.4)") from None
        if gib <= 0:
            raise UserError(f"GPU_MEMORY_GB={value!r} must be positive (GiB per GPU)")
        return gib, "GPU_MEMORY_GB"
    if which("nvidia-smi"):
        done = run(QUERY, capture_output=True, text=True, timeout=30, check=False)
        sizes = [int(line) for line in done.stdout.split() if line.strip().isdigit()]
        if done.returncode == 0 and sizes:
            return min(sizes) / 1024, f"nvidia-smi ({len(sizes)} GPU(s), smallest)"
    return DEFAULT_GPU_MEMORY_GB, "default (no nvidia-smi; set GPU_MEMORY_GB)"
