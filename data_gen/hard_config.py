"""Settings dataclasses from YAML files plus command-line overrides (shared by the hard-data commands)."""

from __future__ import annotations

import argparse
import sys
from collections.abc import Callable
from dataclasses import fields
from pathlib import Path
from typing import Any, TypeVar

from omegaconf import OmegaConf

T = TypeVar("T")


def settings_from_yaml(cls: type[T], path: str | Path | None, **overrides: Any) -> T:
    """``cls(**yaml, **overrides)``; None overrides are ignored, unknown YAML keys are an error naming the file.

    List values become tuples (the settings dataclasses are frozen).
    """
    values = dict(OmegaConf.to_container(OmegaConf.load(path), resolve=True)) if path else {}
    unknown = set(values) - {f.name for f in fields(cls)}
    if unknown:
        raise ValueError(f"{path}: unknown {cls.__name__} settings {sorted(unknown)}")
    values.update({k: v for k, v in overrides.items() if v is not None})
    return cls(**{k: tuple(v) if isinstance(v, list) else v for k, v in values.items()})


def run_module_command(name: str, add_parser: Callable[[Any], None]) -> None:
    """Run one hard-data command as ``python -m data_gen.<name> ARGS`` (its parser from ``add_parser``)."""
    parser = argparse.ArgumentParser(prog=f"python -m data_gen.{name}")
    add_parser(parser.add_subparsers(dest="cmd"))
    args = parser.parse_args([name, *sys.argv[1:]])
    args.func(args)
