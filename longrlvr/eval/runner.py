"""``eval run``: load a benchmark's items, generate with a backend, append prediction records (resumable)."""

from __future__ import annotations

import json
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from tqdm.auto import tqdm

from longrlvr.eval.backends import Generator
from longrlvr.eval.items import EvalItem
from longrlvr.eval.loaders import load_longbench_v2, load_longreason, load_niah
from longrlvr.eval.records import append_record, finished_ids, prediction_path, prediction_record
from longrlvr.eval.ruler_qa import TASKS, build_ruler_qa

RUN_BENCHMARKS = ("ruler", "longbench_v2", "longreason", "niah")
SETTINGS_FILE = "settings.json"


def load_items(benchmark: str, data: dict[str, Any], tokenizer: Any) -> list[EvalItem]:
    """The items of ``benchmark`` from the ``data`` section of an eval config (see configs/eval/)."""
    chunk_tokens = int(data.get("chunk_tokens", 512))
    if benchmark == "ruler":
        tasks = [t for t in TASKS if data.get(t)]
        if not tasks:
            raise ValueError(f"ruler: give a SQuAD v2 file as data.qa_1 and/or a HotpotQA file as data.qa_2 ({TASKS})")
        return [
            item
            for length in data["lengths"]
            for task in tasks
            for item in build_ruler_qa(
                task,
                data[task],
                tokenizer,
                int(length),
                num_samples=int(data.get("num_samples", 100)),
                chunk_tokens=chunk_tokens,
                reserve_tokens=int(data.get("reserve_tokens", 1024)),
                seed=int(data.get("seed", 42)),
            )
        ]
    if benchmark == "longbench_v2":
        return load_longbench_v2(
            data["path"], tokenizer, chunk_tokens=chunk_tokens, max_context_tokens=data.get("max_context_tokens")
        )
    if benchmark == "longreason":
        return load_longreason(data["path"], tokenizer, chunk_tokens=chunk_tokens, split=data.get("split"))
    if benchmark == "niah":
        return load_niah(data["path"])
    raise ValueError(f"unknown benchmark {benchmark!r}; expected one of {RUN_BENCHMARKS}")


def record_settings(bench_dir: Path, settings: dict[str, Any]) -> None:
    """Write ``settings.json``; a resumed run must use the same settings (else the file would mix runs)."""
    path = bench_dir / SETTINGS_FILE
    if path.exists():
        old = json.loads(path.read_text(encoding="utf-8"))
        if old != settings:
            changed = sorted(k for k in {*old, *settings} if old.get(k) != settings.get(k))
            raise ValueError(f"{path}: settings differ from this run ({', '.join(changed)}); use a new output dir")
        return
    bench_dir.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps(settings, indent=2, sort_keys=True), encoding="utf-8")


@dataclass
class RunStats:
    total: int
    skipped: int
    generated: int


def run_items(
    benchmark: str, items: Sequence[EvalItem], generator: Generator, run_dir: str | Path, batch_size: int
) -> RunStats:
    """Generate for the items not yet in their prediction files; append one record per item."""
    done: dict[Path, set[str]] = {}
    todo = []
    for item in items:
        path = prediction_path(run_dir, benchmark, item)
        if path not in done:
            done[path] = finished_ids(path)
        if item.id not in done[path]:
            todo.append((path, item))
    with tqdm(total=len(todo), desc=f"eval {benchmark}") as bar:
        for start in range(0, len(todo), batch_size):
            batch = todo[start : start + batch_size]
            responses = generator.generate([item.messages() for _, item in batch])
            for (path, item), response in zip(batch, responses, strict=True):
                append_record(path, prediction_record(benchmark, item, response))
            bar.update(len(batch))
    return RunStats(total=len(items), skipped=len(items) - len(todo), generated=len(todo))
