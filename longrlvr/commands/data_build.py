"""``longrlvr data <task>``: the data-building tools of ``data_gen``, one subcommand each.

Each subcommand hands its arguments to the module's own parser (imported only when it runs, so
``longrlvr --help`` stays fast); ``python -m data_gen ...`` remains an alias. Every task names its output
``--out`` and takes ``--config`` as a shipped ``data_gen`` name or a YAML path (longrlvr.config_loader).
"""

from __future__ import annotations

import argparse
import importlib
from collections.abc import Sequence
from dataclasses import dataclass

from longrlvr.errors import UserError


@dataclass(frozen=True)
class Task:
    """A data_gen entry point: ``module.main(argv)`` (``argv_head`` first) or ``module.add_parser`` (``parser``)."""

    module: str
    help: str
    argv_head: tuple[str, ...] = ()
    parser: bool = False  # the module defines add_parser(subparsers) registering a subcommand of this name


TASKS = {
    "run": Task(
        "longrlvr.data_gen.__main__",
        "grounded-QA pipeline: every stage (resuming), then train/val parquet "
        "(--config NAME|PATH, e.g. data_gen/example)",
        ("run",),
    ),
    "stage": Task("longrlvr.data_gen.__main__", "run one pipeline stage (resuming)", ("stage",)),
    "toy-corpus": Task(
        "longrlvr.data_gen.__main__", "write a generated corpus of topical documents (smoke runs)", ("toy-corpus",)
    ),
    "keychain": Task("longrlvr.data_gen.hard.keychain", "KeyChain items from HotpotQA/MuSiQue/2Wiki", parser=True),
    "contextrl": Task("longrlvr.data_gen.hard.contextrl", "ContextRL auxiliary rows (select / augment)", parser=True),
    "niah": Task("longrlvr.data_gen.hard.niah", "needle-in-a-haystack stress sets", parser=True),
    "difficulty": Task(
        "longrlvr.data_gen.hard.difficulty", "keep questions a model solves sometimes but not always", parser=True
    ),
    "curriculum": Task(
        "longrlvr.data_gen.hard.curriculum", "length curriculum: bucket a parquet file, plan or run the phases"
    ),
}


def add_tasks(data_sub: argparse._SubParsersAction) -> None:
    """Register every task under ``longrlvr data`` (arguments pass through to the module's parser)."""
    for name, task in TASKS.items():
        # prefix_chars that never occur: every argument (options included) reaches the module's parser
        parser = data_sub.add_parser(name, help=task.help, add_help=False, prefix_chars="\0")
        parser.add_argument("argv", nargs=argparse.REMAINDER)
        parser.set_defaults(func=lambda args, name=name: run_task(name, args.argv))


def run_task(name: str, argv: Sequence[str]) -> int:
    task = TASKS[name]
    module = importlib.import_module(task.module)
    try:
        if task.parser:
            parser = argparse.ArgumentParser(prog="longrlvr data")
            module.add_parser(parser.add_subparsers(dest="task"))
            args = parser.parse_args([name, *argv])
            return int(args.func(args) or 0)
        prog = "longrlvr data" if task.argv_head else f"longrlvr data {name}"
        return int(module.main([*task.argv_head, *argv], prog=prog) or 0)
    except FileNotFoundError as exc:
        raise UserError(f"{exc.filename or exc}: file not found") from exc
