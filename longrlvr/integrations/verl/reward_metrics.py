"""Per-step LongRLVR training metrics and judge-failure exclusion, as pure functions (torch, no verl)."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Mapping, Sequence
from typing import Any

import torch

from longrlvr.rewards import METRIC_KEYS, ScoreResult
from longrlvr.rewards.depth import HIT_KEY, REF_KEY, depth_fields, recall_depth_metrics

# extra-info key -> logged metric name (verl's trackers: console, wandb, tensorboard): one per ScoreResult metric,
# each the batch mean of that field (a 0/1 field's mean is its rate).
METRIC_NAMES = {key: f"longrlvr/{key}" for key in METRIC_KEYS}


def reward_infos(extra_fields: Iterable[Any]) -> list[dict[str, Any]]:
    """The ``reward_extra_info`` dict of each trajectory's ``extra_fields`` (empty for padding rows)."""
    infos = []
    for value in extra_fields:
        fields = getattr(value, "data", value)
        info = fields.get("reward_extra_info") if isinstance(fields, Mapping) else None
        infos.append(dict(info) if isinstance(info, Mapping) else {})
    return infos


def reward_extra_info(result: ScoreResult, extra_info: Any) -> dict[str, float]:
    """A sample's ``reward_extra_info``: the result's metrics and its depth counts (:func:`depth_fields`,
    from the row's ``ref_chunks``/``num_chunks``), which the trainer turns into ``longrlvr/recall_depth_<b>``."""
    info = extra_info if isinstance(extra_info, Mapping) else {}
    return result.metrics() | depth_fields(result.chunk_ids, info.get("ref_chunks"), info.get("num_chunks"))


def is_depth_key(key: str) -> bool:
    """A per-sample depth-count column (:data:`~longrlvr.rewards.depth.HIT_KEY` / ``REF_KEY``), not a metric."""
    return any(key.startswith(k.format("")) for k in (HIT_KEY, REF_KEY))


def split_depth_columns(columns: Mapping[str, Sequence[Any]]) -> tuple[dict[str, Any], dict[str, Any]]:
    """verl's validation ``reward_extra_infos_dict`` (key -> per-sample values) as (other columns, depth columns)."""
    rest = {k: v for k, v in columns.items() if not is_depth_key(k)}
    return rest, {k: v for k, v in columns.items() if is_depth_key(k)}


def depth_column_metrics(columns: Mapping[str, Sequence[Any]], prefix: str) -> dict[str, float]:
    """``{prefix}recall_depth_<b>`` from depth columns (key -> per-sample values)."""
    n = max((len(v) for v in columns.values()), default=0)
    infos = [{k: v[i] for k, v in columns.items() if i < len(v)} for i in range(n)]
    return recall_depth_metrics(infos, prefix)


def reward_component_metrics(infos: Sequence[Mapping[str, Any]]) -> dict[str, float]:
    """Batch means of the LongRLVR reward components over the samples that report them."""
    metrics = {}
    for key, name in METRIC_NAMES.items():
        values = [float(info[key]) for info in infos if key in info]
        if values:
            metrics[name] = sum(values) / len(values)
    return metrics | recall_depth_metrics(infos)


def neutralize_excluded(
    rows: Sequence[torch.Tensor], uids: Sequence[str], excluded: Sequence[bool]
) -> list[torch.Tensor]:
    """Token-level reward rows where each excluded sample gets the mean reward of its group's kept samples.

    The reward sits on the last response token (verl's layout). An excluded sample then has advantage 0
    under GRPO and does not move its group's baseline; a group with no kept sample becomes all-zero.
    """
    kept: dict[str, list[float]] = defaultdict(list)
    for row, uid, out in zip(rows, uids, excluded, strict=True):
        if not out:
            kept[uid].append(float(row.sum()))
    result = []
    for row, uid, out in zip(rows, uids, excluded, strict=True):
        if out:
            group = kept.get(uid)
            row = torch.zeros_like(row)
            if row.numel():
                row[-1] = sum(group) / len(group) if group else 0.0
        result.append(row)
    return result
