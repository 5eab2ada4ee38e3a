"""``longrlvr eval``: score prediction files as the official benchmark code does."""

from __future__ import annotations

import argparse
import json

from longrlvr.eval.scoring import BENCHMARKS, score_file


def add_parser(sub: argparse._SubParsersAction) -> None:
    ev = sub.add_parser("eval", help="evaluate checkpoints on long-context benchmarks")
    cmds = ev.add_subparsers(dest="eval_command", required=True)
    score = cmds.add_parser("score", help="score a prediction file; prints one JSON object")
    score.add_argument("--benchmark", choices=BENCHMARKS, required=True)
    score.add_argument("--input", required=True, help="prediction jsonl (RULER: a file or a directory of task files)")
    score.add_argument("--variant", default="raw", help="RULER/NIAH: raw (whole response) or answer_only")
    score.add_argument("--out", help="directory for summary files / scored jsonl")
    score.set_defaults(func=run_score)


def run_score(args: argparse.Namespace) -> int:
    print(json.dumps(score_file(args.benchmark, args.input, args.variant, args.out), ensure_ascii=False))
    return 0
