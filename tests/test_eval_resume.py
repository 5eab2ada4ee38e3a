"""Resume needs no hand fix: a kill, a torn last line and an item-level HTTP 400 end with every item once."""

from __future__ import annotations

import json

import pytest

from longrlvr import jsonl
from longrlvr.cli import main
from longrlvr.eval.backends import GenerationSettings, OpenAIGenerator
from longrlvr.eval.loaders import load_niah
from longrlvr.eval.runner import run_items
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
    """Wraps a generator; the run is interrupted (as by Ctrl-C) when batch ``n`` starts."""

    def __init__(self, inner, n):
        self.inner, self.n, self.calls = inner, n, 0

    def generate(self, conversations):
        self.calls += 1
        if self.calls == self.n:
            raise KeyboardInterrupt
        return self.inner.generate(conversations)


def _cli_run(tmp_path, data, server):
    argv = ["eval", "run", "--benchmark", "niah", "--backend", "openai", "--model", "m", "--out", str(tmp_path / "run")]
    overrides = [
        f"data.path={data}",
        f"llm.base_urls={server.base_url}",
        "llm.max_retries=0",
        "generation.batch_size=2",
    ]
    return main([*argv, *(x for o in overrides for x in ("--set", o))])


def test_kill_torn_line_and_http_400_end_with_every_item_once(tmp_path, capsys):
    data = _write_niah(tmp_path / "niah.jsonl")
    pred = tmp_path / "run" / "niah" / "niah.jsonl"
    failed = tmp_path / "run" / "niah" / "niah.failed.jsonl"
    items = load_niah(data)
    settings = GenerationSettings(max_new_tokens=8, batch_size=2)

    with FakeLLMServer(_handler(refuse=True)) as server:
        gen = OpenAIGenerator({"base_urls": server.base_url, "model": "m", "max_retries": 0}, settings)
        with pytest.raises(KeyboardInterrupt):  # killed when the second batch starts
            run_items("niah", items, _KilledAfter(gen, 2), tmp_path / "run", batch_size=2)
        gen.close()
    assert [r["id"] for r in jsonl.read(pred)] == ["n0", "n1"]
    with open(pred, "a") as f:  # a kill in the middle of the next append
        f.write('{"index": "n2", "pred": "<answer>o')

    with FakeLLMServer(_handler(refuse=True)) as server:
        assert _cli_run(tmp_path, data, server) == 0
    stats = json.loads(capsys.readouterr().out.strip().splitlines()[-1])
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

        def generate(self, conversations):
            self.calls += 1
            if self.calls == 1:
                raise RuntimeError("CUDA out of memory")
            return ["<answer>x</answer>"] * len(conversations)

    items = load_niah(_write_niah(tmp_path / "niah.jsonl"))
    stats = run_items("niah", items, Flaky(), tmp_path / "run", batch_size=4)
    assert (stats.generated, stats.failed) == (2, 4)
    failures = jsonl.read(tmp_path / "run" / "niah" / "niah.failed.jsonl")
    assert [f["error"] for f in failures] == ["RuntimeError: CUDA out of memory"] * 4
