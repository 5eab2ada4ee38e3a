"""HF weights out of a verl FSDP checkpoint, through verl's own model merger (never a hand-written one).

verl 0.9.1 writes ``global_step_N/actor/`` = ``model_world_size_W_rank_R.pt`` shards + ``fsdp_config.json`` +
``huggingface/`` (config, tokenizer with its chat template, generation config; no weights unless ``hf_model`` is in
``actor.checkpoint.save_contents``). :func:`export_actor` runs ``verl.model_merger``'s ``FSDPModelMerger`` on it
(bf16 weights + the tokenizer from ``actor/huggingface``) into a temporary directory renamed into place.
"""

from __future__ import annotations

import os
import shutil
from dataclasses import dataclass
from pathlib import Path

from longrlvr.errors import UserError, one_line

FSDP_CONFIG = "fsdp_config.json"
HF_SUBDIR = "huggingface"
WEIGHT_FILES = ("model.safetensors", "model.safetensors.index.json", "pytorch_model.bin")


@dataclass(frozen=True)
class ExportResult:
    """Where the HF model went and what it came from."""

    out_dir: Path
    source: Path
    reused: bool  # an earlier export of the same checkpoint was found


def has_hf_weights(path: Path) -> bool:
    """True when ``path`` holds a loadable HF model (config + weights)."""
    return (path / "config.json").is_file() and any((path / name).is_file() for name in WEIGHT_FILES)


def actor_dir(checkpoint: Path) -> Path | None:
    """The FSDP ``actor/`` directory of ``checkpoint`` (``global_step_N`` or its ``actor/``), or None."""
    for candidate in (checkpoint, checkpoint / "actor"):
        if (candidate / FSDP_CONFIG).is_file():
            return candidate
    return None


def export_actor(actor: Path, out_dir: Path, overwrite: bool = False) -> ExportResult:
    """Merge the FSDP shards of ``actor`` into an HF model directory ``out_dir`` (bf16, with tokenizer)."""
    if has_hf_weights(out_dir) and not overwrite:
        return ExportResult(out_dir, actor, reused=True)
    if (actor / HF_SUBDIR / "config.json").is_file() is False:
        raise UserError(f"{actor}: no {HF_SUBDIR}/config.json (not a verl FSDP actor checkpoint)")
    from verl.model_merger.base_model_merger import ModelMergerConfig
    from verl.model_merger.fsdp_model_merger import FSDPModelMerger

    tmp = out_dir.with_name(f".tmp_{out_dir.name}")
    shutil.rmtree(tmp, ignore_errors=True)
    tmp.mkdir(parents=True)
    config = ModelMergerConfig(
        operation="merge",
        backend="fsdp",
        local_dir=str(actor),
        target_dir=str(tmp),
        hf_model_config_path=str(actor / HF_SUBDIR),  # the CLI derives it; the dataclass defaults to None
    )
    merger = FSDPModelMerger(config)
    try:
        merger.merge_and_save()  # ends with verl's validate_hf_model_output (RuntimeError when incomplete)
    except (OSError, ValueError, RuntimeError, AssertionError) as exc:
        shutil.rmtree(tmp, ignore_errors=True)
        raise UserError(f"{actor}: verl's model merger failed: {one_line(exc, 300)}") from exc
    finally:
        merger.cleanup()
    if out_dir.exists():
        shutil.rmtree(out_dir)
    os.replace(tmp, out_dir)
    return ExportResult(out_dir, actor, reused=False)


def export_checkpoint(checkpoint: Path, out_dir: Path, overwrite: bool = False) -> ExportResult:
    """:func:`export_actor` for a ``global_step_N`` or ``actor/`` directory; one-line error for anything else."""
    actor = actor_dir(checkpoint)
    if actor is None:
        raise UserError(f"{checkpoint}: not a verl checkpoint (no {FSDP_CONFIG} in it or in its actor/)")
    return export_actor(actor, out_dir, overwrite)


def latest_step_dir(run_dir: Path) -> Path | None:
    """``run_dir/global_step_<latest>`` named by verl's ``latest_checkpointed_iteration.txt``, or None."""
    marker = run_dir / "latest_checkpointed_iteration.txt"
    if not marker.is_file():
        return None
    step = run_dir / f"global_step_{marker.read_text().strip()}"
    return step if step.is_dir() else None
