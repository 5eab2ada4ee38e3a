"""The ``judged`` variant really calls the judge (a fake OpenAI-compatible server) through the one scorer."""

from __future__ import annotations

import json

from longrlvr import jsonl
from longrlvr.cli import main
from longrlvr.testing.fake_llm_server import FakeLLMServer, Fault
from tests.helpers.eval import authors_longbench_rows


def _handler(request):
    prompt = request["messages"][-1]["content"]
    if "Option A" in prompt:
        return Fault(status=400)  # this verdict fails: reported as failed, never guessed
    return "[[Yes]]" if "The correct answer is (D)" in prompt else "[[No]]"


def test_judged_variant_stores_prompts_and_verdicts_per_item(tmp_path, capsys):
    path = tmp_path / "qwen2.5_14b_1m_longrlvr.jsonl"
    jsonl.rewrite(path, authors_longbench_rows())
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
    rows = jsonl.read(tmp_path / "scored" / path.name)
    assert [r["judge_verdict"] for r in rows] == [True, False, False, None]
    # row 1 has no <answer>/<useful_chunks>: the reward path calls it malformed, so it is not sent
    assert rows[1]["judge_source"].startswith("not_sent:") and rows[1]["judge_messages"] is None
    assert rows[0]["judge_source"] == "judge:llm" and rows[3]["judge_source"] == "failed"
    sent = rows[0]["judge_messages"][-1]["content"]
    assert sent in asked and "The correct answer is (D)" in sent and "(D) option d" in sent
    assert len(asked) == 3  # rows 0, 2, 3 (no retries configured)


def test_judged_variant_on_an_authors_ruler_directory(tmp_path, capsys):
    from tests.helpers.eval import write_authors_ruler

    root = write_authors_ruler(tmp_path / "qwen")
    with FakeLLMServer(lambda req: "[[Yes]]") as server:
        judge = tmp_path / "judge.yaml"
        judge.write_text(f"client:\n  base_urls: {server.base_url}\n  model: judge\n  api_key_env: null\n")
        argv = ["eval", "score", "--benchmark", "ruler", "--input", str(root), "--judge", str(judge)]
        assert main([*argv, "--out", str(tmp_path / "scored")]) == 0
        assert server.num_requests == 2  # items 0 and 1; item 2 has no <answer> and is not sent
    variants = json.loads(capsys.readouterr().out)["lengths"]["32768"]["qa_1"]["variants"]
    assert list(variants) == ["official", "answer", "judged", "release"]
    assert variants["judged"]["score"] == 66.67 and variants["judged"]["failed"] == 0
    rows = jsonl.read(tmp_path / "scored" / "qa_1.jsonl")
    assert [r["judge_verdict"] for r in rows] == [True, True, False]
    assert rows[1]["judge_source"] == "judge:llm" and "Greenwich Village" in rows[1]["judge_messages"][-1]["content"]
