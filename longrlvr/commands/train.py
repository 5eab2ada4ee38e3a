"""``longrlvr train``: LongRLVR training — verl 0.9.1 on a GPU cluster, or the embedded local engine.

  longrlvr train [--dry-run] [key=value ...]                  verl (what run_longrl.sh runs; settings from the
                                                              environment, see docs/cluster.md)
  longrlvr train --engine local [--config NAME|PATH] [--out RUN] [key=value ...]   the single-process local engine
  longrlvr train --engine local --out RUN --resume           continue RUN with its saved config (RUN/config.yaml)
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
    parser.add_argument(
        "--resume",
        action="store_true",
        help="local: continue the run in --out from its newest checkpoint, with its saved config (trainer.resume=true)",
    )
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
        overrides = [*args.overrides, *(["trainer.resume=true"] if args.resume else [])]
        return run_local(
            local_config_source(args.config, args.out, overrides), [*overrides, *_out("run_dir", args.out)]
        )
    if args.resume:
        raise UserError("--resume is the local engine's; verl resumes with trainer.resume_mode=auto (the default)")
    return run_verl(args, env)


def local_config_source(config: str | None, out: str | None, overrides: Sequence[str]) -> str:
    """The base config of a local run: ``--config``, else the run's own saved config when resuming ``--out``
    (so ``--out RUN --resume`` alone continues RUN; overrides that change the run are refused, naming them),
    else the shipped default."""
    if config is not None:
        return config
    saved = Path(out) / "config.yaml" if out else None
    if saved is not None and saved.is_file() and _resuming(overrides):
        return str(saved)
    return "default"


def _resuming(overrides: Sequence[str]) -> bool:
    values = [o.split("=", 1)[1].strip().lower() for o in overrides if o.lstrip("+").startswith("trainer.resume=")]
    return bool(values) and values[-1] in ("true", "yes", "on", "1")


def _out(key: str, out: str | None) -> list[str]:
    return [f"{key}={out}"] if out else []


def run_local(config: str, overrides: Sequence[str]) -> int:
    """The local engine on ``config`` (shipped name or path) with ``key=value`` overrides; prints the summary."""
    os.environ.setdefault("TOKENIZERS_PARALLELISM", "false")
    from longrlvr.local.config import load_config
    from longrlvr.local.preflight import check_updates
    from longrlvr.local.stop import Stopped
    from longrlvr.local.summary import summary
    from longrlvr.local.trainer import train

    cfg = load_config(overrides, config)  # unknown key, out-of-range value -> one-line UserError, before any model
    try:
        result = train(cfg)
    except Stopped as stop:  # SIGTERM / SIGINT: the step finished and was saved (or a second signal abandoned it)
        print(f"longrlvr train: {stop}", file=sys.stderr)
        return stop.exit_code
    print(summary(result))
    check_updates(result.updates, result.steps_run, result.signal_groups, result.sampled_groups)  # TaskFailed: 1
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
