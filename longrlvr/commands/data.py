"""``longrlvr data validate FILE.parquet``, ``longrlvr data convert IN.parquet --out OUT.parquet`` and the
data-building tasks (``longrlvr.commands.data_pipeline``, ``longrlvr.commands.data_hard``)."""

from __future__ import annotations

import argparse
import sys

from longrlvr.commands import data_hard, data_pipeline
from longrlvr.data import iter_rows, read_parquet, validate_row, validate_rows
from longrlvr.data.io import EmptyDataset
from longrlvr.data.sources import reward_sources
from longrlvr.errors import UserError, one_line


def add_parser(sub: argparse._SubParsersAction) -> None:
    data = sub.add_parser(
        "data", help="validate datasets; build them (data_gen pipeline, KeyChain, ContextRL, NIAH, ...)"
    ).add_subparsers(dest="data_command", required=True)
    validate = data.add_parser("validate", help="check parquet rows against the LongRLVR schema")
    validate.add_argument("files", nargs="+", help="parquet files")
    validate.add_argument("--max-errors", type=int, default=50, help="errors printed per file")
    validate.add_argument(
        "--reward-config",
        help="training config whose reward.reward_kwargs.sources (verl) or reward.sources (local) add data sources",
    )
    validate.set_defaults(func=run_validate)
    convert = data.add_parser("convert", help="convert rows in the authors' released inline format into ours")
    convert.add_argument("input", help="parquet file with rows in the release format (Document: + <CHUNK_i>text)")
    convert.add_argument("--out", help="parquet file to write (atomically)")
    convert.add_argument("output", nargs="?", help=argparse.SUPPRESS)  # old spelling: IN OUT
    convert.add_argument("--data-source", help="set data_source on every row (e.g. longrlvr)")
    convert.set_defaults(func=run_convert)
    for add_task in (*data_pipeline.TASKS, *data_hard.TASKS):
        add_task(data)


def run_validate(args: argparse.Namespace) -> int:
    """Stream each file in row batches (memory bounded by one batch); every error counted, the first printed."""
    sources = reward_sources(args.reward_config)
    failed = False
    for path in args.files:
        rows = errors = 0
        bad_rows: set[int] = set()
        try:
            for i, row in enumerate(iter_rows(path)):
                rows += 1
                for err in validate_row(i, row, sources):
                    if errors < args.max_errors:
                        print(f"{path}: {err}", file=sys.stderr)
                    errors += 1
                    bad_rows.add(i)
        except EmptyDataset as exc:  # the file is there and is parquet: invalid data, like a bad row (exit 1)
            print(f"{path}: {one_line(exc)}", file=sys.stderr)
            failed = True
            continue
        except (OSError, ValueError) as exc:  # a file that is missing or not parquet: bad input, exit 2
            raise UserError(f"{path}: cannot read: {one_line(exc)}") from exc
        if errors > args.max_errors:
            print(f"{path}: ... {errors - args.max_errors} more", file=sys.stderr)
        print(f"{path}: {rows} rows, {len(bad_rows)} invalid")
        failed |= bool(errors)
    return 1 if failed else 0


def run_convert(args: argparse.Namespace) -> int:
    from pathlib import Path

    from longrlvr import jsonl
    from longrlvr.data import write_parquet
    from longrlvr.data.convert import ConvertError, convert_rows

    if (args.out is None) == (args.output is None):
        raise UserError("data convert: give the output parquet once, as --out FILE")
    try:
        rows = convert_rows(read_parquet(args.input), args.data_source)
    except (OSError, ValueError) as exc:
        detail = str(exc) if isinstance(exc, ConvertError) else f"cannot read: {one_line(exc)}"
        raise UserError(f"{args.input}: {detail}") from exc
    out = Path(args.out or args.output)
    with jsonl.atomic_path(out) as tmp:
        write_parquet(rows, tmp)
    errors = validate_rows(rows)
    print(f"{out}: {len(rows)} rows converted, {len({e.row for e in errors})} invalid")
    for err in errors[:10]:
        print(f"{out}: {err}", file=sys.stderr)
    return 1 if errors else 0
