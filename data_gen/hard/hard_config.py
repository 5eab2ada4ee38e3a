"""``python -m data_gen.<name>`` for the hard-data commands (their settings load with longrlvr.config_loader)."""

from __future__ import annotations

import argparse
import sys
from collections.abc import Callable
from typing import Any

from longrlvr.errors import UserError


def run_module_command(name: str, add_parser: Callable[[Any], None]) -> None:
    """Run one hard-data command as ``python -m data_gen.<name> ARGS`` (its parser from ``add_parser``);
    a :class:`UserError` is one line on stderr and exit 2."""
    parser = argparse.ArgumentParser(prog=f"python -m data_gen.{name}")
    add_parser(parser.add_subparsers(dest="cmd"))
    args = parser.parse_args([name, *sys.argv[1:]])
    try:
        args.func(args)
    except UserError as exc:
        sys.exit(f"python -m data_gen.{name}: error: {exc}")
