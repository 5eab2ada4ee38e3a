"""What a response is checked against: a dataset row's ground truth and ``extra_info``, read without raising.

Bad row data (a ground truth that is None, empty, NaN or a dict, or a degenerate gold that names nothing, such
as ``The`` or ``.``; ``ref_chunks`` that are a string, floats or None where the source uses the context reward;
a ``num_chunks`` that is not a whole number) becomes a ``data_error`` naming the field.
The scorer scores such a row as malformed; ``longrlvr data validate`` reports the same problems
(:func:`row_data_errors`).
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import dataclass
from numbers import Integral, Real
from typing import Any

from longrlvr.rewards.guard import degenerate_gold

MAX_REF_ID = 10**9


def _is_int(value: Any) -> bool:
    return isinstance(value, Integral) and not isinstance(value, bool)


def _degenerate(gold: str) -> str | None:
    if degenerate_gold(gold):
        return f"ground_truth: {gold[:40]!r} names nothing (empty after normalization or only function words)"
    return None


def _gold_error(ground_truth: Any) -> str | None:
    if isinstance(ground_truth, str):
        return _degenerate(ground_truth) if ground_truth.strip() else "ground_truth: empty string"
    if _is_int(ground_truth):
        return None
    if ground_truth is None or isinstance(ground_truth, (Mapping, bytes, Real, bool)):
        return f"ground_truth: must be a string or a list of strings, got {type(ground_truth).__name__}"
    try:
        items = list(ground_truth)
    except TypeError:
        return f"ground_truth: must be a string or a list of strings, got {type(ground_truth).__name__}"
    if not items:
        return "ground_truth: empty list"
    for item in items:
        if not ((isinstance(item, str) and item.strip()) or _is_int(item)):
            return f"ground_truth: list item {str(item)[:40]!r} is not a non-empty string"
    return next((e for e in (_degenerate(str(item)) for item in items) if e), None)


def _ref_ids(refs: Any) -> tuple[tuple[int, ...], str | None]:
    if refs is None:
        return (), None
    if isinstance(refs, (str, bytes, Mapping)) or not hasattr(refs, "__iter__"):
        return (), f"extra_info.ref_chunks: must be a list of chunk ids, got {type(refs).__name__}"
    ids = list(refs)
    bad = [r for r in ids if not _is_int(r) or not 0 <= int(r) < MAX_REF_ID]
    if bad:
        return (), f"extra_info.ref_chunks: {str(bad[:3])[:60]} are not chunk ids (non-negative integers)"
    return tuple(int(r) for r in ids), None


def _num_chunks(num: Any) -> tuple[int | None, str | None]:
    if num is None:
        return None, None
    if _is_int(num) and int(num) >= 0:
        return int(num), None
    if isinstance(num, float) and math.isfinite(num) and num.is_integer() and num >= 0:
        return int(num), None
    return None, f"extra_info.num_chunks: {str(num)[:40]!r} is not a non-negative whole number"


@dataclass(frozen=True)
class Reference:
    """The gold answer(s), reference chunk ids and chunk count of a row; ``data_error`` names a bad field."""

    ground_truth: Any
    ref_chunks: tuple[int, ...] = ()
    num_chunks: int | None = None
    data_error: str | None = None

    @classmethod
    def from_row(cls, ground_truth: Any, extra_info: Mapping[str, Any] | None, uses_context: bool = True) -> Reference:
        """Read a row; never raises. A source that uses the context reward needs non-empty ``ref_chunks``."""
        info = extra_info if isinstance(extra_info, Mapping) else {}
        errors = [_gold_error(ground_truth)]
        if extra_info is not None and not isinstance(extra_info, Mapping):
            errors.append(f"extra_info: must be a dict, got {type(extra_info).__name__}")
        refs, ref_error = _ref_ids(info.get("ref_chunks"))
        if uses_context and ref_error is None and not refs:
            ref_error = "extra_info.ref_chunks: missing or empty (this data source uses the context reward)"
        num, num_error = _num_chunks(info.get("num_chunks"))
        errors += [ref_error if uses_context else None, num_error]
        error = next((e for e in errors if e), None)
        return cls(ground_truth=ground_truth, ref_chunks=refs, num_chunks=num, data_error=error)


def row_data_errors(ground_truth: Any, extra_info: Any, uses_context: bool) -> list[str]:
    """Every reward-data problem of one row (``field: message``), for ``longrlvr data validate``."""
    info = extra_info if isinstance(extra_info, Mapping) else {}
    errors = [_gold_error(ground_truth), _num_chunks(info.get("num_chunks"))[1]]
    if uses_context:
        refs, ref_error = _ref_ids(info.get("ref_chunks"))
        errors.append(
            ref_error
            or (None if refs else "extra_info.ref_chunks: missing or empty (this data source uses the context reward)")
        )
    return [e for e in errors if e]
