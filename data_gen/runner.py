"""The one resumable jsonl runner every data_gen stage runs on.

A *stage handler* maps one input record to zero or more output records::

    def handler(record: dict, ctx: RecordContext) -> Iterable[dict | Skip]   # or an ``async def``

- Return (or yield) output records; an output without an ``"id"`` gets ``f"{input_id}/{k}"``.
- ``raise Skip(reason)`` drops the whole input record; a ``Skip(reason)`` *item* in the returned iterable drops
  one sub-item (e.g. one of several questions) while the others are kept. Both are counted by reason.
- ``raise Fail(reason)`` (an LLM call that failed after its retries, un-encodable text, a bad input field) leaves
  the record *unfinished*: nothing is written for it, a later run retries it, and ``StageStats.failed`` counts
  it by reason with the first ids and details. Outputs that cannot be encoded as UTF-8 (a lone surrogate in an
  LLM reply) fail their record the same way; another record's problem never blocks a batch.
- ``ctx.rng`` / ``ctx.seed`` are derived from ``(seed, stage, id)`` only, so results do not depend on the order
  of processing or on where a previous run stopped.

Files: ``output`` holds the records; ``output + ".done"`` is the ledger, one line per *finished* input id
(``{"id", "n", "skip", "drops"}``), skipped ids included so a rerun does not redo them; failed ids are never in it.
Details stored in the ledger pass through :func:`longrlvr.llm.redact.redact` (no key reaches disk).
Outputs of a batch are written and fsynced before their ledger lines, and results are committed in input order
(async handlers run concurrently, bounded by ``concurrency``), so after a crash the first ``sum(n)`` output lines
are exactly the outputs of the ledgered ids: resume truncates torn or orphaned lines and continues. A rerun
therefore gives byte-for-byte the output of an uninterrupted run when the handler is deterministic and no record
failed (retried failed records are appended after the others).
"""

from __future__ import annotations

import asyncio
import hashlib
import inspect
import random
import sys
import time
from collections import Counter, deque
from collections.abc import Awaitable, Callable, Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from tqdm.auto import tqdm

from longrlvr import jsonl
from longrlvr.errors import UserError
from longrlvr.llm.redact import redact

Record = dict[str, Any]
MAX_LISTED_FAILURES = 10  # failed ids (with their details) kept in the stats / manifest


class Skip(Exception):
    """Drop an input record (raised) or one sub-item (yielded), counted under ``reason``."""

    def __init__(self, reason: str, detail: str | None = None) -> None:
        super().__init__(f"{reason}: {detail}" if detail else reason)
        self.reason = reason
        self.detail = detail


class Fail(Exception):
    """Leave an input record unfinished (retried by a later run), counted under ``reason``."""

    def __init__(self, reason: str, detail: str | None = None) -> None:
        super().__init__(f"{reason}: {detail}" if detail else reason)
        self.reason = reason
        self.detail = detail


def record_seed(seed: int, stage: str, record_id: str) -> int:
    """A 63-bit seed from ``(seed, stage, id)``: stable across processes, orders and resumes."""
    digest = hashlib.sha256(f"{seed}|{stage}|{record_id}".encode()).digest()
    return int.from_bytes(digest[:8], "big") >> 1


@dataclass(frozen=True)
class RecordContext:
    """What a handler knows besides the record: its id, stage name and its own seeded RNG."""

    id: str
    stage: str
    seed: int
    rng: random.Random


Handler = Callable[[Record, RecordContext], Iterable[Record | Skip] | Awaitable[Iterable[Record | Skip]]]


