"""Engine configuration: a shipped ``local`` config or a YAML path, plus ``key=value`` overrides.

Loaded by the one config loader (:mod:`longrlvr.config_loader`) with the shipped ``configs/local/default.yaml``
as the schema: its keys are the valid ones (a misspelled key names the closest one) and its values the
defaults under a file that sets only some; ``+key=value`` adds a key (e.g. ``+reward.dedup=true``).
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

from omegaconf import DictConfig

from longrlvr import config_loader
from longrlvr.shipped import shipped_path

DEFAULT = shipped_path("configs", "local", "default.yaml")


def load_config(overrides: Sequence[str] = (), config: str | Path = "default") -> DictConfig:
    """``config`` (``default``, ``local/default`` or a path) with ``overrides``; every failure is a UserError."""
    schema = config_loader.load_yaml(DEFAULT)
    return config_loader.load_config(config, overrides, group="local", schema=schema)
