"""``eval run``: load a benchmark's items, generate with a chat backend, append prediction records (resumable).

Resume needs no hand fix: a torn last line is cut, items already in a prediction file are skipped, items
whose generation failed (an :class:`~longrlvr.llm.LLMError` after the backend's retries, or any engine error
such as CUDA out of memory) are written to ``<task>.failed.jsonl`` with the reason and retried by the next
run; every item ends up in its prediction file exactly once.
"""

from __future__ import annotations

import asyncio
from collections.abc import Sequence
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any

from tqdm.auto import tqdm

from longrlvr import jsonl
from longrlvr.eval import benchmarks
from longrlvr.eval.items import EvalItem, PromptSettings
from longrlvr.eval.records import finished_ids, read_failures, write_failures
from longrlvr.llm import ChatBackend, LLMError, Sampling
from longrlvr.llm.chat import check_sampling
from longrlvr.llm.redact import redact

SETTINGS_FILE = "settings.json"


@dataclass
class GenerationSettings:
    """The ``generation`` section of an eval config (recorded in the run's settings json)."""

    max_new_tokens: int = 512
    temperature: float = 0.0
    top_p: float = 1.0
    batch_size: int = 8  # items generated together (each batch's records are appended when it ends)
    seed: int = 0

    def __post_init__(self) -> None:
        values = {"max_tokens": self.max_new_tokens, "temperature": self.temperature, "top_p": self.top_p}
        check_sampling(values, {"max_tokens": "max_new_tokens"}, prefix="generation.")
        if self.batch_size < 1:
            raise ValueError(f"generation.batch_size must be at least 1, got {self.batch_size}")

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)

    def sampling(self) -> Sampling:
        return Sampling(max_tokens=self.max_new_tokens, temperature=self.temperature, top_p=self.top_p, seed=self.seed)


def load_items(benchmark: str, data: dict[str, Any], tokenizer: Any) -> list[EvalItem]:
    """The items of ``benchmark`` from the ``data`` section of an eval config (see configs/eval/)."""
    return benchmarks.get(benchmark).load(data, tokenizer)


def record_settings(bench_dir: Path, settings: dict[str, Any]) -> None:
    """Write ``settings.json``; a resumed run must use the same settings (else the file would mix runs)."""
    path = bench_dir / SETTINGS_FILE
    if path.exists():
        old = jsonl.read_json(path)
        if old != settings:
            changed = sorted(k for k in {*old, *settings} if old.get(k) != settings.get(k))
            raise ValueError(f"{path}: settings differ from this run ({', '.join(changed)}); use a new output dir")
        return
    jsonl.write_json(path, settings, indent=2, sort_keys=True)


@dataclass
class RunStats:
    total: int
    skipped: int
    generated: int
    failed: int


def failure_reason(error: BaseException) -> str:
    """What ``<task>.failed.jsonl`` records for an item (redacted: an endpoint's error may echo headers)."""
    return redact(error.reason if isinstance(error, LLMError) else f"{type(error).__name__}: {error}")[:500]


async def run_items(
    benchmark: str,
    items: Sequence[EvalItem],
    backend: ChatBackend,
    run_dir: str | Path,
    generation: GenerationSettings,
    prompt: PromptSettings | None = None,
) -> RunStats:
    """Generate for the items not yet in their prediction files; append one record per finished item."""
    bench = benchmarks.get(benchmark)
    prompt = prompt or PromptSettings()
    sampling = generation.sampling()
    done: dict[Path, set[str]] = {}
    failures: dict[Path, dict[str, str]] = {}
    todo = []
    for item in items:
        path = bench.prediction_path(Path(run_dir), item)
        if path not in done:
            done[path] = finished_ids(path)
            failures[path] = {k: v for k, v in read_failures(path).items() if k not in done[path]}
        if item.id not in done[path]:
            todo.append((path, item))
    failed = 0
    batch_size = generation.batch_size
    with tqdm(total=len(todo), desc=f"eval {benchmark}") as bar:
        for start in range(0, len(todo), batch_size):
            batch = todo[start : start + batch_size]
            calls = (backend.generate(bench.messages(item, prompt), sampling) for _, item in batch)
            responses = await asyncio.gather(*calls, return_exceptions=True)
            for (path, item), response in zip(batch, responses, strict=True):
                if isinstance(response, BaseException):
                    failures[path][item.id] = failure_reason(response)
                    failed += 1
                else:
                    jsonl.append(path, [bench.record(item, response[0])])
                    failures[path].pop(item.id, None)
            for path in {p for p, _ in batch}:
                write_failures(path, failures[path])
            bar.update(len(batch))
            bar.set_postfix(failed=failed)
    return RunStats(total=len(items), skipped=len(items) - len(todo), generated=len(todo) - failed, failed=failed)
