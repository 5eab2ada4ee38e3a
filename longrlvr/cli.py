"""longrlvr: long-context RL with verifiable context rewards. One command per task:

  train     train with verl on a GPU cluster, or the embedded local engine (--engine local)
  data      validate datasets; build them (grounded-QA pipeline, KeyChain, ContextRL, NIAH, difficulty, curriculum)
  eval      generate on long-context benchmarks, score them, compare runs
  reward    score responses with the LongRLVR reward
  configs   list the shipped configs, copy one out to edit

Exit codes: 0 success, 1 the task ran and found a problem (e.g. invalid rows), 2 bad input (a one-line
message naming the file, row or key; no traceback).
"""

from __future__ import annotations

import argparse
import importlib
import sys

from longrlvr.errors import UserError

# name -> module with ``add_parser(subparsers)`` that sets ``func`` (args -> exit code) on its parser.
COMMANDS = {
    "train": "longrlvr.commands.train",
    "data": "longrlvr.commands.data",
    "eval": "longrlvr.commands.eval",
    "reward": "longrlvr.commands.reward",
    "configs": "longrlvr.commands.configs",
}


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="longrlvr", description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    sub = parser.add_subparsers(dest="command", required=True, metavar="{" + ",".join(COMMANDS) + "}")
    for module in COMMANDS.values():
        importlib.import_module(module).add_parser(sub)
    return parser


def main(argv: list[str] | None = None) -> int:
    """Parse, run, map errors: :class:`UserError` -> one line on stderr and exit 2 (argparse errors exit 2 too)."""
    args = build_parser().parse_args(argv)
    try:
        return int(args.func(args) or 0)
    except UserError as exc:
        print(f"longrlvr {args.command}: error: {exc}", file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        print(f"longrlvr {args.command}: interrupted", file=sys.stderr)
        return 130


if __name__ == "__main__":
    sys.exit(main())
