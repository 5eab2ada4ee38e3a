"""The one config loader: ``--config NAME|PATH`` plus ``key=value`` overrides, checked against a strict schema.

    cfg = load_config("ruler_qa", ["generation.max_new_tokens=64"], group="eval", schema=EvalSettings)

- ``config``: a YAML path or a shipped name (:func:`longrlvr.shipped.resolve_config`); None = schema defaults.
- ``overrides``: OmegaConf dotlist (``a.b=1``, ``a.c=[x,y]``); they win over the file.
- ``schema``: a dataclass (nested dataclasses for sections). Every key of the file and of the overrides must
  be a field, else :class:`UserError` names the key, the file and the closest valid key; values are
  type-checked by OmegaConf. Without a schema the file is its own schema: overrides may only set keys the
  file has (``+key=value`` adds one).

Returns a ``DictConfig`` (use ``to_object`` for the dataclass instance). Every failure is a ``UserError``.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any, TypeVar

import yaml
from omegaconf import DictConfig, OmegaConf
from omegaconf.errors import OmegaConfBaseException

from longrlvr.errors import UserError, closest
from longrlvr.shipped import resolve_config

T = TypeVar("T")


def check_keys(values: Mapping[str, Any], schema: DictConfig, source: str, prefix: str = "") -> None:
    """Raise :class:`UserError` for the first key of ``values`` (recursively) that ``schema`` does not have.

    Sections recurse when the schema fixes their keys: a dataclass section, or a non-empty mapping of a
    schema file. ``dict``/``Any`` fields and empty mappings accept any key.
    """
    for key, value in values.items():
        full = f"{prefix}{key}"
        if key not in schema:
            valid = [f"{prefix}{k}" for k in schema.keys()]
            raise UserError(f"{source}: unknown key {full!r}{closest(full, valid)}")
        child = schema._get_node(key)
        if isinstance(value, Mapping) and isinstance(child, DictConfig) and _fixed_keys(child):
            check_keys(value, child, source, prefix=f"{full}.")


def _fixed_keys(node: DictConfig) -> bool:
    kind = OmegaConf.get_type(node)
    return dataclasses.is_dataclass(kind) or (kind is dict and not node._is_none() and len(node) > 0)


def _parse_overrides(overrides: Sequence[str]) -> tuple[DictConfig, DictConfig]:
    """(checked, added): ``key=value`` overrides and ``+key=value`` additions as OmegaConf configs."""
    checked, added = [], []
    for item in overrides:
        if "=" not in item or item.startswith("="):
            raise UserError(f"override {item!r} is not key=value")
        (added if item.startswith("+") else checked).append(item.lstrip("+"))
    try:
        return OmegaConf.from_dotlist(checked), OmegaConf.from_dotlist(added)
    except OmegaConfBaseException as exc:
        raise UserError(f"override: {str(exc).splitlines()[0]}") from exc


def load_yaml(path: Path) -> DictConfig:
    """A YAML mapping, with parse errors as one-line :class:`UserError`."""
    try:
        cfg = OmegaConf.load(path)
    except (OSError, OmegaConfBaseException, yaml.YAMLError) as exc:
        raise UserError(f"{path}: cannot read config: {' '.join(str(exc).split())[:300]}") from exc
    if not isinstance(cfg, DictConfig):
        raise UserError(f"{path}: a config file must be a mapping of keys, not a {type(cfg).__name__}")
    return cfg


def load_config(
    config: str | Path | None,
    overrides: Sequence[str] = (),
    *,
    group: str | None = None,
    schema: type | None = None,
) -> DictConfig:
    """``config`` (shipped name or path) + ``overrides``, checked against ``schema``; see the module docstring."""
    path = resolve_config(config, group) if config is not None else None
    file_cfg = load_yaml(path) if path is not None else OmegaConf.create({})
    checked, added = _parse_overrides(overrides)
    source = str(path) if path is not None else "config"
    keys = {name: OmegaConf.to_container(c, resolve=False) for name, c in
            (("file", file_cfg), ("checked", checked), ("added", added))}  # interpolations stay unresolved here
    if schema is not None:
        base = OmegaConf.structured(schema)
        check_keys(keys["file"], base, source)
        check_keys(keys["checked"], base, "override")
        check_keys(keys["added"], base, "override")
    else:
        base = OmegaConf.create({})
        check_keys(keys["checked"], file_cfg, f"override (keys of {source})")
    try:
        merged = OmegaConf.merge(base, file_cfg, checked, added)
        OmegaConf.resolve(merged)
    except OmegaConfBaseException as exc:
        key = getattr(exc, "full_key", None)
        raise UserError(f"{source}: {key + ': ' if key else ''}{str(exc).splitlines()[0]}") from exc
    return merged


def to_object(cfg: DictConfig, schema: type[T]) -> T:
    """The dataclass instance of a config loaded with ``schema`` (missing mandatory values are a UserError)."""
    try:
        return OmegaConf.to_object(OmegaConf.merge(OmegaConf.structured(schema), cfg))  # type: ignore[return-value]
    except OmegaConfBaseException as exc:
        raise UserError(f"config: {getattr(exc, 'full_key', '') or ''} {str(exc).splitlines()[0]}".strip()) from exc
