"""The one config loader: ``--config NAME|PATH`` plus ``key=value`` overrides, checked against a strict schema.

    cfg = load_config("ruler_qa", ["generation.max_new_tokens=64"], group="eval", schema=EvalConfig)
    settings = load_settings(args.config, args.overrides, group="data_gen", schema=NIAHConfig, flags={"seed": 3})

- ``config``: a YAML path or a shipped name (:func:`longrlvr.shipped.resolve_config`); None = schema defaults.
- ``overrides``: OmegaConf dotlist (``a.b=1``, ``a.c=[x,y]``); they win over the file.
- ``flags``: values of command-line flags (``{"generation.seed": 3}``; None = not given); they win over both.
- ``schema``: a dataclass (nested dataclasses for sections, lists of dataclasses), or a config (a shipped file
  whose keys are the valid ones and whose values are the defaults; ``+key=value`` overrides may add keys).
  Every key of the file, the overrides and the flags must be in it, else :class:`UserError` names the key,
  the file and the closest valid key; dataclass values are type-checked by OmegaConf. Without a schema the
  file is its own schema: overrides may only set keys the file has (``+key=value`` adds one).
- ``presets``: ``{name: mapping}`` merged under the file; the ``preset`` key (file, overrides, else the
  schema's default) picks one.

``load_config`` returns a ``DictConfig``; ``load_settings`` (or ``to_object``) the dataclass instance.
Every failure is a one-line ``UserError``.
"""

from __future__ import annotations

import dataclasses
import typing
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any, TypeVar, cast

import yaml
from omegaconf import DictConfig, ListConfig, OmegaConf
from omegaconf.errors import OmegaConfBaseException

from longrlvr.errors import UserError, check_names, closest, one_line
from longrlvr.shipped import resolve_config

T = TypeVar("T")
Schema = type | DictConfig | None


def check_keys(values: Mapping[str, Any], schema: DictConfig, source: str, prefix: str = "") -> None:
    """Raise :class:`UserError` for the first key of ``values`` (recursively) that ``schema`` does not have.

    Sections recurse when the schema fixes their keys: a dataclass section, a list of dataclasses, or a
    non-empty mapping of a schema file. ``dict``/``Any`` fields and empty mappings accept any key.
    """
    for key, value in values.items():
        full = f"{prefix}{key}"
        check_names([key], [str(k) for k in schema.keys()], source, prefix)  # (`in schema` is False for a ??? value)
        child = schema._get_node(key)
        if isinstance(value, Mapping) and isinstance(child, DictConfig) and _fixed_keys(child):
            check_keys(value, child, source, prefix=f"{full}.")
        elif isinstance(value, Sequence) and isinstance(child, ListConfig):
            element = child._metadata.element_type
            if dataclasses.is_dataclass(element):
                item_schema = OmegaConf.structured(element)
                for i, item in enumerate(value):
                    if isinstance(item, Mapping):
                        check_keys(item, item_schema, source, prefix=f"{full}[{i}].")


def _fixed_keys(node: DictConfig) -> bool:
    kind = OmegaConf.get_type(node)
    return dataclasses.is_dataclass(kind) or (kind is dict and not node._is_none() and len(node) > 0)


def _parse_overrides(overrides: Sequence[str]) -> tuple[DictConfig, DictConfig]:
    """(checked, added): ``key=value`` overrides and ``+key=value`` additions as OmegaConf configs."""
    checked: list[str] = []
    added: list[str] = []
    for item in overrides:
        if "=" not in item or item.startswith("="):
            raise UserError(f"override {item!r} is not key=value")
        (added if item.startswith("+") else checked).append(item.lstrip("+"))
    try:
        return OmegaConf.from_dotlist(checked), OmegaConf.from_dotlist(added)
    except OmegaConfBaseException as exc:
        raise UserError(f"override: {str(exc).splitlines()[0]}") from exc


def _nested(flags: Mapping[str, Any]) -> dict[str, Any]:
    """``{"a.b": 1, "c": None}`` -> ``{"a": {"b": 1}}`` (None = flag not given)."""
    out: dict[str, Any] = {}
    for dotted, value in flags.items():
        if value is None:
            continue
        *parents, leaf = dotted.split(".")
        node = out
        for part in parents:
            node = node.setdefault(part, {})
        node[leaf] = value
    return out


