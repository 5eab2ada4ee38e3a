"""Configs shipped with the package, found the same way in a source checkout and in an installed wheel.

The source tree keeps them at the top level (``configs/``, ``recipe/``); the wheel carries them as
``longrlvr/_shipped/configs`` and ``longrlvr/_shipped/recipe`` (see ``setup.py``). A shipped config is
named by its path under ``configs/`` without ``.yaml`` (``local/default``, ``eval/ruler_qa``); the verl
recipe's files are named ``recipe/...`` (``recipe/preset/qwen2.5-7b-instruct-1m``).
"""

from __future__ import annotations

from pathlib import Path

from longrlvr.errors import UserError, closest

_PACKAGE = Path(__file__).resolve().parent
ROOTS = ("configs", "recipe")
RECIPE_CONFIG = ("recipe", "longrlvr", "config")  # the verl recipe's hydra config directory


def shipped_path(root: str, *parts: str) -> Path:
    """``<root>/<parts...>`` of the shipped files: the wheel's ``longrlvr/_shipped`` or the checkout's top level."""
    if root not in ROOTS:
        raise ValueError(f"unknown shipped root {root!r}; one of {ROOTS}")
    for base in (_PACKAGE / "_shipped", _PACKAGE.parent):
        if (base / root).is_dir():
            return base.joinpath(root, *parts)
    raise FileNotFoundError(f"shipped {root}/ not found next to {_PACKAGE} (broken install?)")


def shipped_configs() -> dict[str, Path]:
    """Every shipped config by name: ``group/name`` for ``configs/``, ``recipe/...`` for the verl recipe."""
    names = {}
    configs = shipped_path("configs")
    for path in sorted(configs.rglob("*.yaml")):
        names[path.relative_to(configs).with_suffix("").as_posix()] = path
    recipe = shipped_path(*RECIPE_CONFIG)
    for path in sorted(recipe.rglob("*.yaml")):
        names["recipe/" + path.relative_to(recipe).with_suffix("").as_posix()] = path
    return names


def resolve_config(value: str | Path, group: str | None = None) -> Path:
    """A config file from a path, or from a shipped name (``default`` in ``group`` ``local``, or ``local/default``).

    An existing file wins over a shipped name; a source-tree path (``configs/eval/tiny.yaml``) also resolves
    to the shipped file when run elsewhere. Raises :class:`UserError`, naming the closest shipped name.
    """
    path = Path(value).expanduser()
    if path.is_file():
        return path
    shipped = shipped_configs()
    name = str(value).removeprefix("configs/").removesuffix(".yaml").removesuffix(".yml")
    for candidate in ([f"{group}/{name}"] if group else []) + [name]:
        if candidate in shipped:
            return shipped[candidate]
    pool = [n.removeprefix(f"{group}/") for n in shipped if group is None or n.startswith(f"{group}/")]
    if path.suffix in (".yaml", ".yml") and not closest(name, pool):
        raise UserError(f"config file not found: {value}")
    hint = closest(name, pool) or f"; shipped: {', '.join(pool)}"
    raise UserError(f"config {str(value)!r} is neither a file nor a shipped {group + ' ' if group else ''}config{hint}")
