"""longrlvr: long-context RL with verifiable context rewards. One command per task:

  train     train with verl on a GPU cluster, or the embedded local engine (--engine local)
  data      validate datasets; build them (grounded-QA pipeline, KeyChain, ContextRL, NIAH, difficulty, curriculum)
  eval      generate on long-context benchmarks, score them, compare runs
  reward    score responses with the LongRLVR reward
  configs   list the shipped configs, copy one out to edit
  export    HF weights + tokenizer/chat template from a verl checkpoint (verl's model merger)

Exit codes: 0 success, 1 the task ran and found a problem (e.g. invalid rows), 2 bad input (a one-line
message naming the file, row or key; no traceback).
"""

from __future__ import annotations

import argparse
import importlib
import signal
import sys
import threading
from collections.abc import Sequence

from longrlvr.errors import TaskFailed, UserError, one_line

# name -> module with ``add_parser(subparsers)`` that sets ``func`` (args -> exit code) on its parser.
COMMANDS = {
    "train": "longrlvr.commands.train",
    "data": "longrlvr.commands.data",
    "eval": "longrlvr.commands.eval",
    "reward": "longrlvr.commands.reward",
    "configs": "longrlvr.commands.configs",
    "export": "longrlvr.commands.export",
}
# What a user's mistake can raise outside longrlvr's own error types: a path that is missing or unusable.
FILE_ERRORS = (FileNotFoundError, IsADirectoryError, NotADirectoryError, PermissionError)


def build_parser(prog: str = "longrlvr") -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog=prog, description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    sub = parser.add_subparsers(dest="command", required=True, metavar="{" + ",".join(COMMANDS) + "}")
    for module in COMMANDS.values():
        importlib.import_module(module).add_parser(sub)
    return parser


def parse(argv: Sequence[str] | None, prog: str = "longrlvr") -> argparse.Namespace:
    """Parse ``argv``; ``key=value`` overrides may come before or after options (they join ``overrides``)."""
    parser = build_parser(prog)
    args, extra = parser.parse_known_args(argv)
    if extra and (not hasattr(args, "overrides") or any("=" not in arg or arg.startswith("-") for arg in extra)):
        parser.error(f"unrecognized arguments: {' '.join(extra)}")
    if extra:
        args.overrides = [*args.overrides, *extra]
    return args


def _exit_on_sigterm(signum: int, _frame: object) -> None:
    """SIGTERM unwinds like Ctrl-C does: ``finally`` blocks and context managers run (atomic writes remove their
    temporary files); commands with their own handler (the local engine finishes its step) replace this one."""
    raise SystemExit(128 + signum)


def main(argv: Sequence[str] | None = None, prog: str = "longrlvr") -> int:
    """Parse, run, map errors; the one place that turns an error into an exit code:
    :class:`UserError` and a missing/unusable file -> one line, exit 2; :class:`TaskFailed` -> one line, exit 1."""
    args = parse(argv, prog)
    on_main_thread = threading.current_thread() is threading.main_thread()
    previous = signal.signal(signal.SIGTERM, _exit_on_sigterm) if on_main_thread else None
    try:
        return _run(args, f"{prog} {args.command}")
    finally:
        if on_main_thread:
            signal.signal(signal.SIGTERM, previous)


def _run(args: argparse.Namespace, where: str) -> int:
    try:
        return int(args.func(args) or 0)
    except UserError as exc:
        print(f"{where}: error: {exc}", file=sys.stderr)  # one line per problem, no traceback
        return 2
    except FILE_ERRORS as exc:
        print(f"{where}: error: {exc.filename or exc}: {exc.strerror or one_line(exc)}", file=sys.stderr)
        return 2
    except TaskFailed as exc:
        print(f"{where}: {one_line(exc, limit=2000)}", file=sys.stderr)
        return 1
    except KeyboardInterrupt:
        print(f"{where}: interrupted", file=sys.stderr)
        return 130
