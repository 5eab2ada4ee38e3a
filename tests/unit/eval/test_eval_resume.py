"""Resume needs no hand fix: a kill, a torn last line and an item-level HTTP 400 end with every item once."""

from __future__ import annotations

import asyncio
import json

import pytest

from longrlvr import jsonl
from longrlvr.cli import main
from longrlvr.eval.loaders import load_niah
from longrlvr.eval.runner import GenerationSettings, run_items
from longrlvr.llm.backends import make_backend
from longrlvr.testing.fake_llm_server import FakeLLMServer, Fault

N = 6
BAD = "needle 3"  # the item the endpoint refuses (HTTP 400) until it is fixed


def _write_niah(path):
    rows = [
        {
            "id": f"n{i}",
            "length": 64,
            "question": f"What is {'needle' if i != 3 else BAD} {i}?",
            "answers": [str(i)],
            "chunks": ["hay", f"needle {i} is {i}", "hay"],
            "ref_chunks": [1],
        }
        for i in range(N)
    ]
    path.write_text("".join(json.dumps(r) + "\n" for r in rows))
    return path


def _handler(refuse: bool):
    def handle(request):
        prompt = request["messages"][-1]["content"]
        if refuse and BAD in prompt:
            return Fault(status=400)
        return "<useful_chunks><CHUNK_1></useful_chunks><answer>ok</answer>"

    return handle


class _KilledAfter:
    """Wraps a backend; the run is interrupted (as by Ctrl-C) at its ``n``-th call."""

    def __init__(self, inner, n):
        self.inner, self.n, self.calls = inner, n, 0

    async def generate(self, messages, sampling, *, validate=None):
        self.calls += 1
        if self.calls == self.n:
            raise KeyboardInterrupt
        return await self.inner.generate(messages, sampling, validate=validate)


def _cli_run(tmp_path, data, server, *flags):
    argv = [
        "eval",
        "run",
        *flags,
        "--benchmark",
        "niah",
        "--backend",
        "openai",
        "--model",
        "m",
        "--out",
        str(tmp_path / "run"),
    ]
    overrides = [
        f"data.path={data}",
        f"client.base_urls={server.base_url}",
        "client.max_retries=0",
        "generation.batch_size=2",
    ]
    return main([*argv, *(x for o in overrides for x in ("--set", o))])


def test_kill_torn_line_and_http_400_end_with_every_item_once(tmp_path, capsys):
    data = _write_niah(tmp_path / "niah.jsonl")
    pred = tmp_path / "run" / "niah" / "niah.jsonl"
    failed = tmp_path / "run" / "niah" / "niah.failed.jsonl"
    items = load_niah(data)
    settings = GenerationSettings(max_new_tokens=8, batch_size=2)

    async def killed_in_second_batch(server):
        backend = make_backend(
            {"backend": "openai", "model": "m", "client": {"base_urls": server.base_url, "max_retries": 0}}
        )
        try:
            await run_items("niah", items, _KilledAfter(backend, 3), tmp_path / "run", settings)
        finally:
            await backend.aclose()

    with FakeLLMServer(_handler(refuse=True)) as server:
        with pytest.raises(KeyboardInterrupt):  # killed when the second batch starts
            asyncio.run(killed_in_second_batch(server))
    assert [r["id"] for r in jsonl.read(pred)] == ["n0", "n1"]
    with open(pred, "a") as f:  # a kill in the middle of the next append
        f.write('{"index": "n2", "pred": "<answer>o')

    with FakeLLMServer(_handler(refuse=True)) as server:
        assert _cli_run(tmp_path, data, server) == 1  # an item failed: exit 1, one line with the count
    out, err = capsys.readouterr()
    assert err.strip().splitlines()[-1].startswith("longrlvr eval: 1 of 6 item(s) failed")
    assert "Traceback" not in err
    stats = json.loads(out.strip().splitlines()[-1])
    assert stats["skipped"] == 2 and stats["generated"] == 3 and stats["failed"] == 1
    assert sorted(r["id"] for r in jsonl.read(pred)) == ["n0", "n1", "n2", "n4", "n5"]
    [failure] = jsonl.read(failed)
    assert failure["id"] == "n3" and "HTTP 400" in failure["error"]

    with FakeLLMServer(_handler(refuse=False)) as server:  # the endpoint is fixed: the rerun retries n3 only
        assert _cli_run(tmp_path, data, server) == 0
        assert server.num_requests == 1
    stats = json.loads(capsys.readouterr().out.strip().splitlines()[-1])
    assert stats == {"run_dir": str(tmp_path / "run"), "total": N, "skipped": 5, "generated": 1, "failed": 0}
    ids = [r["id"] for r in jsonl.read(pred)]
    assert sorted(ids) == [f"n{i}" for i in range(N)] and len(ids) == N
    assert not failed.exists()
    assert pred.read_text().endswith("\n")


def test_a_batch_level_exception_fails_each_item_and_the_run_goes_on(tmp_path):
    class Flaky:
        calls = 0

        async def generate(self, messages, sampling, *, validate=None):
            self.calls += 1
            if self.calls <= 4:  # the whole first batch
                raise RuntimeError("CUDA out of memory")
            return ["<answer>x</answer>"] * sampling.n

    items = load_niah(_write_niah(tmp_path / "niah.jsonl"))
    stats = asyncio.run(run_items("niah", items, Flaky(), tmp_path / "run", GenerationSettings(batch_size=4)))
    assert (stats.generated, stats.failed) == (2, 4)
    failures = jsonl.read(tmp_path / "run" / "niah" / "niah.failed.jsonl")
    assert [f["error"] for f in failures] == ["RuntimeError: CUDA out of memory"] * 4


def test_a_misspelled_client_key_is_one_line_naming_the_closest_key(tmp_path, capsys):
    data = _write_niah(tmp_path / "niah.jsonl")
    argv = ["eval", "run", "--benchmark", "niah", "--backend", "openai", "--model", "m", "--out", str(tmp_path / "r")]
    assert main([*argv, "--set", f"data.path={data}", "--set", "client.base_url=http://127.0.0.1:9/v1"]) == 2
    err = capsys.readouterr().err.strip()
    assert "unknown key 'base_url' (did you mean 'base_urls'?)" in err and "\n" not in err


def test_allow_failures_exits_0_and_every_failure_is_still_recorded(tmp_path, capsys):
    data = _write_niah(tmp_path / "niah.jsonl")
    with FakeLLMServer(_handler(refuse=True)) as server:
        assert _cli_run(tmp_path, data, server, "--allow-failures") == 0
    stats = json.loads(capsys.readouterr().out.strip().splitlines()[-1])
    assert stats["failed"] == 1 and stats["generated"] == N - 1
    assert len(jsonl.read(tmp_path / "run" / "niah" / "niah.failed.jsonl")) == stats["failed"]
