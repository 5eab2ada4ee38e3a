"""The reward manager with the real async judge against a loopback OpenAI-compatible server.

Written against the interfaces of ``longrlvr.judge`` and ``longrlvr.testing.fake_llm_server``; skipped
until both are installed in the checkout.
"""

from __future__ import annotations

import asyncio
import threading
import time

import pytest

from longrlvr.grammar import format_response
from longrlvr.integrations.verl.reward import LongRLVRRewardManager
from tests.helpers.verl import ByteTokenizer, make_item, manager_config

fake_llm_server = pytest.importorskip("longrlvr.testing.fake_llm_server")
pytest.importorskip("longrlvr.judge")


class ScriptedJudgeModel:
    """Handler of the fake server: says [[Yes]] when the candidate names the French capital, counts calls."""

    def __init__(self, reply: str | None = None, latency_s: float = 0.0) -> None:
        self.reply, self.latency_s = reply, latency_s
        self.calls = self.in_flight = self.max_in_flight = 0
        self.lock = threading.Lock()

    def __call__(self, request: dict) -> str:
        with self.lock:
            self.calls += 1
            self.in_flight += 1
            self.max_in_flight = max(self.max_in_flight, self.in_flight)
        try:
            time.sleep(self.latency_s)
            if self.reply is not None:
                return self.reply
            prompt = " ".join(str(m.get("content", "")) for m in request["messages"])
            return "[[Yes]]" if "French capital" in prompt else "[[No]]"
        finally:
            with self.lock:
                self.in_flight -= 1


def judged_manager(server, policy: str = "rule", max_concurrency: int = 4) -> LongRLVRRewardManager:
    client = {
        "base_urls": [server.base_url],
        "model": "judge",
        "api_key_env": None,
        "max_concurrency": max_concurrency,
        "timeout_s": 5,
        "max_retries": 2,
    }
    judge = {"enable": True, "source": "external", "failure_policy": policy, "client": client}
    return LongRLVRRewardManager(manager_config(judge), ByteTokenizer(), None)


async def test_judge_accepts_a_paraphrase_the_rule_rejects():
    model = ScriptedJudgeModel()
    with fake_llm_server.FakeLLMServer(model) as server:
        manager = judged_manager(server)
        yes = await manager.run_single(make_item(format_response([1, 3], "the French capital")))
        no = await manager.run_single(make_item(format_response([1, 3], "Lyon on the Rhone")))
    assert yes["reward_extra_info"]["answer_acc"] == 1.0 and yes["reward_score"] == pytest.approx(2.0)
    assert no["reward_extra_info"]["answer_acc"] == 0.0
    assert model.calls == 2


async def test_repeated_sample_hits_the_cache():
    model = ScriptedJudgeModel()
    with fake_llm_server.FakeLLMServer(model) as server:
        manager = judged_manager(server)
        for _ in range(3):
            out = await manager.run_single(make_item(format_response([1, 3], "the French capital")))
            assert out["reward_extra_info"]["answer_acc"] == 1.0
    assert model.calls == 1


async def test_unparseable_verdicts_are_retried_then_marked_failed():
    model = ScriptedJudgeModel(reply="I think the answer might be right.")
    with fake_llm_server.FakeLLMServer(model) as server:
        manager = judged_manager(server, policy="exclude")
        out = await manager.run_single(make_item(format_response([1, 3], "the French capital")))
    info = out["reward_extra_info"]
    assert model.calls > 1  # retried, not guessed
    assert info["judge_failed"] == 1.0 and info["exclude"] == 1.0
    assert info["answer_acc"] == 0.0  # rule fallback: the paraphrase does not match "Paris"


async def test_concurrency_never_exceeds_the_bound():
    model = ScriptedJudgeModel(latency_s=0.05)
    with fake_llm_server.FakeLLMServer(model) as server:
        manager = judged_manager(server, max_concurrency=4)
        items = [make_item(format_response([1], f"the French capital, answer {i}")) for i in range(16)]
        outputs = await asyncio.gather(*(manager.run_single(item) for item in items))
    assert all(o["reward_extra_info"]["answer_acc"] == 1.0 for o in outputs)
    assert model.calls == 16
    assert 1 < model.max_in_flight <= 4