@dataclass
class StageStats:
    """Counters of one stage output (cumulative over resumed runs) and this run's wall time."""

    name: str
    done: int = 0  # input ids finished (kept or skipped)
    kept: int = 0  # input ids with at least one output
    outputs: int = 0
    skipped: Counter = field(default_factory=Counter)  # reason -> count (whole inputs and sub-items)
    resumed: int = 0  # ids already finished before this run
    seconds: float = 0.0
    failed: Counter = field(default_factory=Counter)  # reason -> input ids left unfinished by this run
    failures: dict[str, str] = field(default_factory=dict)  # first failed ids -> "reason: detail" (redacted)

    def fail(self, record_id: str, failure: Fail) -> None:
        self.failed[failure.reason] += 1
        if len(self.failures) < MAX_LISTED_FAILURES:
            self.failures[record_id] = redact(str(failure))[:300]

    def summary(self) -> str:
        """One line: how many records failed, by reason, and the first ids with their details."""
        total = sum(self.failed.values())
        reasons = ", ".join(f"{reason}: {n}" for reason, n in sorted(self.failed.items()))
        listed = "; ".join(f"{rid} ({detail})" for rid, detail in list(self.failures.items())[:3])
        return f"stage {self.name}: {total} record(s) failed ({reasons}), left unfinished for a rerun: {listed}"

    def add(self, entry: Record) -> None:
        self.done += 1
        self.outputs += entry["n"]
        self.kept += entry["n"] > 0
        if entry.get("skip"):
            self.skipped[entry["skip"]] += 1
        self.skipped.update(entry.get("drops") or {})

    def to_dict(self) -> dict[str, Any]:
        return {
            "done": self.done,
            "kept": self.kept,
            "outputs": self.outputs,
            "skipped": dict(sorted(self.skipped.items())),
            "resumed": self.resumed,
            "failed": dict(sorted(self.failed.items())),
            "failures": dict(self.failures),
            "seconds": round(self.seconds, 3),
        }


def ledger_path(output: str | Path) -> Path:
    return Path(f"{output}.done")


def _warn(message: str) -> None:
    print(message, file=sys.stderr)


def _encode(records: list[Record]) -> bytes:
    """The jsonl bytes of ``records``; :class:`Fail` when a string cannot be UTF-8 (a lone surrogate)."""
    try:
        return jsonl.encode(records)
    except UnicodeEncodeError as e:
        raise Fail("unencodable_text", f"{e.reason} {e.object[e.start : e.end]!r} in an output record") from None


def _load_ledger(output: Path, stats: StageStats) -> set[str]:
    """Finished ids from the ledger; cut a torn ledger line and outputs of ids not in the ledger."""
    ledger = ledger_path(output)
    jsonl.keep_first(ledger)
    done: set[str] = set()
    for entry in jsonl.iter_records(ledger, missing_ok=True):
        done.add(entry["id"])
        stats.add(entry)
    if jsonl.keep_first(output, stats.outputs) != stats.outputs:
        raise UserError(f"{output}: fewer records than its ledger {ledger} lists; delete both to start over")
    stats.resumed = stats.done
    return done


class _Committer:
    """Group commit: outputs first (write, flush, fsync), then their ledger lines, every ``sync_every_s``."""

    def __init__(self, output: Path, stats: StageStats, sync_every_s: float) -> None:
        self.stats = stats
        self.sync_every_s = sync_every_s
        self.output = output
        for path in (output, ledger_path(output)):
            path.touch()  # an empty stage still leaves its (empty) output for the next stage
        self.pending: list[tuple[bytes, Record]] = []
        self.last_sync = time.monotonic()

    def add(self, outputs: bytes, entry: Record) -> None:
        self.pending.append((outputs, entry))
        self.stats.add(entry)
        if time.monotonic() - self.last_sync >= self.sync_every_s:
            self.sync()

    def sync(self) -> None:
        if self.pending:
            jsonl.append_encoded(self.output, b"".join(outs for outs, _ in self.pending), fsync=True)
            entries = jsonl.encode((entry for _, entry in self.pending), ascii=True)  # any detail text can be written
            jsonl.append_encoded(ledger_path(self.output), entries, fsync=True)
            self.pending.clear()
        self.last_sync = time.monotonic()


async def _apply(handler: Handler, record: Record, ctx: RecordContext) -> tuple[bytes, Record] | Fail:
    """Run the handler on one record; return its encoded outputs and ledger entry, or its :class:`Fail`."""
    try:
        return await _outputs(handler, record, ctx)
    except Fail as failure:
        return failure
    except Exception as e:  # a bug or an unexpected record: stop the stage, naming the record
        e.add_note(f"stage {ctx.stage}, record {ctx.id!r}")
        raise