MAX_YAML_NODES = 100_000  # expanded nodes a config may have (the shipped ones have < 1,000)


def check_yaml_expansion(text: str, source: str, max_nodes: int = MAX_YAML_NODES) -> int:
    """The node count of ``text`` with every alias expanded, counted without expanding anything (one pass over
    PyYAML's events: an anchored node's size is recorded when it closes, an alias adds its anchor's size).

    Raises :class:`UserError` past ``max_nodes`` (an alias bomb: 294 bytes can expand to 10^6 leaves), naming
    ``source`` and the line; YAML syntax errors propagate as ``yaml.YAMLError``.
    """
    sizes: dict[str, int] = {}
    open_sizes: list[list[Any]] = []  # [anchor, size] per open collection
    total = 0
    for event in yaml.parse(text, Loader=yaml.SafeLoader):
        if isinstance(event, (yaml.MappingStartEvent, yaml.SequenceStartEvent)):
            open_sizes.append([event.anchor, 1])
            total += 1
        elif isinstance(event, (yaml.MappingEndEvent, yaml.SequenceEndEvent)):
            anchor, size = open_sizes.pop()
            if anchor:
                sizes[anchor] = size
            if open_sizes:
                open_sizes[-1][1] += size
        elif isinstance(event, (yaml.ScalarEvent, yaml.AliasEvent)):
            size = sizes.get(event.anchor, 1) if isinstance(event, yaml.AliasEvent) else 1
            if isinstance(event, yaml.ScalarEvent) and event.anchor:
                sizes[event.anchor] = 1
            if open_sizes:
                open_sizes[-1][1] += size
            total += size
        if total > max_nodes:
            line = event.start_mark.line + 1 if event.start_mark else 0
            raise UserError(
                f"{source}:{line}: YAML aliases expand to more than {max_nodes} nodes (an alias bomb?); "
                "write the values out or use fewer aliases"
            )
    return total


def load_yaml(path: Path) -> DictConfig:
    """A YAML mapping, with parse errors and alias bombs (:func:`check_yaml_expansion`) as one-line
    :class:`UserError`."""
    try:
        check_yaml_expansion(Path(path).read_text(encoding="utf-8"), str(path))
        cfg = OmegaConf.load(path)
    except (OSError, UnicodeDecodeError, OmegaConfBaseException, yaml.YAMLError) as exc:
        raise UserError(f"{path}: cannot read config: {one_line(exc)}") from exc
    if not isinstance(cfg, DictConfig):
        raise UserError(f"{path}: a config file must be a mapping of keys, not a {type(cfg).__name__}")
    return cfg


def _preset(presets: Mapping[str, Any], base: DictConfig, layers: Sequence[DictConfig], source: str) -> Any:
    """The preset mapping named by the last layer that sets ``preset`` (else the schema's default)."""
    name = next((layer["preset"] for layer in reversed(layers) if "preset" in layer), base.get("preset"))
    if name not in presets:
        raise UserError(
            f"{source}: unknown preset {name!r}{closest(str(name), presets) or f'; one of {sorted(presets)}'}"
        )
    return presets[name]


def _source(config: str | Path | None, group: str | None) -> tuple[Path | None, str]:
    path = resolve_config(config, group) if config is not None else None
    return path, str(path) if path is not None else "config"


def load_config(
    config: str | Path | None,
    overrides: Sequence[str] = (),
    *,
    group: str | None = None,
    schema: Schema = None,
    presets: Mapping[str, Mapping[str, Any]] | None = None,
    flags: Mapping[str, Any] | None = None,
) -> DictConfig:
    """``config`` (shipped name or path) + ``overrides`` + ``flags``, checked against ``schema``; see the module
    docstring."""
    path, source = _source(config, group)
    return _load(path, source, overrides, schema, presets, flags)


