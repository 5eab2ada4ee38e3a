"""``longrlvr configs``: list the configs shipped with the package, print one, or copy one out to edit."""

from __future__ import annotations

import argparse
import shutil
from pathlib import Path

from longrlvr.errors import UserError
from longrlvr.shipped import resolve_config, shipped_configs

_USED_BY = {
    "local": "longrlvr train --engine local --config NAME",
    "eval": "longrlvr eval run --config NAME|PATH (copy one out with: longrlvr configs copy NAME --out FILE)",
    "data_gen": "longrlvr data run|stage|keychain|contextrl|niah|curriculum --config NAME|PATH",
    "llm": "an LLM section (docs/front_door.md): longrlvr data difficulty --llm-config NAME|PATH",
    "judge": "judge presets (docs/judge.md; longrlvr eval score --judge NAME|PATH)",
    "recipe": "the verl recipe: longrlvr train / run_longrl.sh (PRESET=, JUDGE_MODE=)",
}


def add_parser(sub: argparse._SubParsersAction) -> None:
    configs = sub.add_parser("configs", help="list the shipped configs; show or copy one out to edit")
    cmds = configs.add_subparsers(dest="configs_command")
    cmds.add_parser("list", help="the shipped config names (the default)").set_defaults(func=run_list)
    show = cmds.add_parser("show", help="print a shipped config")
    show.add_argument("name", help="shipped name, e.g. local/default or eval/ruler_qa")
    show.set_defaults(func=run_show)
    copy = cmds.add_parser("copy", help="copy a shipped config to a file you can edit and pass to --config")
    copy.add_argument("name", help="shipped name, e.g. local/default")
    copy.add_argument("--out", required=True, help="destination file (or directory)")
    copy.add_argument("--force", action="store_true", help="overwrite an existing file")
    copy.set_defaults(func=run_copy)
    configs.set_defaults(func=run_list)


def run_list(args: argparse.Namespace) -> int:
    by_group: dict[str, list[str]] = {}
    for name in shipped_configs():
        by_group.setdefault(name.split("/", 1)[0], []).append(name)
    for group, names in by_group.items():
        print(f"{group}: {_USED_BY.get(group, '')}")
        for name in names:
            print(f"  {name}")
    return 0


def _shipped(name: str) -> Path:
    shipped = shipped_configs()
    if name.removesuffix(".yaml") in shipped:
        return shipped[name.removesuffix(".yaml")]
    return resolve_config(name)  # raises a UserError naming the closest shipped name


def run_show(args: argparse.Namespace) -> int:
    print(_shipped(args.name).read_text(encoding="utf-8"), end="")
    return 0


def run_copy(args: argparse.Namespace) -> int:
    src = _shipped(args.name)
    dest = Path(args.out)
    if dest.is_dir():
        dest = dest / src.name
    if dest.exists() and not args.force:
        raise UserError(f"{dest} exists (use --force to overwrite)")
    dest.parent.mkdir(parents=True, exist_ok=True)
    shutil.copyfile(src, dest)
    print(f"copied {args.name} to {dest}; use it with --config {dest}")
    return 0
