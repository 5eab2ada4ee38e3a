"""Engine configuration: hydra-composed YAML from ``configs/local/`` with command-line overrides."""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

from omegaconf import DictConfig

from longrlvr.shipped import shipped_path

CONFIG_DIR = shipped_path("configs", "local")


def load_config(overrides: Sequence[str] = (), name: str = "default", config_dir: Path = CONFIG_DIR) -> DictConfig:
    """Compose ``<config_dir>/<name>.yaml`` with hydra overrides (``key=value``, ``+new_key=value``)."""
    from hydra import compose, initialize_config_dir

    if not (Path(config_dir) / f"{name}.yaml").exists():
        raise FileNotFoundError(f"engine config not found: {Path(config_dir) / f'{name}.yaml'}")
    with initialize_config_dir(version_base=None, config_dir=str(Path(config_dir).resolve())):
        return compose(config_name=name, overrides=list(overrides))
