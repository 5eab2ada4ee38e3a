"""Parse + score cost on hostile responses: seconds per MB from 64 KB to 16 MB, per adversarial family.

    python benchmarks/bench_parse.py [--max-mb 16] [--baseline]

Each family is a response shape a policy can write to make a reader slow (repeated open tags, thousands of
ids, a 16-million-digit id, whitespace between option letters ...). Every response goes through
``longrlvr.rewards.compute_score`` (parser, rule answer scorer, context score), the path of every reward call.
Time is CPU time of this process (``time.process_time``; the machine is shared, wall time is inflated).

Prints a table of s/MB per size and, per family, ``growth`` = the largest ratio of the s/MB at one size to the
smallest s/MB at any smaller size (the goal: <= 2, i.e. linear time; a quadratic reader grows 4x per 4x size
step; a fixed per-call overhead makes small sizes dearer per MB, which is not growth) and the worst s/MB (the
goal: < 0.1). ``--baseline`` also times the authors' reader
(``re.finditer('<answer>(.*?)</answer>')``, the pattern the old parser used too) on the repeated-open-tag family
at 16 and 32 KB, in the same run, to show what the linear scan replaces.
"""

from __future__ import annotations

import argparse
import re
import time
from collections.abc import Callable

from tqdm import tqdm

from longrlvr.rewards import compute_score

KB = 1024
MB = 1024 * KB
TAIL = "<useful_chunks><CHUNK_1></useful_chunks><answer>Paris</answer>"


def repeat_to(unit: str, size: int) -> str:
    return unit * max(1, size // len(unit))


# family -> (data_source, size -> response)
FAMILIES: dict[str, tuple[str, Callable[[int], str]]] = {
    "open_answer_tags": ("longrlvr", lambda n: repeat_to("<answer>", n)),
    "open_tags_then_close": ("longrlvr", lambda n: repeat_to("<answer><useful_chunks>", n) + "</answer>"),
    "many_answer_pairs": ("longrlvr", lambda n: repeat_to("<answer>x</answer>", n)),
    "think_closes": ("longrlvr", lambda n: repeat_to("</think><answer>", n) + TAIL),
    "many_chunk_ids": (
        "longrlvr",
        lambda n: "<useful_chunks>" + repeat_to("<CHUNK_1234>, ", n) + "</useful_chunks><answer>Paris</answer>",
    ),
    "closing_chunk_tags": (
        "longrlvr",
        lambda n: "<useful_chunks>" + repeat_to("</CHUNK_7>", n) + "</useful_chunks><answer>Paris</answer>",
    ),
    "huge_digit_id": ("longrlvr", lambda n: "<useful_chunks><CHUNK_" + "9" * n + "></useful_chunks><answer>P</answer>"),
    "chunk_then_spaces": (
        "longrlvr",
        lambda n: "<useful_chunks>" + repeat_to("chunk" + " " * 200, n) + "</useful_chunks><answer>Paris</answer>",
    ),
    "long_free_answer": (
        "ruler_qa",
        lambda n: "<useful_chunks>1</useful_chunks><answer>" + repeat_to("Paris word ", n) + "</answer>",
    ),
    "number_list_answer": (
        "niah",
        lambda n: "<useful_chunks>1</useful_chunks><answer>" + repeat_to("4, 2, ", n) + "</answer>",
    ),
    "choice_spaces": ("longbench_v2", lambda n: "<useful_chunks></useful_chunks><answer>A" + " " * n + "B</answer>"),
    "answer_is_spaces": (
        "longbench_v2",
        lambda n: "<useful_chunks></useful_chunks><answer>" + repeat_to("the answer is" + " " * 100, n) + "</answer>",
    ),
}
EXTRA = {"ref_chunks": [1, 2], "num_chunks": 10}


def cpu_seconds(fn: Callable[[], object], min_time: float = 0.05) -> float:
    """CPU seconds of one call (mean over as many calls as fit in ``min_time``, at least one)."""
    calls, start = 0, time.process_time()
    while True:
        fn()
        calls += 1
        spent = time.process_time() - start
        if spent >= min_time or calls >= 50:
            return spent / calls


def authors_reader(text: str) -> int:
    """The authors' extraction (and the old parser's pattern): a non-greedy scan per opening tag."""
    return len(list(re.finditer("<answer>(.*?)</answer>", text, re.DOTALL)))


def main(argv: list[str] | None = None) -> tuple[str, str]:
    """Run, print the report; returns the README row (what was measured, the result)."""
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--max-mb", type=float, default=16.0, help="largest response size in MB (default 16)")
    parser.add_argument("--baseline", action="store_true", help="also time the authors' regex reader at 16/32 KB")
    parser.add_argument("--quick", action="store_true", help="a seconds-long smoke run (64 KB and 256 KB)")
    args = parser.parse_args(argv)
    if args.quick:
        args.max_mb = 0.25
    sizes = [64 * KB]
    while sizes[-1] * 4 <= args.max_mb * MB:
        sizes.append(sizes[-1] * 4)
    rows = []
    for name, (source, make) in tqdm(FAMILIES.items(), desc="families", unit="family"):
        per_mb = []
        for size in sizes:
            text = make(size)
            seconds = cpu_seconds(lambda s=source, t=text: compute_score(s, t, "Paris", EXTRA))
            per_mb.append(seconds / (len(text) / MB))
        rows.append((name, per_mb))
    header = f"{'family':<22}" + "".join(f"{s // KB:>9} KB" for s in sizes) + f"{'growth':>8}{'worst':>10}  goal"
    print("\nCPU seconds per MB of response (parse + score)\n" + header)
    all_ok, growths, worsts = True, [], []
    for name, per_mb in rows:
        flat = max((per_mb[i] / min(per_mb[:i]) for i in range(1, len(per_mb))), default=1.0)
        worst = max(per_mb)
        ok = flat <= 2.0 and worst < 0.1
        growths.append(flat)
        worsts.append(worst)
        all_ok &= ok
        cells = "".join(f"{v:>12.4f}" for v in per_mb)
        print(f"{name:<22}{cells}{flat:>8.2f}{worst:>10.4f}  {'ok' if ok else 'MISSED'}")
    print(f"goal (growth <= 2x across sizes and < 0.1 s/MB): {'met by every family' if all_ok else 'MISSED'}")
    label = (
        f"`benchmarks/bench_parse.py` (parse + score, {len(FAMILIES)} hostile output families, "
        f"64 KB -> {sizes[-1] // KB:,} KB)"
    )
    result = (
        f"worst {max(worsts):.3f} s/MB CPU (goal < 0.1), "
        f"per-MB cost within {max(growths):.2f}x across sizes (goal <= 2x)"
    )
    if args.baseline:
        make = FAMILIES["open_answer_tags"][1]
        small, large = (cpu_seconds(lambda n=n: authors_reader(make(n * KB)), 0.0) for n in (16, 32))
        ours = cpu_seconds(lambda: compute_score("longrlvr", make(32 * KB), "Paris", EXTRA))
        print(
            f"baseline, authors' regex reader on open_answer_tags: 16 KB {small:.3f} s, 32 KB {large:.3f} s "
            f"(x{large / small:.1f} for 2x the size: quadratic); ours at 32 KB {ours:.5f} s "
            f"({large / ours:.0f}x faster)"
        )
        result += f"; the authors' regex reader: {small:.3f} s at 16 KB -> {large:.3f} s at 32 KB (quadratic)"
    return label, result


if __name__ == "__main__":
    main()
