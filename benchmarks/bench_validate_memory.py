"""Peak memory of ``longrlvr data validate`` (streamed) vs the old whole-file read, on one generated file.

    python benchmarks/bench_validate_memory.py [--rows 100000] [--quick] [--keep FILE]

Writes ``--rows`` rows (10 chunks x 200 words each, built with ``longrlvr.data.make_row``) in ONE row group, the
worst case (what ``write_parquet`` wrote before it bounded row groups). Then two child processes, each reporting
its own peak RSS (``VmHWM`` of ``/proc/self/status``: unlike ``ru_maxrss``, it does not inherit the parent's
peak across fork + exec), so neither inherits the generator's or the other's peak:

- ``streamed``: ``longrlvr data validate FILE`` (the command itself, through ``longrlvr.cli.main``);
- ``baseline``: the old path, ``validate_rows(pq.read_table(FILE).to_pylist())``.

Both children import the same modules first, so the difference is the rows held in memory. Prints one table
row per mode and the ratio baseline / streamed; exits 1 when the streamed peak is not under the goal (500 MiB)
or the two disagree on the error count. ``--quick`` (5,000 rows) runs in seconds.
"""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import pyarrow as pa
import pyarrow.parquet as pq

GOAL_MIB = 500
WORDS_PER_CHUNK = 60  # 100K rows: about the 585 MB Arrow file of issue 23
CHUNKS = 10
GENERATE_BATCH = 5000

CHILD = r"""
import json, re, sys
from pathlib import Path
import pyarrow.parquet as pq
from longrlvr.cli import main
from longrlvr.data import validate_rows
path, mode = sys.argv[1], sys.argv[2]
if mode == "streamed":
    rc = main(["data", "validate", path])
else:
    rc = 1 if validate_rows(pq.read_table(path).to_pylist()) else 0
hwm = re.search(r"VmHWM:\s+(\d+) kB", Path("/proc/self/status").read_text())
print(json.dumps({"rc": rc, "peak_mib": int(hwm.group(1)) / 1024}))
"""


def _row(i: int) -> dict:
    from longrlvr.data import make_row

    chunks = [" ".join(f"w{i}x{c}y{k}" for k in range(WORDS_PER_CHUNK)) for c in range(CHUNKS)]
    question = f"Which word starts chunk {i % CHUNKS}?"
    return make_row(chunks=chunks, question=question, answer=f"w{i}x1y0", ref_chunks=[1], index=i)


def generate(path: Path, rows: int) -> None:
    """``rows`` rows in one row group, written batch by batch (the generator's own memory stays small)."""
    writer: pq.ParquetWriter | None = None
    for start in range(0, rows, GENERATE_BATCH):
        table = pa.Table.from_pylist([_row(i) for i in range(start, min(rows, start + GENERATE_BATCH))])
        writer = writer or pq.ParquetWriter(path, table.schema)
        writer.write_table(table, row_group_size=rows)
    assert writer is not None
    writer.close()


def measure(path: Path, mode: str) -> dict:
    started = time.perf_counter()
    done = subprocess.run([sys.executable, "-c", CHILD, str(path), mode], capture_output=True, text=True, check=False)
    result = json.loads(done.stdout.strip().splitlines()[-1])
    return {**result, "seconds": time.perf_counter() - started, "mode": mode}


def main(argv: list[str] | None = None) -> tuple[str, str]:
    """Run, print the report; returns the README row (what was measured, the result). Missing the goal is
    an error (SystemExit 1), so CI's quick run fails when streaming stops bounding memory."""
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--rows", type=int, default=100_000)
    parser.add_argument("--quick", action="store_true", help="5,000 rows (seconds)")
    parser.add_argument("--keep", help="write the generated file here and keep it (default: a temporary file)")
    args = parser.parse_args(argv)
    rows = 5000 if args.quick else args.rows
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(args.keep or Path(tmp) / "rows.parquet")
        generate(path, rows)
        size_mib = path.stat().st_size / 2**20
        results = [measure(path, "streamed"), measure(path, "baseline")]
    print(f"{rows} rows, {CHUNKS} chunks x {WORDS_PER_CHUNK} words, one row group, {size_mib:.0f} MiB parquet")
    print("| mode | peak RSS (MiB) | seconds | rc |\n|---|---|---|---|")
    for r in results:
        print(f"| {r['mode']} | {r['peak_mib']:.0f} | {r['seconds']:.1f} | {r['rc']} |")
    streamed, baseline = results
    ratio = baseline["peak_mib"] / streamed["peak_mib"]
    print(f"baseline / streamed peak: {ratio:.1f}x; goal: streamed < {GOAL_MIB} MiB")
    if not (streamed["peak_mib"] < GOAL_MIB and streamed["rc"] == baseline["rc"] == 0):
        raise SystemExit(
            f"goal missed: streamed peak {streamed['peak_mib']:.0f} MiB (goal < {GOAL_MIB}) or a run failed"
        )
    label = (
        f"`benchmarks/bench_validate_memory.py` (`data validate`, {rows:,} rows, one row group) vs a whole-file read"
    )
    peaks = f"peak {streamed['peak_mib']:.0f} MiB vs {baseline['peak_mib']:.0f} MiB"
    result = f"{peaks} = {ratio:.1f}x less (goal < {GOAL_MIB} MiB)"
    return label, result


if __name__ == "__main__":
    main()
