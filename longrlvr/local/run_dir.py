"""Run-directory identity: a run resumes only its own checkpoints.

``run_dir/run.json`` records the run's fingerprint, a hash of the resolved config without the keys a
continuation may change (steps, cadences, logging, and the data files: a length curriculum resumes
on new files, see ``data_gen/hard/curriculum.py``). ``trainer.resume=true`` into a directory holding a
different run is refused; a fresh run (``trainer.resume=false``) into a used directory starts clean
(the earlier run's checkpoints, metrics and plot are removed, with a notice).
"""

from __future__ import annotations

import hashlib
import json
import shutil
import sys
from pathlib import Path
from typing import Any

from omegaconf import DictConfig, OmegaConf

from longrlvr import jsonl
from longrlvr.errors import UserError

RUN_FILE = "run.json"
# Keys a resumed run may change without becoming a different run.
CONTINUATION_KEYS = ("steps", "val_every", "save_every", "resume", "loggers", "project", "experiment", "progress")
CONTINUATION_DATA_KEYS = ("train_files", "val_files")
_OUTPUTS = ("checkpoints", "metrics.jsonl", "learning_curve.png", RUN_FILE)


class RunDirError(UserError):
    """The run directory cannot be used as asked (a user error: one line, exit 2)."""


def identity(cfg: DictConfig) -> dict[str, Any]:
    """The config that defines the run: everything except the continuation keys."""
    plain = OmegaConf.to_container(cfg, resolve=True)
    plain["trainer"] = {k: v for k, v in plain["trainer"].items() if k not in CONTINUATION_KEYS}
    plain["data"] = {k: v for k, v in plain["data"].items() if k not in CONTINUATION_DATA_KEYS}
    plain.pop("run_dir", None)
    return plain


def fingerprint(cfg: DictConfig) -> str:
    return hashlib.sha256(json.dumps(identity(cfg), sort_keys=True).encode()).hexdigest()[:16]


def _flatten(tree: Any, prefix: str = "") -> dict[str, Any]:
    if not isinstance(tree, dict):
        return {prefix: tree}
    return {k: v for key, sub in tree.items() for k, v in _flatten(sub, f"{prefix}{key}.").items()}


def prepare_run_dir(cfg: DictConfig) -> Path:
    """Create or check ``cfg.run_dir`` for this run (see the module docstring); returns it."""
    run_dir = Path(cfg.run_dir)
    run_dir.mkdir(parents=True, exist_ok=True)
    record = run_dir / RUN_FILE
    mine = {"fingerprint": fingerprint(cfg), "config": identity(cfg)}
    if cfg.trainer.resume and record.exists():
        try:
            theirs = jsonl.read_json(record)
        except UserError as exc:
            raise RunDirError(f"{exc}; use a new run_dir") from None
        if theirs.get("fingerprint") != mine["fingerprint"]:
            old, new = _flatten(theirs.get("config", {})), _flatten(mine["config"])
            diff = sorted(k.rstrip(".") for k in old.keys() | new.keys() if old.get(k) != new.get(k))
            raise RunDirError(
                f"{run_dir} holds a different run (config differs in: {', '.join(diff[:6]) or 'unknown'}); "
                "resume it with its own config, or start a new run in another run_dir"
            )
    elif cfg.trainer.resume and (run_dir / "checkpoints").exists():
        raise RunDirError(f"{run_dir} holds checkpoints without a {RUN_FILE}: not resuming a run of unknown origin")
    elif not cfg.trainer.resume and any((run_dir / name).exists() for name in _OUTPUTS):
        print(f"starting clean: removing the earlier run's checkpoints and metrics in {run_dir}", file=sys.stderr)
        for name in _OUTPUTS:
            target = run_dir / name
            shutil.rmtree(target) if target.is_dir() else target.unlink(missing_ok=True)
    jsonl.write_json(record, mine, sort_keys=True)
    return run_dir
