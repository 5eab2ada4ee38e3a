"""Run-directory identity: a run resumes only its own checkpoints, on its own data.

``run_dir/run.json`` records the run's fingerprint, a hash of its settings without the keys a continuation may
change (steps, cadences, logging), and its data: each configured parquet file's size and sha256 (the synthetic
task is fixed by its settings). ``trainer.resume=true`` into a directory holding a different run is refused in
one line listing what differs (``actor.lr 0.001 -> 0.002``); other data files are refused unless
``trainer.new_data=true`` (a length curriculum's next phase), and ``run.json`` keeps the history of the files each
phase trained on. A fresh run (``trainer.resume=false``) into a used directory starts clean (the earlier run's
checkpoints, metrics and plot are removed, with a notice). The caller holds the directory's lock
(:mod:`longrlvr.local.run_lock`).
"""

from __future__ import annotations

import hashlib
import json
import shutil
import sys
from dataclasses import replace
from pathlib import Path
from typing import TYPE_CHECKING, Any

from longrlvr import jsonl
from longrlvr.errors import UserError

if TYPE_CHECKING:
    from longrlvr.local.config import LocalConfig

RUN_FILE = "run.json"
CONFIG_FILE = "config.yaml"
# Keys a resumed run may change without becoming a different run.
CONTINUATION_KEYS = (
    "steps",
    "val_every",
    "save_every",
    "resume",
    "new_data",
    "max_idle_steps",
    "loggers",
    "project",
    "experiment",
    "progress",
)
DATA_KEYS = ("train_files", "val_files")  # identified by content (data_files), not by how the path is spelled
_OUTPUTS = ("checkpoints", "metrics.jsonl", "learning_curve.png", RUN_FILE)
_HASH_BLOCK = 1 << 20


class RunDirError(UserError):
    """The run directory cannot be used as asked (a user error: one line, exit 2)."""


def identity(cfg: LocalConfig) -> dict[str, Any]:
    """The settings that define the run: everything except the continuation keys, the data paths and run_dir."""
    plain = cfg.to_dict()
    plain["trainer"] = {k: v for k, v in plain["trainer"].items() if k not in CONTINUATION_KEYS}
    plain["data"] = {k: v for k, v in plain["data"].items() if k not in DATA_KEYS}
    plain.pop("run_dir", None)
    return plain


def fingerprint(cfg: LocalConfig) -> str:
    return hashlib.sha256(json.dumps(identity(cfg), sort_keys=True).encode()).hexdigest()[:16]


def file_digest(path: str | Path) -> dict[str, Any]:
    """A data file's identity: resolved path (for the record), size and sha256 (streamed, about 1 s per GB)."""
    path = Path(path)
    digest = hashlib.sha256()
    with open(path, "rb") as fh:
        while block := fh.read(_HASH_BLOCK):
            digest.update(block)
    return {"path": str(path.resolve()), "bytes": path.stat().st_size, "sha256": digest.hexdigest()}


def data_files(cfg: LocalConfig) -> dict[str, Any]:
    """The configured data files by content (``{}`` for the synthetic task, which its settings define)."""
    files = {"train": cfg.data.train_files, "val": cfg.data.val_files}
    return {split: file_digest(path) for split, path in files.items() if path is not None}


def _content(files: dict[str, Any]) -> dict[str, Any]:
    return {split: (f.get("bytes"), f.get("sha256")) for split, f in files.items()}


def _same_data(old: dict[str, Any], new: dict[str, Any]) -> bool:
    return _content(old) == _content(new)


def _flatten(tree: Any, prefix: str = "") -> dict[str, Any]:
    if not isinstance(tree, dict) or not tree:
        return {prefix.rstrip("."): tree}
    return {k: v for key, sub in tree.items() for k, v in _flatten(sub, f"{prefix}{key}.").items()}


def config_changes(old: dict[str, Any], new: dict[str, Any], limit: int = 6) -> str:
    """``actor.lr 0.001 -> 0.002, seed 0 -> 1`` for the keys whose values differ (at most ``limit``)."""
    a, b = _flatten(old), _flatten(new)
    keys = sorted(k for k in a.keys() | b.keys() if a.get(k, "unset") != b.get(k, "unset"))
    shown = [f"{k} {a.get(k, 'unset')} -> {b.get(k, 'unset')}" for k in keys[:limit]]
    return ", ".join(shown) + (f" (+{len(keys) - limit} more)" if len(keys) > limit else "")


def _data_changes(old: dict[str, Any], new: dict[str, Any]) -> str:
    def name(split: str, files: dict[str, Any]) -> str:
        f = files.get(split)
        return f"{f['path']} (sha256 {f['sha256'][:12]})" if f else "the synthetic task"

    return "; ".join(f"{s}: {name(s, old)} -> {name(s, new)}" for s in ("train", "val") if old.get(s) != new.get(s))


def prepare_run_dir(cfg: LocalConfig) -> Path:
    """Create or check ``cfg.run_dir`` for this run (see the module docstring); returns it."""
    run_dir = Path(cfg.run_dir)
    run_dir.mkdir(parents=True, exist_ok=True)
    record = run_dir / RUN_FILE
    mine: dict[str, Any] = {"fingerprint": fingerprint(cfg), "config": identity(cfg), "data": data_files(cfg)}
    history: list[dict[str, Any]] = [mine["data"]]
    if cfg.trainer.resume and record.exists():
        try:
            theirs = jsonl.read_json(record)
        except UserError as exc:
            raise RunDirError(f"{exc}; use a new run_dir") from None
        if theirs.get("fingerprint") != mine["fingerprint"]:
            raise RunDirError(
                f"{run_dir} holds a different run: {config_changes(theirs.get('config', {}), mine['config'])}; "
                "drop those settings to resume it, or start a new run with another --out"
            )
        old_data = theirs.get("data", {})
        if not _same_data(old_data, mine["data"]) and not cfg.trainer.new_data:
            raise RunDirError(
                f"{run_dir} was trained on other data ({_data_changes(old_data, mine['data'])}); resume on its "
                "own files, add trainer.new_data=true to continue on these (a curriculum's next phase), or start "
                "a new run with another --out"
            )
        history = theirs.get("data_history", [old_data])
        if not _same_data(old_data, mine["data"]):
            history = [*history, mine["data"]]
    elif cfg.trainer.resume and (run_dir / "checkpoints").exists():
        raise RunDirError(f"{run_dir} holds checkpoints without a {RUN_FILE}: not resuming a run of unknown origin")
    elif not cfg.trainer.resume and any((run_dir / name).exists() for name in _OUTPUTS):
        print(f"starting clean: removing the earlier run's checkpoints and metrics in {run_dir}", file=sys.stderr)
        for name in _OUTPUTS:
            target = run_dir / name
            shutil.rmtree(target) if target.is_dir() else target.unlink(missing_ok=True)
    jsonl.write_json(record, {**mine, "data_history": history}, sort_keys=True)
    data = replace(cfg.data, train_files=_absolute(cfg.data.train_files), val_files=_absolute(cfg.data.val_files))
    saved = replace(cfg, data=data)
    jsonl.write_text(run_dir / CONFIG_FILE, saved.to_yaml())  # the base of a resume with --out alone
    return run_dir


def _absolute(path: str | None) -> str | None:
    return str(Path(path).resolve()) if path is not None else None
