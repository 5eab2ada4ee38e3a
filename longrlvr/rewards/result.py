"""The scorer's request and typed result. The result's fields are the one source of every reward metric and
verl extra-info key (:data:`METRIC_KEYS`)."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import asdict, dataclass, field, fields
from typing import Any


@dataclass(frozen=True)
class ScoreRequest:
    """One response to score against one dataset row (``extra_info`` carries ref_chunks, num_chunks, question...)."""

    data_source: str
    response: Any
    ground_truth: Any
    extra_info: Mapping[str, Any] | None = None
    response_length: int | None = None


def _metric(default: Any = 0.0) -> Any:
    return field(default=default, metadata={"metric": True})


@dataclass(frozen=True)
class ScoreResult:
    """Every component of one reward. Numeric fields (metadata ``metric``) are logged per step by the trainers.

    ``score``: the reward. ``answer_acc``: answer correctness a in {0, 1}. ``precision``/``recall``/``fbeta``:
    the named chunk ids against the reference ids. ``format_ok``: exactly one chunk list and one answer.
    ``chunks_ok``: the chunk list named ids readably. ``data_ok``: the row's reward data was usable.
    ``judge_asked``/``judge_failed``: the judge was consulted / failed after retries; ``exclude``: drop the
    sample from its group's advantage (failure policy ``exclude``).
    """

    score: float = _metric()
    answer_acc: float = _metric()
    precision: float = _metric()
    recall: float = _metric()
    fbeta: float = _metric()
    format_ok: float = _metric()
    chunks_ok: float = _metric()
    data_ok: float = _metric(1.0)
    num_chunks_named: float = _metric()
    judge_asked: float = _metric()
    judge_failed: float = _metric()
    exclude: float = _metric()
    format_error: str = ""
    data_error: str = ""
    answer: str = ""
    answer_source: str = ""
    chunk_ids: tuple[int, ...] = ()  # the ids the response named, in order (depth diagnostics; not a metric)

    def metrics(self) -> dict[str, float]:
        """The numeric components, keyed by :data:`METRIC_KEYS` (verl's ``reward_extra_info``)."""
        return {key: float(getattr(self, key)) for key in METRIC_KEYS}

    def to_dict(self) -> dict[str, Any]:
        """Every field (``compute_score``'s return value)."""
        return asdict(self)


METRIC_KEYS: tuple[str, ...] = tuple(f.name for f in fields(ScoreResult) if f.metadata.get("metric"))
