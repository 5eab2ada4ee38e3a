"""``longrlvr data validate FILE.parquet`` and the data-building tasks (``longrlvr.commands.data_build``)."""

from __future__ import annotations

import argparse
import sys

from longrlvr.commands.data_build import add_tasks
from longrlvr.data import read_parquet, validate_rows


def add_parser(sub: argparse._SubParsersAction) -> None:
    data = sub.add_parser(
        "data", help="validate datasets; build them (data_gen pipeline, KeyChain, ContextRL, NIAH, ...)"
    ).add_subparsers(dest="data_command", required=True)
    validate = data.add_parser("validate", help="check parquet rows against the LongRLVR schema")
    validate.add_argument("files", nargs="+", help="parquet files")
    validate.add_argument("--max-errors", type=int, default=50, help="errors printed per file")
    validate.set_defaults(func=run_validate)
    add_tasks(data)


def run_validate(args: argparse.Namespace) -> int:
    failed = False
    for path in args.files:
        try:
            rows = read_parquet(path)
        except (OSError, ValueError) as exc:
            print(f"{path}: cannot read: {exc}", file=sys.stderr)
            failed = True
            continue
        errors = validate_rows(rows)
        for err in errors[: args.max_errors]:
            print(f"{path}: {err}", file=sys.stderr)
        if len(errors) > args.max_errors:
            print(f"{path}: ... {len(errors) - args.max_errors} more", file=sys.stderr)
        bad_rows = len({e.row for e in errors})
        print(f"{path}: {len(rows)} rows, {bad_rows} invalid")
        failed |= bool(errors)
    return 1 if failed else 0
