"""``longrlvr data <task>``: the data-building tools of ``data_gen``, one subcommand each.

Each subcommand hands its arguments to the module's own parser (imported only when it runs, so
``longrlvr --help`` stays fast); ``python -m data_gen ...`` remains an alias. ``--out`` is accepted
wherever the module calls its output ``--output`` or ``--out-dir``.
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
    out_flag: str = "--output"


TASKS = {
    "run": Task("data_gen.__main__", "grounded-QA pipeline: every stage (resuming), then train/val parquet "
                "(--config NAME|PATH, e.g. data_gen/example)", ("run",)),
    "stage": Task("data_gen.__main__", "run one pipeline stage (resuming)", ("stage",)),
    "toy-corpus": Task("data_gen.__main__", "write a generated corpus of topical documents (smoke runs)",
                       ("toy-corpus",)),
    "keychain": Task("data_gen.keychain", "KeyChain items from HotpotQA/MuSiQue/2Wiki", parser=True),
    "contextrl": Task("data_gen.contextrl", "ContextRL auxiliary rows (select / augment)", parser=True),
    "niah": Task("data_gen.niah", "needle-in-a-haystack stress sets", parser=True),
    "difficulty": Task("data_gen.difficulty", "keep questions a model solves sometimes but not always", parser=True),
    "curriculum": Task("data_gen.curriculum", "length curriculum: bucket a parquet file, plan or run the phases",
                       out_flag="--out-dir"),
}
_CONFIG_GROUP = "data_gen"


def add_tasks(data_sub: argparse._SubParsersAction) -> None:
    """Register every task under ``longrlvr data`` (arguments pass through to the module's parser)."""
    for name, task in TASKS.items():
        # prefix_chars that never occur: every argument (options included) reaches the module's parser
        parser = data_sub.add_parser(name, help=task.help, add_help=False, prefix_chars="\0")
        parser.add_argument("argv", nargs=argparse.REMAINDER)
        parser.set_defaults(func=lambda args, name=name: run_task(name, args.argv))


def _translate(argv: Sequence[str], task: Task) -> list[str]:
    """``--out`` -> the module's output flag; ``--config NAME`` -> the shipped data_gen config's path."""
    from longrlvr.shipped import resolve_config

    out, args = [], list(argv)
    for i, arg in enumerate(args):
        if arg == "--out" or arg.startswith("--out="):
            arg = task.out_flag + arg[len("--out"):]
        elif i > 0 and args[i - 1] == "--config" and not arg.startswith("-"):
            arg = str(resolve_config(arg, _CONFIG_GROUP))
        elif arg.startswith("--config="):
            arg = "--config=" + str(resolve_config(arg.split("=", 1)[1], _CONFIG_GROUP))
        elif task.module == "data_gen.curriculum" and arg.endswith((".yaml", ".yml")) and "=" not in arg:
            arg = str(resolve_config(arg, _CONFIG_GROUP))  # the schedule is a positional YAML
        out.append(arg)
    return out


def run_task(name: str, argv: Sequence[str]) -> int:
    task = TASKS[name]
    argv = _translate(argv, task)
    module = importlib.import_module(task.module)
    try:
        if task.parser:
            parser = argparse.ArgumentParser(prog="longrlvr data")
            module.add_parser(parser.add_subparsers(dest="task"))
            args = parser.parse_args([name, *argv])
            return int(args.func(args) or 0)
        return int(module.main([*task.argv_head, *argv]) or 0)
    except FileNotFoundError as exc:
        raise UserError(f"{exc.filename or exc}: file not found") from exc
