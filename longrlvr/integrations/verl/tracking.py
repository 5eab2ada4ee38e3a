"""Experiment tracking settings for verl's ``Tracking`` (``verl/utils/tracking.py``), fixed per run directory.

verl 0.9.1 calls ``wandb.init(project=, name=, entity=WANDB_ENTITY, config=)`` with no ``id``; wandb reads
``WANDB_RUN_ID`` / ``WANDB_RESUME`` from the environment, so a stable id per checkpoint directory makes every
relaunch (resume_mode=auto) continue the same wandb run. TensorBoard writes to ``TENSORBOARD_DIR`` or the relative
``tensorboard_log/<project>/<experiment>`` of each Ray worker's cwd; an absolute directory under the run directory
is set instead. Both go into ``ray_kwargs.ray_init.runtime_env.env_vars`` (a pre-started Ray cluster does not
inherit the launcher's environment).
"""

from __future__ import annotations

import hashlib
from collections.abc import Mapping
from pathlib import Path

ENV_KEY = "ray_kwargs.ray_init.runtime_env.env_vars"
# never WANDB_API_KEY: overrides are printed in the plan; it is exported before `ray start` / the launch instead
PASSED_THROUGH = ("WANDB_MODE", "WANDB_ENTITY", "WANDB_BASE_URL", "WANDB_DIR")


def wandb_run_id(run_dir: Path) -> str:
    """A stable wandb id for a checkpoint directory (wandb ids: <= 64 chars, [a-z0-9])."""
    return "longrlvr-" + hashlib.sha1(str(run_dir.expanduser().resolve()).encode()).hexdigest()[:16]


def tracking_env(run_dir: Path, env: Mapping[str, str]) -> dict[str, str]:
    """The tracking variables for every Ray process; the user's own values win."""
    resolved = run_dir.expanduser().resolve()
    values = {
        "WANDB_RUN_ID": wandb_run_id(resolved),
        "WANDB_RESUME": "allow",
        "TENSORBOARD_DIR": str(resolved / "tensorboard"),
    }
    values.update({k: v for k, v in env.items() if k in (*values, *PASSED_THROUGH) and v})
    return values


def tracking_overrides(run_dir: Path, env: Mapping[str, str]) -> list[str]:
    """Hydra ``+key=value`` overrides (quoted) that put :func:`tracking_env` into the Ray runtime env."""
    return [f"+{ENV_KEY}.{k}='{v}'" for k, v in tracking_env(run_dir, env).items()]
