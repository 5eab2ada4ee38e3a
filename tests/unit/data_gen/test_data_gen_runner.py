"""The shared jsonl runner: outputs, skips, seeding, crash safety, resume, ordered async commits."""

import asyncio
import json
import random

import pytest
from longrlvr.data_gen.runner import Skip, arun_stage, ledger_path, record_seed, run_stage

from longrlvr import jsonl

INPUTS = [{"id": f"r{i}", "x": i} for i in range(20)]


def handler(record, ctx):
    """Two outputs for even x, one dropped sub-item for x % 3 == 0, a whole skip for x % 5 == 4."""
    if record["x"] % 5 == 4:
        raise Skip("five", detail="x % 5 == 4")
    outs = [{"x": record["x"], "draw": ctx.rng.random()}]
    if record["x"] % 2 == 0:
        outs.append({"id": f"{ctx.id}-b", "x": record["x"]})
    if record["x"] % 3 == 0:
        outs.append(Skip("three"))
    return outs


def test_outputs_ids_counters_and_ledger(tmp_path):
    out = tmp_path / "out.jsonl"
    stats = run_stage("demo", handler, INPUTS, out, seed=3, progress=False)
    rows = list(jsonl.read(out))
    assert [r["id"] for r in rows[:3]] == ["r0/0", "r0-b", "r1/0"]
    assert stats.done == 20 and stats.kept == 16 and stats.outputs == len(rows) == 16 + 8
    assert stats.skipped == {"five": 4, "three": 6}  # r0,r3,r6,r12,r15,r18 (r9 is skipped whole)
    ledger = list(jsonl.read(ledger_path(out)))
    assert {e["id"] for e in ledger} == {r["id"] for r in INPUTS}
    assert next(e for e in ledger if e["id"] == "r4") == {"id": "r4", "n": 0, "skip": "five", "detail": "x % 5 == 4"}
    assert rows[0]["draw"] == random.Random(record_seed(3, "demo", "r0")).random()


def test_rerun_skips_finished_and_skipped_ids(tmp_path):
    out = tmp_path / "out.jsonl"
    run_stage("demo", handler, INPUTS, out, progress=False)
    calls = []
    stats = run_stage(
        "demo", lambda r, c: calls.append(r) or [r], INPUTS + [{"id": "new", "x": 1}], out, progress=False
    )
    assert [r["id"] for r in calls] == ["new"]
    assert stats.resumed == 20 and stats.done == 21 and stats.skipped["five"] == 4


def test_crash_then_resume_is_byte_identical(tmp_path):
    reference = tmp_path / "ref.jsonl"
    run_stage("demo", handler, INPUTS, reference, progress=False)

    def crashing(record, ctx):
        if record["x"] == 13:
            raise RuntimeError("killed")
        return handler(record, ctx)

    out = tmp_path / "out.jsonl"
    with pytest.raises(RuntimeError, match="killed"):
        run_stage("demo", crashing, INPUTS, out, progress=False, sync_every_s=0.0)
    # A torn output line and an orphan output (no ledger line) from the crash are cut on resume.
    with open(out, "a") as f:
        f.write(json.dumps({"id": "orphan"}) + "\n" + '{"id": "torn", "x"')
    with open(ledger_path(out), "a") as f:
        f.write('{"id": "r13", "n"')
    run_stage("demo", handler, INPUTS, out, progress=False)
    assert out.read_bytes() == reference.read_bytes()


async def test_async_concurrency_is_bounded_and_commits_in_input_order(tmp_path):
    active, peak = 0, 0

    async def slow(record, ctx):
        nonlocal active, peak
        active += 1
        peak = max(peak, active)
        await asyncio.sleep(0.01 * ((record["x"] * 7) % 5))
        active -= 1
        return [{"x": record["x"]}]

    out = tmp_path / "out.jsonl"
    stats = await arun_stage("slow", slow, INPUTS, out, concurrency=4, progress=False)
    assert peak == 4 and stats.outputs == 20
    assert [r["x"] for r in jsonl.read(out)] == list(range(20))


def test_bad_inputs_are_named(tmp_path):
    src = tmp_path / "in.jsonl"
    src.write_text('{"id": "a"}\n{"id": "a"}\n')
    with pytest.raises(ValueError, match="duplicate id 'a'"):
        run_stage("demo", lambda r, c: [r], src, tmp_path / "o.jsonl", progress=False)
    src.write_text('{"id": "a"}\nnot json\n')
    with pytest.raises(ValueError, match=r"in\.jsonl:2: invalid JSON"):
        run_stage("demo", lambda r, c: [r], src, tmp_path / "o2.jsonl", progress=False)
