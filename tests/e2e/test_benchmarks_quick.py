"""Every benchmark runs in its --quick mode (the documented command), so none rots between full runs."""

import subprocess
import sys
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[2]


@pytest.mark.slow
def test_run_all_quick_runs_every_benchmark_and_prints_the_table():
    done = subprocess.run(
        [sys.executable, "benchmarks/run_all.py", "--quick"], cwd=REPO, capture_output=True, text=True, timeout=900
    )
    assert done.returncode == 0, done.stdout[-3000:] + done.stderr[-3000:]
    benches = sorted(p.stem for p in (REPO / "benchmarks").glob("bench_*.py"))
    table = done.stdout[done.stdout.rindex("| benchmark | result |") :]
    for name in benches:
        assert f"`benchmarks/{name}.py`" in table, name
    assert "x" in table and "nan" not in table.lower()
