"""The reward source table a dataset is checked against: the built-ins plus the sources a training config registers.

The table is :func:`longrlvr.rewards.registry.source_table`, the same object the scorer builds from
``reward.reward_kwargs.sources`` (verl) or ``reward.sources`` (the local engine), so a data source registered in
the reward config passes ``data validate`` and the data_gen export exactly when the scorer accepts it.
"""

from __future__ import annotations

from pathlib import Path

from omegaconf import OmegaConf

from longrlvr.config_loader import load_yaml
from longrlvr.errors import UserError, one_line
from longrlvr.rewards.registry import SourceSpec, source_table

SOURCE_KEYS = ("reward.reward_kwargs.sources", "reward.sources")  # verl recipe, local engine


def reward_sources(config: str | Path | None) -> dict[str, SourceSpec]:
    """The source table of the training config at ``config`` (None: the built-ins); bad entries are a UserError."""
    if config is None:
        return source_table()
    cfg = load_yaml(Path(config))
    found = [key for key in SOURCE_KEYS if OmegaConf.select(cfg, key, default=None) is not None]
    extra = OmegaConf.to_container(OmegaConf.select(cfg, found[0]), resolve=True) if found else {}
    if not isinstance(extra, dict):
        raise UserError(f"{config}: {found[0]}: must be a mapping of data source -> rule, got {type(extra).__name__}")
    try:
        return source_table(extra)
    except (TypeError, ValueError) as exc:
        raise UserError(f"{config}: {found[0]}: {one_line(exc)}") from exc
