"""Length curriculum: bucket rows by prompt length, then train phase by phase on longer contexts.

A schedule (YAML, see configs/data_gen/curriculum.yaml) is a list of phases, each with its train files,
prompt length and number of steps. Both back ends run one process per phase that resumes from the
previous phase's last checkpoint in a shared checkpoint directory, with the step limit cumulative:

* verl (``./run_longrl.sh``): ``data.train_files``, ``data.max_prompt_length``,
  ``trainer.total_training_steps`` (cumulative), ``trainer.default_local_dir``, ``trainer.resume_mode=auto``;
* local engine (``longrlvr train --engine local``): ``data.train_files`` (one file), ``trainer.steps`` (cumulative),
  ``run_dir``, ``trainer.resume=true``.

``longrlvr data curriculum bucket|plan|run --config SCHEDULE`` buckets a parquet file, prints the phase
commands, or runs them in order (``scripts/curriculum.sh`` wraps ``run``).
"""

from __future__ import annotations

import argparse
import shlex
import subprocess
import sys
from bisect import bisect_left
from collections.abc import Sequence
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any

from omegaconf import MISSING

from longrlvr.chunking import count_tokens_batch
from longrlvr.config_loader import load_settings
from longrlvr.data import read_parquet, write_parquet
from longrlvr.errors import TaskFailed, UserError
from longrlvr.hf_io import load_tokenizer
from longrlvr.shipped import resolve_config

DEFAULT_BUCKETS = (8192, 16384, 32768, 65536)
LAUNCHERS = {"verl": ["./run_longrl.sh"], "local": [sys.executable, "-m", "longrlvr", "train", "--engine", "local"]}


@dataclass(frozen=True)
class Phase:
    name: str | None = None  # None: phase<i>
    train_files: Any = MISSING  # a path or a list of paths (kept as a tuple)
    max_prompt_length: int = MISSING
    steps: int = MISSING  # steps of this phase (the limit passed on is cumulative)

    def __post_init__(self) -> None:
        files = self.train_files
        if isinstance(files, str | list | tuple):
            object.__setattr__(self, "train_files", (files,) if isinstance(files, str) else tuple(map(str, files)))


@dataclass(frozen=True)
class Schedule:
    phases: tuple[Phase, ...] = ()
    checkpoint_dir: str = "checkpoints/curriculum"
    overrides: tuple[str, ...] = ()  # hydra overrides for every phase


def bucket_rows(rows: Sequence[dict[str, Any]], tokenizer: Any, buckets: Sequence[int] = DEFAULT_BUCKETS):
    """``{bucket: rows}``: each row goes to the smallest bucket its prompt fits (longer rows are dropped)."""
    bounds = sorted(buckets)
    lengths = count_tokens_batch([r["prompt"][-1]["content"] for r in rows], tokenizer)
    out: dict[int, list[dict[str, Any]]] = {b: [] for b in bounds}
    for row, n in zip(rows, lengths, strict=True):
        i = bisect_left(bounds, n)
        if i < len(bounds):
            out[bounds[i]].append({**row, "extra_info": {**row["extra_info"], "prompt_tokens": n}})
    return out


def load_schedule(config: str | Path, overrides: Sequence[str] = ()) -> Schedule:
    """A schedule (shipped name or YAML path, ``key=value`` overrides) through the one config loader; errors
    (unknown or missing keys, no phases) are a UserError naming the file and the phase."""
    schedule = load_settings(config, overrides, group="data_gen", schema=Schedule)
    if not schedule.phases:
        raise UserError(f"{resolve_config(config, 'data_gen')}: needs a non-empty 'phases' list")
    phases = tuple(replace(p, name=f"phase{i}") if p.name is None else p for i, p in enumerate(schedule.phases))
    return replace(schedule, phases=phases)


def phase_overrides(schedule: Schedule, backend: str) -> list[list[str]]:
    """Hydra overrides of each phase for ``backend`` (``verl`` or ``local``)."""
    out, done = [], 0
    for phase in schedule.phases:
        done += phase.steps
        files = "[" + ",".join(phase.train_files) + "]"
        if backend == "verl":
            args = [
                f"data.train_files={files}",
                f"data.max_prompt_length={phase.max_prompt_length}",
                f"trainer.total_training_steps={done}",
                f"trainer.default_local_dir={schedule.checkpoint_dir}",
                "trainer.resume_mode=auto",
            ]
        elif backend == "local":  # the local engine reads one parquet file
            if len(phase.train_files) != 1:
                raise ValueError(f"phase {phase.name}: the local engine takes exactly one train file")
            args = [
                f"data.train_files={phase.train_files[0]}",
                f"trainer.steps={done}",
                f"run_dir={schedule.checkpoint_dir}",
                "trainer.resume=true",
                "trainer.new_data=true",  # each phase trains on its own files (the run records them all)
            ]
        else:
            raise ValueError(f"unknown backend {backend!r}; expected verl or local")
        out.append([*args, *schedule.overrides])
    return out


def phase_commands(schedule: Schedule, backend: str, extra: Sequence[str] = ()) -> list[list[str]]:
    return [[*LAUNCHERS[backend], *args, *extra] for args in phase_overrides(schedule, backend)]


def run_bucket(args: argparse.Namespace) -> int:
    rows = read_parquet(args.input)
    buckets = bucket_rows(
        rows, load_tokenizer(args.tokenizer, "--tokenizer"), [int(b) for b in args.buckets.split(",")]
    )
    Path(args.out_dir).mkdir(parents=True, exist_ok=True)
    for bound, part in buckets.items():
        write_parquet(part, Path(args.out_dir) / f"bucket_{bound}.parquet")
        print(f"bucket {bound}: {len(part)} rows")
    print(f"dropped (longer than {max(buckets)}): {len(rows) - sum(map(len, buckets.values()))}")
    return 0


def run_phases(args: argparse.Namespace) -> int:
    """``plan`` prints the phase commands of a schedule; ``run`` also runs them, one after the other."""
    commands = phase_commands(load_schedule(args.config, args.set), args.backend, args.overrides)
    for i, cmd in enumerate(commands):
        print(f"# phase {i + 1}/{len(commands)}: {shlex.join(cmd)}", flush=True)
        if args.cmd == "run":
            done = subprocess.run(cmd)
            if done.returncode:
                raise TaskFailed(f"phase {i + 1}/{len(commands)} exited {done.returncode}: {shlex.join(cmd)}")
    return 0