async def _outputs(handler: Handler, record: Record, ctx: RecordContext) -> tuple[bytes, Record]:
    try:
        result = handler(record, ctx)
        if inspect.isawaitable(result):
            result = await result
        items = list(result or ())
    except Skip as skip:
        entry = {"id": ctx.id, "n": 0, "skip": skip.reason}
        return b"", entry | ({"detail": redact(skip.detail)} if skip.detail else {})
    outputs: list[Record] = []
    drops: Counter = Counter()
    for item in items:
        if isinstance(item, Skip):
            drops[item.reason] += 1
        elif isinstance(item, dict):
            outputs.append(item if "id" in item else {"id": f"{ctx.id}/{len(outputs)}", **item})
        else:
            raise TypeError(f"stage {ctx.stage}, record {ctx.id}: handler yielded {type(item).__name__}")
    entry: Record = {"id": ctx.id, "n": len(outputs), "skip": None}
    return _encode(outputs), entry | ({"drops": dict(drops)} if drops else {})


async def arun_stage(
    name: str,
    handler: Handler,
    inputs: str | Path | Iterable[Record],
    output: str | Path,
    *,
    seed: int = 0,
    concurrency: int = 1,
    id_key: str = "id",
    total: int | None = None,
    progress: bool = True,
    sync_every_s: float = 1.0,
    require_records: bool = False,
) -> StageStats:
    """Run ``handler`` over ``inputs`` (a jsonl path or records), appending to ``output``; resume if it exists.

    ``concurrency`` bounds how many async handler calls are in flight; results are committed in input order.
    ``require_records``: an input file without records is an error (the pipeline's documents file).
    Failed records (:class:`Fail`) are counted in the returned stats; the caller decides how to report them.
    """
    output = Path(output)
    output.parent.mkdir(parents=True, exist_ok=True)
    stats = StageStats(name)
    done = _load_ledger(output, stats)
    if isinstance(inputs, (str, Path)):
        source, total = str(inputs), jsonl.count(inputs) if total is None else total
        if require_records and total == 0:
            raise UserError(f"{source}: no records (the input file is empty)")
        inputs = jsonl.iter_records(inputs, on_torn=lambda n, text: _warn(f"{source}:{n}: torn last line skipped"))
    else:
        source = f"stage {name} inputs"
    started = time.perf_counter()
    limit = asyncio.Semaphore(max(1, concurrency))
    window: deque[asyncio.Task] = deque()
    seen: set[str] = set()
    committer = _Committer(output, stats, sync_every_s)
    bar = tqdm(total=total, initial=len(done), desc=name, unit="rec", disable=not progress, dynamic_ncols=True)

    async def run_one(record: Record, ctx: RecordContext) -> tuple[str, tuple[bytes, Record] | Fail]:
        async with limit:
            return ctx.id, await _apply(handler, record, ctx)

    def commit(done: tuple[str, tuple[bytes, Record] | Fail]) -> None:
        record_id, result = done
        if isinstance(result, Fail):
            stats.fail(record_id, result)
        else:
            committer.add(*result)
        bar.update(1)
        bar.set_postfix(
            kept=stats.kept, skipped=sum(stats.skipped.values()), failed=sum(stats.failed.values()), refresh=False
        )

    try:
        for record in inputs:
            if id_key not in record:
                raise UserError(f"{source}: record without {id_key!r}: {str(record)[:120]}")
            rid = str(record[id_key])
            if rid in seen:
                raise UserError(f"{source}: duplicate id {rid!r}")
            seen.add(rid)
            if rid in done:
                continue
            s = record_seed(seed, name, rid)
            window.append(asyncio.ensure_future(run_one(record, RecordContext(rid, name, s, random.Random(s)))))
            while window and (len(window) >= 4 * max(1, concurrency) or window[0].done()):
                commit(await window.popleft())
        while window:
            commit(await window.popleft())
    finally:
        for task in window:
            task.cancel()
        await asyncio.gather(*window, return_exceptions=True)
        committer.sync()
        bar.close()
        stats.seconds = time.perf_counter() - started
    return stats


def run_stage(*args: Any, **kwargs: Any) -> StageStats:
    """Synchronous :func:`arun_stage` (starts its own event loop)."""
    return asyncio.run(arun_stage(*args, **kwargs))
