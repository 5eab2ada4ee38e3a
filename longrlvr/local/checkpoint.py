"""Checkpoints: HF-format model + tokenizer, plus optimizer, scheduler, RNG states and step, so a
resumed run continues exactly."""

from __future__ import annotations

import json
import random
import re
from pathlib import Path
from typing import Any

import numpy as np
import torch

STATE_FILE = "trainer_state.pt"
_STEP_DIR = re.compile(r"^global_step_(\d+)$")


def rng_state() -> dict[str, Any]:
    state = {"python": random.getstate(), "numpy": np.random.get_state(), "torch": torch.get_rng_state()}
    if torch.cuda.is_available():
        state["cuda"] = torch.cuda.get_rng_state_all()
    return state


def set_rng_state(state: dict[str, Any]) -> None:
    random.setstate(state["python"])
    np.random.set_state(state["numpy"])
    torch.set_rng_state(state["torch"])
    if "cuda" in state and torch.cuda.is_available():
        torch.cuda.set_rng_state_all(state["cuda"])


def save_checkpoint(
    run_dir: Path, step: int, model, tokenizer, optimizer, scheduler, extra: dict | None = None
) -> Path:
    """Write ``run_dir/checkpoints/global_step_<step>`` and point ``latest`` at it."""
    root = Path(run_dir) / "checkpoints"
    path = root / f"global_step_{step}"
    model.save_pretrained(path)
    tokenizer.save_pretrained(path)
    state = {"step": step, "optimizer": optimizer.state_dict(), "scheduler": scheduler.state_dict(), "rng": rng_state()}
    torch.save({**state, **(extra or {})}, path / STATE_FILE)
    (root / "latest").write_text(json.dumps({"step": step, "path": path.name}))
    return path


def latest_checkpoint(run_dir: Path) -> Path | None:
    """The newest complete checkpoint under ``run_dir/checkpoints`` (None if there is none)."""
    root = Path(run_dir) / "checkpoints"
    steps = sorted(
        (int(m.group(1)), p)
        for p in root.glob("global_step_*")
        if (m := _STEP_DIR.match(p.name)) and (p / STATE_FILE).exists()
    )
    return steps[-1][1] if steps else None


def load_trainer_state(path: Path, optimizer, scheduler) -> dict[str, Any]:
    """Restore optimizer, scheduler and RNG states from a checkpoint; returns the saved state dict."""
    state = torch.load(Path(path) / STATE_FILE, weights_only=False)
    optimizer.load_state_dict(state["optimizer"])
    scheduler.load_state_dict(state["scheduler"])
    set_rng_state(state["rng"])
    return state
