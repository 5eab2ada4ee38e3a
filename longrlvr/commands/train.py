"""``longrlvr train``: LongRLVR training on a GPU cluster with upstream verl (what run_longrl.sh runs)."""

from __future__ import annotations

import argparse


def add_parser(sub: argparse._SubParsersAction) -> None:
    from longrlvr.integrations.launch import add_arguments, run

    parser = sub.add_parser(
        "train", help="train with verl 0.9.1 (settings from the environment, see docs/cluster.md; --dry-run on CPU)"
    )
    add_arguments(parser).set_defaults(func=lambda args: run(args.dry_run, args.overrides, rehearse=args.rehearse))
