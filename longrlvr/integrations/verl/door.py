"""Validation at the door: the dry run opens the data files and the model before anything is scheduled.

Each problem is one line naming the setting, the file and what is wrong; :func:`check_inputs` raises a
:class:`UserError` carrying them all (``; `` separated). Remote paths (``hdfs://``, ``s3://``, ...) and hub
ids (``Qwen/Qwen2.5-7B-Instruct-1M``) cannot be opened from here and are skipped, not guessed at.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from pathlib import Path
from typing import Any

from longrlvr.errors import UserError, one_line

SAMPLE_ROWS = 64
_REMOTE = re.compile(r"^[a-zA-Z][a-zA-Z0-9+.-]*://")
_HUB_ID = re.compile(r"^[A-Za-z0-9][\w.-]*/[\w.-]+$")


def is_remote(path: str) -> bool:
    return bool(_REMOTE.match(path))


def check_data_file(path: str, setting: str, sample_rows: int = SAMPLE_ROWS) -> str | None:
    """None when ``path`` is a readable LongRLVR parquet file, else one line saying why not."""
    import pyarrow.parquet as pq

    from longrlvr.data import validate_rows
    from longrlvr.data.schema import REQUIRED_COLUMNS

    if is_remote(path):
        return None
    where = f"{setting} {path}"
    if not Path(path).expanduser().is_file():
        return f"{where}: file not found"
    try:
        parquet = pq.ParquetFile(Path(path).expanduser())
    except Exception as exc:  # pyarrow raises ArrowInvalid, OSError, ... for non-parquet bytes
        return f"{where}: not a parquet file ({one_line(exc, 200)})"
    missing = [c for c in REQUIRED_COLUMNS if c not in parquet.schema_arrow.names]
    if missing:
        return f"{where}: missing column(s) {missing} (has {parquet.schema_arrow.names})"
    if parquet.metadata.num_rows == 0:
        return f"{where}: no rows"
    rows = next(parquet.iter_batches(batch_size=sample_rows)).to_pylist()
    try:
        errors = validate_rows(rows)
    except (TypeError, ValueError, KeyError, AttributeError) as exc:
        return f"{where}: rows do not match the schema ({type(exc).__name__}: {one_line(exc, 200)})"
    if errors:
        more = f" (+{len(errors) - 1} more in the first {len(rows)} rows; longrlvr data validate lists them)"
        return f"{where}: {errors[0]}{more if len(errors) > 1 else ''}"
    return None


def check_model(path: str, setting: str) -> str | None:
    """None when ``path`` has a loadable config and tokenizer (or cannot be checked here), else one line."""
    local = Path(path).expanduser()
    if is_remote(path) or (not local.exists() and _HUB_ID.match(path)):
        return None  # remote storage or a hub id: fetched by the workers
    where = f"{setting} {path}"
    if not local.is_dir():
        return f"{where}: not a directory"
    from transformers import AutoConfig, AutoTokenizer

    loaded = {}
    for what, loader in (("config.json", AutoConfig), ("tokenizer", AutoTokenizer)):
        try:
            loaded[what] = loader.from_pretrained(str(local), local_files_only=True)
        except Exception as exc:  # transformers raises OSError, ValueError, JSONDecodeError, ... here
            return f"{where}: cannot load its {what}: {one_line(exc, 200)}"
    size, vocab = len(loaded["tokenizer"]), getattr(loaded["config.json"], "vocab_size", None)
    if size <= 1:  # transformers builds an empty tokenizer when the directory has no tokenizer files
        return f"{where}: cannot load its tokenizer: no tokenizer files (tokenizer.json / vocab)"
    if isinstance(vocab, int) and size > vocab:
        return f"{where}: the tokenizer has {size} tokens but config.json vocab_size is {vocab}"
    return None


def check_inputs(data_files: dict[str, Iterable[str]], models: dict[str, str | None]) -> None:
    """Check every data file and model; raise one :class:`UserError` listing the problems."""
    problems = [p for setting, files in data_files.items() for f in files if (p := check_data_file(str(f), setting))]
    problems += [p for setting, path in models.items() if path and (p := check_model(str(path), setting))]
    if problems:
        raise UserError("; ".join(problems))


def check_verl_inputs(cfg: Any) -> None:
    """:func:`check_inputs` on a composed verl config (data files, policy model, verl-served judge model)."""
    models = {"MODEL_PATH": cfg.actor_rollout_ref.model.path}
    if cfg.reward.reward_model.enable:
        models["JUDGE_MODEL_PATH"] = cfg.reward.reward_model.model_path
    check_inputs({"TRAIN_FILES": _files(cfg.data.train_files), "VAL_FILES": _files(cfg.data.val_files)}, models)


def _files(value: Any) -> list[str]:
    return [str(value)] if isinstance(value, str) else [str(v) for v in value or []]
