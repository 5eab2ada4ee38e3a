"""``longrlvr reward score``: score one response, or a jsonl of responses, and print the components."""

from __future__ import annotations

import argparse
import json
from pathlib import Path
from typing import Any

from longrlvr import jsonl
from longrlvr.errors import UserError
from longrlvr.rewards import MODES, compute_score

_FIELDS = ("data_source", "response", "ground_truth", "ref_chunks", "num_chunks")


def add_parser(sub: argparse._SubParsersAction) -> None:
    reward = sub.add_parser("reward", help="the LongRLVR reward").add_subparsers(dest="reward_command", required=True)
    score = reward.add_parser("score", help="score responses and print reward components as JSON lines")
    src = score.add_mutually_exclusive_group(required=True)
    src.add_argument("--response", help="one response text")
    src.add_argument("--jsonl", help=f"file of JSON objects with fields {', '.join(_FIELDS)}")
    score.add_argument("--ground-truth", action="append", help="gold answer (repeat for several)")
    score.add_argument("--ref-chunks", default="", help="reference chunk ids, comma separated")
    score.add_argument("--num-chunks", type=int, help="number of chunks in the prompt")
    score.add_argument("--data-source", default="longrlvr")
    score.add_argument("--mode", choices=MODES, default="longrlvr")
    score.add_argument("--beta", type=float, default=2.0)
    score.add_argument("--dedup", action="store_true", help="count duplicate ids once in precision")
    score.set_defaults(func=run_score)


def _score_item(item: dict[str, Any], args: argparse.Namespace) -> dict[str, Any]:
    extra = {"ref_chunks": item.get("ref_chunks") or [], "num_chunks": item.get("num_chunks")}
    return compute_score(
        item.get("data_source", args.data_source),
        item["response"],
        item["ground_truth"],
        extra,
        mode=args.mode,
        beta=args.beta,
        dedup=args.dedup,
    )


def run_score(args: argparse.Namespace) -> int:
    if args.response is not None:
        if not args.ground_truth:
            raise UserError("--ground-truth is required with --response")
        try:
            refs = [int(r) for r in args.ref_chunks.split(",") if r.strip()]
        except ValueError as exc:
            raise UserError(f"--ref-chunks {args.ref_chunks!r}: not comma-separated integers") from exc
        items = [
            {
                "response": args.response,
                "ground_truth": args.ground_truth,
                "ref_chunks": refs,
                "num_chunks": args.num_chunks,
            }
        ]
    else:
        if not Path(args.jsonl).is_file():
            raise UserError(f"{args.jsonl}: file not found")
        items = jsonl.read(args.jsonl)  # a bad line is a UserError naming file:line
        for lineno, item in enumerate(items, 1):
            missing = [f for f in ("response", "ground_truth") if f not in item]
            if missing:
                raise UserError(f"{args.jsonl}:{lineno}: missing field(s) {missing}")
    for lineno, item in enumerate(items, 1):
        try:
            print(json.dumps(_score_item(item, args)))
        except ValueError as exc:  # an unknown data_source or setting: a user error, named
            where = f"{args.jsonl}:item {lineno}" if args.jsonl else "reward score"
            raise UserError(f"{where}: {exc}") from None
    return 0
