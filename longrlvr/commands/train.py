"""``longrlvr train``: LongRLVR training — verl 0.9.1 on a GPU cluster, or the embedded local engine.

  longrlvr train [--dry-run] [key=value ...]                  verl (what run_longrl.sh runs; settings from the
                                                              environment, see docs/cluster.md)
  longrlvr train --engine local [--config NAME|PATH] [key=value ...]   the single-process local engine
With ``--engine auto`` (the default) a machine without a GPU and without MODEL_PATH runs the local engine.
"""

from __future__ import annotations

import argparse
import os
import sys
from collections.abc import Sequence
from pathlib import Path

from longrlvr.errors import UserError
from longrlvr.settings_env import prefixed_env

ENGINES = ("auto", "verl", "local")


def add_parser(sub: argparse._SubParsersAction) -> None:
    from longrlvr.integrations.verl.launch import add_arguments

    parser = sub.add_parser(
        "train",
        help="train: verl on a GPU cluster (--dry-run checks on CPU) or --engine local",
        description=__doc__,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    parser.add_argument(
        "--engine",
        choices=ENGINES,
        default="auto",
        help="verl (GPU cluster), local (single process, CPU or one GPU), auto (default)",
    )
    parser.add_argument(
        "--config", help="local: a shipped name (default) or a YAML path; verl: a preset name (same as PRESET=)"
    )
    parser.add_argument("--out", help="output directory (local: run_dir; verl: trainer.default_local_dir)")
    add_arguments(parser).set_defaults(func=run_train)


def run_train(args: argparse.Namespace) -> int:
    env = prefixed_env(os.environ)
    from longrlvr.integrations.verl.launch import wants_local_engine, wants_rehearsal

    engine = args.engine
    if engine == "auto":
        cluster = args.dry_run or args.rehearse or wants_rehearsal((), env)
        engine = "local" if not cluster and wants_local_engine(env) else "verl"
    if args.engine == "verl" and not args.dry_run and wants_local_engine(env):
        raise UserError(
            "--engine verl needs a GPU or MODEL_PATH; check the config with --dry-run, "
            "or train on this machine with --engine local"
        )
    if engine == "local":
        if args.engine == "auto":
            print("longrlvr train: no GPU and no MODEL_PATH: running the embedded local engine", file=sys.stderr)
        if args.dry_run:
            raise UserError("--dry-run checks the verl cluster config; the local engine has no dry run")
        return run_local(args.config or "default", [*args.overrides, *_out("run_dir", args.out)])
    return run_verl(args, env)


def _out(key: str, out: str | None) -> list[str]:
    return [f"{key}={out}"] if out else []


def run_local(config: str, overrides: Sequence[str]) -> int:
    """The local engine on ``config`` (shipped name or path) with ``key=value`` overrides; prints the summary."""
    os.environ.setdefault("TOKENIZERS_PARALLELISM", "false")
    from longrlvr.local.config import load_config
    from longrlvr.local.summary import summary
    from longrlvr.local.trainer import train

    cfg = load_config(overrides, config)  # unknown / misspelled keys -> UserError naming the closest key
    result = train(cfg)
    print(summary(result))
    return 0


def run_verl(args: argparse.Namespace, env: dict[str, str]) -> int:
    """verl 0.9.1 through the launcher (dry run, or the real launch)."""
    from longrlvr.integrations.verl.launch import run

    overrides = list(args.overrides)
    if args.config:
        if Path(args.config).suffix in (".yaml", ".yml") or os.sep in args.config:
            raise UserError(f"--config {args.config}: the verl engine takes a preset name (longrlvr configs list)")
        overrides.insert(0, f"preset={args.config}")
    overrides += _out("trainer.default_local_dir", args.out)
    return run(args.dry_run, overrides, env=env, rehearse=args.rehearse, print_config=args.print_config)
