"""``longrlvr export CKPT --out DIR``: HF weights + tokenizer from a verl checkpoint (verl's model merger)."""

from __future__ import annotations

import argparse
import json
from pathlib import Path


def add_parser(sub: argparse._SubParsersAction) -> None:
    ex = sub.add_parser("export", help="HF model (weights, tokenizer, chat template) from a verl checkpoint")
    ex.add_argument("checkpoint", help="global_step_N, its actor/, or the run's checkpoint dir (its latest step)")
    ex.add_argument("--out", help="target directory (default: global_step_N/actor/hf, the cache eval run uses)")
    ex.add_argument("--overwrite", action="store_true", help="re-export even when --out already holds a model")
    ex.set_defaults(func=run_export)


def run_export(args: argparse.Namespace) -> int:
    from longrlvr.errors import UserError
    from longrlvr.eval.model_source import EXPORT_SUBDIR
    from longrlvr.integrations.verl.export import actor_dir, export_actor, latest_step_dir

    source = Path(args.checkpoint).expanduser()
    step = latest_step_dir(source) or source
    actor = actor_dir(step)
    if actor is None:
        raise UserError(f"{args.checkpoint}: not a verl checkpoint (no fsdp_config.json in it or its actor/)")
    out = Path(args.out) if args.out else actor / EXPORT_SUBDIR
    result = export_actor(actor, out.expanduser().resolve(), overwrite=args.overwrite)
    print(json.dumps({"out": str(result.out_dir), "source": str(result.source), "reused": result.reused}))
    return 0
