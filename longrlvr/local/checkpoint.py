"""Checkpoints: HF-format model + tokenizer, plus optimizer, scheduler, RNG states and step, so a
resumed run continues exactly.

A checkpoint is written into a temporary directory and renamed into place, so ``global_step_<N>``
exists only once complete (an interrupted save removes its temporary directory; one left by kill -9 is removed
by :func:`sweep_temps` when the next run takes the directory); resume takes the newest one whose trainer state
loads (a checkpoint torn by an older writer is skipped with a warning). Everything loads with
``torch.load(weights_only=True)``: the RNG states are stored as plain tensors and tuples.
"""

from __future__ import annotations

import os
import random
import re
import shutil
import warnings
from pathlib import Path
from typing import Any

import numpy as np
import torch

from longrlvr import jsonl

STATE_FILE = "trainer_state.pt"
MODEL_FILE = "model.safetensors"
_STEP_DIR = re.compile(r"^global_step_(\d+)$")
_TMP_PREFIX = ".tmp_"


def rng_state() -> dict[str, Any]:
    """Python, numpy and torch RNG states in a form ``torch.load(weights_only=True)`` accepts."""
    kind, keys, pos, has_gauss, cached = np.random.get_state()
    state = {
        "python": random.getstate(),
        "numpy": (kind, torch.from_numpy(np.asarray(keys, dtype=np.int64)), int(pos), int(has_gauss), float(cached)),
        "torch": torch.get_rng_state(),
    }
    if torch.cuda.is_available():
        state["cuda"] = torch.cuda.get_rng_state_all()
    return state


def set_rng_state(state: dict[str, Any]) -> None:
    random.setstate(state["python"])
    kind, keys, pos, has_gauss, cached = state["numpy"]
    np.random.set_state((kind, keys.numpy().astype(np.uint32), pos, has_gauss, cached))
    torch.set_rng_state(state["torch"])
    if "cuda" in state and torch.cuda.is_available():
        torch.cuda.set_rng_state_all(state["cuda"])


def save_checkpoint(
    run_dir: Path, step: int, model, tokenizer, optimizer, scheduler, extra: dict | None = None
) -> Path:
    """Write ``run_dir/checkpoints/global_step_<step>`` atomically and point ``latest`` at it."""
    root = Path(run_dir) / "checkpoints"
    path = root / f"global_step_{step}"
    tmp = root / f"{_TMP_PREFIX}{path.name}"
    shutil.rmtree(tmp, ignore_errors=True)
    try:
        model.save_pretrained(tmp)
        tokenizer.save_pretrained(tmp)
        state = {"step": step, "optimizer": optimizer.state_dict(), "scheduler": scheduler.state_dict()}
        torch.save({**state, "rng": rng_state(), **(extra or {})}, tmp / STATE_FILE)
        if path.exists():  # re-saving a step (a resumed run that redid it): replace the old copy
            old = root / f"{_TMP_PREFIX}old_{path.name}"
            shutil.rmtree(old, ignore_errors=True)
            os.replace(path, old)
            shutil.rmtree(old)
        os.replace(tmp, path)
    finally:
        shutil.rmtree(tmp, ignore_errors=True)  # gone after the rename; a write cut short leaves nothing
    jsonl.write_json(root / "latest", {"step": step, "path": path.name}, indent=None)
    return path


def sweep_temps(run_dir: Path) -> list[Path]:
    """Remove what an earlier writer killed mid-save left (``.tmp_*`` checkpoint dirs, jsonl temporaries).

    Call it only while holding the run directory's lock: then no other writer is alive.
    """
    root = Path(run_dir) / "checkpoints"
    removed = [p for p in root.glob(f"{_TMP_PREFIX}*") if p.is_dir()]
    for path in removed:
        shutil.rmtree(path, ignore_errors=True)
    for directory in (Path(run_dir), root):
        removed += jsonl.sweep_temps(directory, any_owner=True)
    return removed


def read_trainer_state(path: Path) -> dict[str, Any]:
    """The trainer state of checkpoint ``path`` (raises if missing or torn)."""
    return torch.load(Path(path) / STATE_FILE, weights_only=True)


def checkpoint_steps(run_dir: Path) -> list[tuple[int, Path]]:
    """(step, dir) of every ``global_step_<N>`` directory under ``run_dir/checkpoints``, newest first."""
    root = Path(run_dir) / "checkpoints"
    found = [(int(m.group(1)), p) for p in root.glob("global_step_*") if (m := _STEP_DIR.match(p.name))]
    return sorted(found, reverse=True)


def latest_checkpoint(run_dir: Path) -> tuple[Path, dict[str, Any]] | None:
    """The newest complete checkpoint under ``run_dir/checkpoints`` and its trainer state (None if none).

    A directory without model weights or with a trainer state that does not load (a kill during a
    non-atomic write) is skipped with a warning.
    """
    for _, path in checkpoint_steps(run_dir):
        try:
            if not (path / MODEL_FILE).is_file():
                raise FileNotFoundError(f"no {MODEL_FILE}")
            return path, read_trainer_state(path)
        except Exception as exc:  # a torn pickle raises many types; any of them means "incomplete"
            warnings.warn(f"skipping incomplete checkpoint {path}: {exc}", stacklevel=2)
    return None


def restore_trainer_state(state: dict[str, Any], optimizer, scheduler) -> None:
    """Restore optimizer, scheduler and RNG states from a loaded trainer state."""
    optimizer.load_state_dict(state["optimizer"])
    scheduler.load_state_dict(state["scheduler"])
    set_rng_state(state["rng"])
