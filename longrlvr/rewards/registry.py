"""Per-data-source scoring rules. New data sources register here without touching the core."""

from __future__ import annotations

from dataclasses import dataclass
from fnmatch import fnmatchcase

from longrlvr.rewards.answer import SCORERS


@dataclass(frozen=True)
class SourceSpec:
    """How one data source is scored: the rule answer scorer, and whether it has reference chunks."""

    answer_scorer: str = "em"
    uses_context: bool = True
    choice_letters: str = "ABCD"


_SOURCES: dict[str, SourceSpec] = {}
DEFAULT_SPEC = SourceSpec()


def register_source(pattern: str, spec: SourceSpec) -> None:
    """Register a data source name or fnmatch pattern (e.g. ``ruler_*``). Later registrations win."""
    if spec.answer_scorer not in SCORERS:
        raise ValueError(f"unknown answer scorer {spec.answer_scorer!r}; known: {sorted(SCORERS)}")
    _SOURCES.pop(pattern, None)
    _SOURCES[pattern] = spec


def source_spec(data_source: str) -> SourceSpec:
    """The spec for a data source: exact name first, then the latest matching pattern, else the default."""
    if data_source in _SOURCES:
        return _SOURCES[data_source]
    for pattern in reversed(_SOURCES):
        if fnmatchcase(data_source, pattern):
            return _SOURCES[pattern]
    return DEFAULT_SPEC


def registered_sources() -> dict[str, SourceSpec]:
    return dict(_SOURCES)


register_source("longrlvr", SourceSpec(answer_scorer="em"))
register_source("synthetic", SourceSpec(answer_scorer="em"))
register_source("keychain", SourceSpec(answer_scorer="sub_em"))
register_source("contextrl_select", SourceSpec(answer_scorer="choice", uses_context=False, choice_letters="AB"))
register_source("ruler*", SourceSpec(answer_scorer="sub_em"))
register_source("longbench_v2", SourceSpec(answer_scorer="choice", uses_context=False))
register_source("longreason", SourceSpec(answer_scorer="choice", uses_context=False, choice_letters="ABCDE"))
register_source("niah*", SourceSpec(answer_scorer="sub_em"))