def _load(
    path: Path | None,
    source: str,
    overrides: Sequence[str],
    schema: Schema,
    presets: Mapping[str, Mapping[str, Any]] | None,
    flags: Mapping[str, Any] | None,
) -> DictConfig:
    file_cfg = load_yaml(path) if path is not None else OmegaConf.create({})
    checked, added = _parse_overrides(overrides)
    flag_cfg = OmegaConf.create(_nested(flags or {}))
    keys: dict[str, Mapping[str, Any]] = {
        name: cast(Mapping[str, Any], OmegaConf.to_container(c, resolve=False))
        for name, c in (("file", file_cfg), ("checked", checked), ("added", added), ("flags", flag_cfg))
    }  # unresolved here; the layers are mappings (a YAML file that is not one is refused by load_yaml)
    if schema is None:
        base = OmegaConf.create({})
        check_keys(keys["checked"], file_cfg, f"override (keys of {source})")
    else:
        base = OmegaConf.structured(schema) if isinstance(schema, type) else schema
        check_keys(keys["file"], base, source)
        check_keys(keys["checked"], base, "override")
        check_keys(keys["flags"], base, "flag")
        if isinstance(schema, type):  # a dataclass has no room for additions
            check_keys(keys["added"], base, "override")
    layers = [file_cfg, checked, added, flag_cfg]
    try:
        if presets is not None:
            base = cast(DictConfig, OmegaConf.merge(base, _preset(presets, base, layers, source)))
        merged = cast(DictConfig, OmegaConf.merge(base, *layers))
        OmegaConf.resolve(merged)
    except OmegaConfBaseException as exc:
        key = getattr(exc, "full_key", None)
        raise UserError(f"{source}: {key + ': ' if key else ''}{str(exc).splitlines()[0]}") from exc
    return merged


def to_object(cfg: DictConfig, schema: type[T], source: str = "config") -> T:
    """The dataclass instance of a config loaded with ``schema``: ``tuple`` fields get tuples; a missing
    mandatory value (``???``) or a value the dataclass rejects (``ValueError``) is a UserError naming ``source``."""
    try:
        obj = OmegaConf.to_object(OmegaConf.merge(OmegaConf.structured(schema), cfg))
    except OmegaConfBaseException as exc:
        key = getattr(exc, "full_key", None) or ""
        if "missing mandatory value" in str(exc).lower():
            raise UserError(f"{source}: {key or 'a value'} is missing (set it in the file or with {key}=...)") from exc
        raise UserError(f"{source}: {key + ': ' if key else ''}{str(exc).splitlines()[0]}") from exc
    except ValueError as exc:  # the dataclass's own check (__post_init__)
        raise UserError(f"{source}: {str(exc).splitlines()[0]}") from exc
    return _with_tuples(obj)  # type: ignore[return-value]


def _with_tuples(obj: Any) -> Any:
    """``obj`` with the list values of its ``tuple``-typed dataclass fields as tuples (nested dataclasses too)."""
    if not dataclasses.is_dataclass(obj):
        return obj
    hints = typing.get_type_hints(type(obj))
    changes: dict[str, Any] = {}
    for f in dataclasses.fields(obj):
        value = getattr(obj, f.name)
        if isinstance(value, list) and typing.get_origin(hints.get(f.name)) is tuple:
            changes[f.name] = tuple(_with_tuples(v) for v in value)
        elif dataclasses.is_dataclass(value):
            changes[f.name] = _with_tuples(value)
        elif isinstance(value, list) and value and dataclasses.is_dataclass(value[0]):
            changes[f.name] = [_with_tuples(v) for v in value]
    return dataclasses.replace(cast(Any, obj), **changes) if changes else obj


def load_settings(
    config: str | Path | None,
    overrides: Sequence[str] = (),
    *,
    schema: type[T],
    group: str | None = None,
    presets: Mapping[str, Mapping[str, Any]] | None = None,
    flags: Mapping[str, Any] | None = None,
) -> T:
    """:func:`load_config` then :func:`to_object`: the ``schema`` dataclass instance, errors naming the file."""
    path, source = _source(config, group)
    return to_object(_load(path, source, overrides, schema, presets, flags), schema, source)
