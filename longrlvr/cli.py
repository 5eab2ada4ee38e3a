"""The ``longrlvr`` command. Each subcommand lives in its own module under ``longrlvr.commands``."""

from __future__ import annotations

import argparse
import importlib
import sys

# name -> module with ``add_parser(subparsers)`` that sets ``func`` (args -> exit code) on its parser.
COMMANDS = {
    "data": "longrlvr.commands.data",
    "eval": "longrlvr.commands.eval",
    "reward": "longrlvr.commands.reward",
    "train": "longrlvr.commands.train",
}


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="longrlvr", description=__doc__)
    sub = parser.add_subparsers(dest="command", required=True)
    for module in COMMANDS.values():
        importlib.import_module(module).add_parser(sub)
    return parser


def main(argv: list[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    return int(args.func(args) or 0)


if __name__ == "__main__":
    sys.exit(main())
