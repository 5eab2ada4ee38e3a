"""The ``judged`` variant really calls the judge (a fake OpenAI-compatible server) through the one scorer."""

from __future__ import annotations

import json

from eval_helpers import authors_longbench_rows

from longrlvr.cli import main
from longrlvr.eval.records import read_jsonl, write_jsonl
from longrlvr.testing.fake_llm_server import FakeLLMServer, Fault


def _handler(request):
    prompt = request["messages"][-1]["content"]
    if "Option A" in prompt:
        return Fault(status=400)  # this verdict fails: reported as failed, never guessed
    return "[[Yes]]" if "The correct answer is (D)" in prompt else "[[No]]"


def test_judged_variant_stores_prompts_and_verdicts_per_item(tmp_path, capsys):
    path = tmp_path / "qwen2.5_14b_1m_longrlvr.jsonl"
    write_jsonl(authors_longbench_rows(), path)
    with FakeLLMServer(_handler) as server:
        judge = tmp_path / "judge.yaml"
        judge.write_text(f"base_urls: {server.base_url}\nmodel: judge\nmax_retries: 0\napi_key_env: null\n")
        argv = ["eval", "score", "--benchmark", "longbench_v2", "--input", str(path), "--judge", str(judge)]
        assert main([*argv, "--out", str(tmp_path / "scored")]) == 0
        asked = [r["messages"][-1]["content"] for r in server.requests]
    out = json.loads(capsys.readouterr().out)
    judged = out["variants"]["judged"]
    assert judged["score"] == 25.0 and judged["failed"] == 1 and judged["n"] == 4
    assert out["variants"]["official"]["score"] == 25.0  # the other variants are unchanged and separate
    rows = read_jsonl(tmp_path / "scored" / path.name)
    assert [r["judge_verdict"] for r in rows] == [True, False, False, None]
    # row 1 has no <answer>/<useful_chunks>: the reward path calls it malformed, so it is not sent
    assert rows[1]["judge_source"].startswith("not_sent:") and rows[1]["judge_messages"] is None
    assert rows[0]["judge_source"] == "judge:llm" and rows[3]["judge_source"] == "failed"
    sent = rows[0]["judge_messages"][-1]["content"]
    assert sent in asked and "The correct answer is (D)" in sent and "(D) option d" in sent
    assert len(asked) == 3  # rows 0, 2, 3 (no retries configured)
