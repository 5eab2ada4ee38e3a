"""Run every benchmark and regenerate the README's benchmark table from what they return.

    python benchmarks/run_all.py            full runs (tens of minutes on 2 cores); rewrites README.md's table
    python benchmarks/run_all.py --quick    seconds-long smoke runs of every benchmark (CI); prints the table only

Each ``benchmarks/bench_*.py`` has ``main(argv) -> (label, result)``, prints its own report, and measures its
baseline in the same run. The README table lies between the two ``BEGIN``/``END`` marker comments below, so
its numbers come from the code that is checked in.
"""

from __future__ import annotations

import argparse
import importlib.util
import re
import sys
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
README = HERE.parent / "README.md"
BEGIN, END = "<!-- benchmarks: BEGIN (python benchmarks/run_all.py) -->", "<!-- benchmarks: END -->"
# the order of the README table; extra arguments of each full run
BENCHMARKS = {
    "bench_chunking": [],
    "bench_parse": ["--baseline"],
    "bench_local_engine": [],
    "bench_judge": ["--prompts", "32", "--samples", "8"],
    "bench_data_gen": [],
    "bench_validate_memory": [],
}


def load(name: str):
    spec = importlib.util.spec_from_file_location(name, HERE / f"{name}.py")
    module = importlib.util.module_from_spec(spec)
    sys.modules[name] = module  # by this name, so that a benchmark's worker processes can unpickle its functions
    spec.loader.exec_module(module)
    return module


def table(rows: list[tuple[str, str]]) -> str:
    return "\n".join(["| benchmark | result |", "|---|---|", *(f"| {label} | {result} |" for label, result in rows)])


def write_readme(text: str) -> None:
    readme = README.read_text()
    pattern = re.compile(re.escape(BEGIN) + ".*?" + re.escape(END), re.S)
    if not pattern.search(readme):
        sys.exit(f"{README}: no benchmark table markers ({BEGIN} ... {END})")
    README.write_text(pattern.sub(lambda _: f"{BEGIN}\n{text}\n{END}", readme))


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="seconds-long runs; print the table, leave README alone")
    parser.add_argument("--only", nargs="*", choices=sorted(BENCHMARKS), help="run only these")
    args = parser.parse_args(argv)
    rows = []
    for name, extra in BENCHMARKS.items():
        if args.only and name not in args.only:
            continue
        if not (HERE / f"{name}.py").exists():
            continue
        print(f"\n=== {name} {'--quick' if args.quick else ' '.join(extra)}", flush=True)
        start = time.perf_counter()
        rows.append(load(name).main(["--quick"] if args.quick else extra))
        print(f"=== {name}: {time.perf_counter() - start:.1f} s", flush=True)
    text = table(rows)
    print("\n" + text)
    if not args.quick and not args.only:
        write_readme(text)
        print(f"\nwrote the table into {README}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
