"""Length curriculum: bucket rows by prompt length, then train phase by phase on longer contexts.

A schedule (YAML, see configs/data_gen/curriculum.yaml) is a list of phases, each with its train files,
prompt length and number of steps. Both back ends run one process per phase that resumes from the
previous phase's last checkpoint in a shared checkpoint directory, with the step limit cumulative:

* verl (``./run_longrl.sh``): ``data.train_files``, ``data.max_prompt_length``,
  ``trainer.total_training_steps`` (cumulative), ``trainer.default_local_dir``, ``trainer.resume_mode=auto``;
* local engine (``python -m longrlvr.local``): ``data.train_files`` (one file), ``trainer.steps`` (cumulative),
  ``run_dir``, ``trainer.resume=true``.

``python -m data_gen.curriculum bucket|plan|run`` buckets a parquet file, prints the phase commands, or
runs them in order (``scripts/curriculum.sh`` wraps ``run``).
"""

from __future__ import annotations

import argparse
import shlex
import subprocess
import sys
from bisect import bisect_left
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from omegaconf import OmegaConf

from longrlvr.chunking import count_tokens_batch
from longrlvr.data import read_parquet, write_parquet

DEFAULT_BUCKETS = (8192, 16384, 32768, 65536)
LAUNCHERS = {"verl": ["./run_longrl.sh"], "local": [sys.executable, "-m", "longrlvr.local"]}


@dataclass(frozen=True)
class Phase:
    name: str
    train_files: tuple[str, ...]
    max_prompt_length: int
    steps: int  # steps of this phase (the limit passed on is cumulative)


@dataclass(frozen=True)
class Schedule:
    phases: tuple[Phase, ...]
    checkpoint_dir: str
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


def load_schedule(path: str | Path) -> Schedule:
    """Read a schedule YAML; errors name the file and the phase."""
    raw = OmegaConf.to_container(OmegaConf.load(path), resolve=True)
    if not isinstance(raw, dict) or not raw.get("phases"):
        raise ValueError(f"{path}: needs a non-empty 'phases' list")
    phases = []
    for i, p in enumerate(raw["phases"]):
        missing = {"train_files", "max_prompt_length", "steps"} - set(p)
        if missing:
            raise ValueError(f"{path}: phase {i} misses {sorted(missing)}")
        files = [p["train_files"]] if isinstance(p["train_files"], str) else list(p["train_files"])
        phases.append(
            Phase(str(p.get("name", f"phase{i}")), tuple(files), int(p["max_prompt_length"]), int(p["steps"]))
        )
    return Schedule(
        tuple(phases), str(raw.get("checkpoint_dir", "checkpoints/curriculum")), tuple(raw.get("overrides") or ())
    )


def phase_overrides(schedule: Schedule, backend: str) -> list[list[str]]:
    """Hydra overrides of each phase for ``backend`` (``verl`` or ``local``)."""
    out, done = [], 0
    for phase in schedule.phases:
        done += phase.steps
        files = "[" + ",".join(phase.train_files) + "]"
        if backend == "verl":
            args = [
                f"data.train_files={files}", f"data.max_prompt_length={phase.max_prompt_length}",
                f"trainer.total_training_steps={done}", f"trainer.default_local_dir={schedule.checkpoint_dir}",
                "trainer.resume_mode=auto",
            ]  # fmt: skip
        elif backend == "local":  # the local engine reads one parquet file
            if len(phase.train_files) != 1:
                raise ValueError(f"phase {phase.name}: the local engine takes exactly one train file")
            args = [
                f"data.train_files={phase.train_files[0]}",
                f"trainer.steps={done}",
                f"run_dir={schedule.checkpoint_dir}",
                "trainer.resume=true",
            ]
        else:
            raise ValueError(f"unknown backend {backend!r}; expected verl or local")
        out.append([*args, *schedule.overrides])
    return out


def phase_commands(schedule: Schedule, backend: str, extra: Sequence[str] = ()) -> list[list[str]]:
    return [[*LAUNCHERS[backend], *args, *extra] for args in phase_overrides(schedule, backend)]


def _bucket_main(args: argparse.Namespace) -> None:
    from transformers import AutoTokenizer

    rows = read_parquet(args.input)
    buckets = bucket_rows(
        rows, AutoTokenizer.from_pretrained(args.tokenizer), [int(b) for b in args.buckets.split(",")]
    )
    Path(args.out_dir).mkdir(parents=True, exist_ok=True)
    for bound, part in buckets.items():
        write_parquet(part, Path(args.out_dir) / f"bucket_{bound}.parquet")
        print(f"bucket {bound}: {len(part)} rows")
    print(f"dropped (longer than {max(buckets)}): {len(rows) - sum(map(len, buckets.values()))}")


def main(argv: Sequence[str] | None = None) -> int:
    ap = argparse.ArgumentParser(prog="python -m data_gen.curriculum", description=__doc__.split("\n")[0])
    sub = ap.add_subparsers(dest="cmd", required=True)
    b = sub.add_parser("bucket", help="split a parquet file into length buckets")
    b.add_argument("--input", required=True)
    b.add_argument("--tokenizer", required=True, help="HF tokenizer name or path")
    b.add_argument("--buckets", default=",".join(map(str, DEFAULT_BUCKETS)))
    b.add_argument("--out-dir", required=True)
    for name in ("plan", "run"):
        p = sub.add_parser(name, help=f"{name} the phase commands of a schedule")
        p.add_argument("schedule")
        p.add_argument("--backend", choices=sorted(LAUNCHERS), default="verl")
        p.add_argument("extra", nargs="*", help="hydra overrides added to every phase")
    args, unknown = ap.parse_known_args(argv)  # hydra overrides may also follow --backend
    if args.cmd == "bucket" or any(u.startswith("-") for u in unknown):
        args = ap.parse_args(argv)  # strict: exits on unknown options
    if args.cmd == "bucket":
        _bucket_main(args)
        return 0
    commands = phase_commands(load_schedule(args.schedule), args.backend, [*args.extra, *unknown])
    for i, cmd in enumerate(commands):
        print(f"# phase {i + 1}/{len(commands)}: {shlex.join(cmd)}", flush=True)
        if args.cmd == "run":
            subprocess.run(cmd, check=True)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
