"""Per-data-source scoring rules: a built-in table plus the ``sources`` of the reward config.

The table travels inside the reward config (``reward.reward_kwargs.sources`` in verl), so every process that
builds a :class:`~longrlvr.rewards.Scorer` (verl's Ray reward workers included) sees the same rules. A
``data_source`` that matches no entry is an error, never a silent fallback.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, fields
from fnmatch import fnmatchcase
from typing import Any

from longrlvr.errors import check_names
from longrlvr.rewards.answer import SCORERS


class UnknownSourceError(ValueError):
    """A ``data_source`` with no scoring rule."""


@dataclass(frozen=True)
class SourceSpec:
    """How one data source is scored: the rule answer scorer, whether it has reference chunks, option letters."""

    answer_scorer: str = "hybrid"
    uses_context: bool = True
    choice_letters: str = "ABCD"

    def __post_init__(self) -> None:
        if self.answer_scorer not in SCORERS:
            raise ValueError(f"unknown answer scorer {self.answer_scorer!r}; known: {sorted(SCORERS)}")

    @classmethod
    def from_mapping(cls, name: str, values: Mapping[str, Any]) -> SourceSpec:
        check_names(values, {f.name for f in fields(cls)}, f"sources.{name}")
        return cls(**values)


BUILTIN_SOURCES: dict[str, SourceSpec] = {
    "longrlvr": SourceSpec(),
    "synthetic": SourceSpec(),
    "keychain": SourceSpec(),
    "ruler*": SourceSpec(),
    "niah*": SourceSpec(),
    "contextrl_select": SourceSpec(answer_scorer="choice", uses_context=False, choice_letters="AB"),
    "longbench_v2": SourceSpec(answer_scorer="choice", uses_context=False),
    "longreason": SourceSpec(answer_scorer="choice", uses_context=False, choice_letters="ABCDE"),
}


def source_table(extra: Mapping[str, Any] | None = None) -> dict[str, SourceSpec]:
    """The built-in table updated with ``extra`` (name or fnmatch pattern -> SourceSpec or its mapping)."""
    table = dict(BUILTIN_SOURCES)
    for name, spec in (extra or {}).items():
        table.pop(str(name), None)  # a redefinition moves to the end: later entries win among patterns
        table[str(name)] = spec if isinstance(spec, SourceSpec) else SourceSpec.from_mapping(str(name), spec or {})
    return table


def lookup(table: Mapping[str, SourceSpec], data_source: str) -> SourceSpec:
    """Exact name first, then the latest matching pattern; :class:`UnknownSourceError` otherwise."""
    if data_source in table:
        return table[data_source]
    for pattern in reversed(list(table)):
        if fnmatchcase(data_source, pattern):
            return table[pattern]
    raise UnknownSourceError(
        f"unknown data_source {data_source!r}: no scoring rule; known: {sorted(table)} "
        "(add it under reward.reward_kwargs.sources, see docs/judge.md)"
    )


def source_spec(data_source: str) -> SourceSpec:
    """The built-in rule of ``data_source`` (raises :class:`UnknownSourceError` when there is none)."""
    return lookup(BUILTIN_SOURCES, data_source)
