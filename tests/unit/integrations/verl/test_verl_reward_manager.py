"""LongRLVRRewardManager.run_single on hand-built DataProto items: rule-only scoring and the judge policies."""

from __future__ import annotations

from dataclasses import dataclass

import pytest
from omegaconf import OmegaConf
from verl import DataProto
from verl.experimental.reward_loop.reward_loop import RewardLoopWorker

from longrlvr.grammar import format_response
from longrlvr.integrations.verl import reward as verl_reward
from longrlvr.integrations.verl.config import compose
from longrlvr.integrations.verl.reward import EXTRA_INFO_KEYS, LongRLVRRewardManager
from longrlvr.rewards.depth import DEPTH_KEYS
from tests.helpers.verl import ByteTokenizer, make_item, manager_config, save_tiny_tokenizer

GOOD = format_response([1, 3], "Paris")


def make_manager(judge: dict | None = None, **kwargs) -> LongRLVRRewardManager:
    return LongRLVRRewardManager(manager_config(judge, **kwargs), ByteTokenizer(), None)


async def test_rule_only_perfect_response_scores_two():
    out = await make_manager().run_single(make_item(GOOD))
    # a=1, P=R=F=1: 1 + 0.1 + 0.9
    assert out["reward_score"] == pytest.approx(2.0)
    info = out["reward_extra_info"]
    assert set(info) == set(EXTRA_INFO_KEYS) | set(DEPTH_KEYS)
    assert info["answer_acc"] == 1.0 and info["fbeta"] == pytest.approx(1.0) and info["format_ok"] == 1.0
    assert info["judge_failed"] == 0.0 and info["exclude"] == 0.0


async def test_partial_context_and_wrong_answer():
    out = await make_manager().run_single(make_item(format_response([1, 2], "Lyon")))
    info = out["reward_extra_info"]
    assert info["answer_acc"] == 0.0
    assert info["precision"] == pytest.approx(0.5) and info["recall"] == pytest.approx(0.5)
    # a=0: only the 0.1*F term remains (F = 0.5 when P = R)
    assert out["reward_score"] == pytest.approx(0.1 * 0.5)


async def test_malformed_response_scores_format_score_with_same_keys():
    out = await make_manager(format_score=-0.5).run_single(make_item("Paris, obviously"))
    assert out["reward_score"] == pytest.approx(-0.5)
    assert set(out["reward_extra_info"]) == set(EXTRA_INFO_KEYS) | set(DEPTH_KEYS)
    assert out["reward_extra_info"]["format_ok"] == 0.0


async def test_depth_counts_of_the_reference_chunks_ride_in_reward_extra_info():
    # 5 chunks: reference 1 sits in the 20-30% decile, reference 3 in 70-80%; only 1 is named
    info = (await make_manager().run_single(make_item(format_response([1], "Lyon"))))["reward_extra_info"]
    assert {k: v for k, v in info.items() if k.startswith("depth_") and v} == {
        "depth_hit_3": 1.0,
        "depth_ref_3": 1.0,
        "depth_ref_7": 1.0,
    }


async def test_outcome_only_mode_from_reward_kwargs():
    out = await make_manager(mode="outcome_only").run_single(make_item(format_response([0], "Paris")))
    assert out["reward_score"] == pytest.approx(1.0)


async def test_overlong_penalty_uses_valid_response_length():
    response = format_response([1, 3], "Paris")
    cfg = {"overlong_buffer_cfg": {"enable": True, "len": 10, "penalty_factor": 1.0}, "max_resp_len": len(response)}
    out = await make_manager(**cfg).run_single(make_item(response, response_capacity=len(response) + 50))
    # the whole buffer is used: penalty -1 (padding beyond the mask does not count)
    assert out["reward_score"] == pytest.approx(2.0 - 1.0)


async def test_verl_reward_loop_worker_loads_and_runs_the_manager(tmp_path):
    """verl's own RewardLoopWorker resolves the manager from the recipe config and scores a batch."""
    tokenizer = save_tiny_tokenizer(tmp_path)
    cfg = compose(["data.train_files=a", "data.val_files=b", f"actor_rollout_ref.model.path={tmp_path}"])
    OmegaConf.resolve(cfg)
    worker = RewardLoopWorker(cfg, reward_router_address=None)
    assert isinstance(worker.reward_manager, LongRLVRRewardManager)
    responses = [GOOD, format_response([1], "Lyon"), "malformed"]
    batch = DataProto.concat([make_item(r, tokenizer=tokenizer) for r in responses])
    outputs = await worker.compute_score_batch(batch)
    # F2 = 5PR / (4P + R) with P = 1, R = 1/2
    assert [o["reward_score"] for o in outputs] == pytest.approx([2.0, 0.1 * 2.5 / 4.5, 0.0])
    assert all(set(o["reward_extra_info"]) == set(EXTRA_INFO_KEYS) | set(DEPTH_KEYS) for o in outputs)


@dataclass
class Verdict:
    correct: bool | None
    source: str
    failed: bool


class ScriptedJudge:
    """Stands in for longrlvr.judge.AnswerJudge: returns scripted verdicts and records the calls."""

    def __init__(self, verdict: Verdict) -> None:
        self.verdict = verdict
        self.calls: list[tuple] = []

    async def judge(self, question, reference, candidate, ref_chunks_text=None):
        self.calls.append((question, reference, candidate, ref_chunks_text))
        return self.verdict


def judged_manager(monkeypatch, verdict: Verdict, policy: str = "rule") -> tuple[LongRLVRRewardManager, ScriptedJudge]:
    judge = ScriptedJudge(verdict)
    monkeypatch.setattr(verl_reward, "build_answer_judge", lambda client: judge)
    client = {"base_urls": ["http://127.0.0.1:9/v1"], "model": "j"}
    settings = {"enable": True, "failure_policy": policy, "client": client}
    return make_manager(settings), judge


async def test_judge_verdict_overrides_rule(monkeypatch):
    manager, judge = judged_manager(monkeypatch, Verdict(True, "llm", False))
    item = make_item(format_response([1, 3], "the city of Paris, France"), ground_truth="Paris")
    out = await manager.run_single(item)
    assert out["reward_extra_info"]["answer_acc"] == 1.0 and out["reward_extra_info"]["judge_asked"] == 1.0
    question, reference, candidate, chunks = judge.calls[0]
    assert (question, reference, candidate) == ("Where is the Louvre?", ["Paris"], "the city of Paris, France")
    assert chunks == ["The Louvre is in Paris."]


async def test_judge_failure_falls_back_to_rule(monkeypatch):
    manager, _ = judged_manager(monkeypatch, Verdict(None, "llm", True), policy="rule")
    out = await manager.run_single(make_item(GOOD))
    info = out["reward_extra_info"]
    assert info["judge_failed"] == 1.0 and info["exclude"] == 0.0
    assert info["answer_acc"] == 1.0 and out["reward_score"] == pytest.approx(2.0)


async def test_judge_failure_marks_exclude_under_exclude_policy(monkeypatch):
    manager, _ = judged_manager(monkeypatch, Verdict(None, "llm", True), policy="exclude")
    out = await manager.run_single(make_item(GOOD))
    assert out["reward_extra_info"]["judge_failed"] == 1.0 and out["reward_extra_info"]["exclude"] == 1.0


@pytest.mark.parametrize(
    "response,source", [("no tags at all", "longrlvr"), (format_response([], "B"), "longbench_v2")]
)
async def test_judge_not_called_for_malformed_or_choice(monkeypatch, response, source):
    manager, judge = judged_manager(monkeypatch, Verdict(True, "llm", False))
    out = await manager.run_single(make_item(response, data_source=source, ground_truth="B"))
    assert judge.calls == []
    assert out["reward_extra_info"]["judge_asked"] == 0.0


def test_bad_judge_settings_are_rejected():
    with pytest.raises(ValueError, match="failure_policy"):
        make_manager({"enable": True, "failure_policy": "zero"})
    with pytest.raises(ValueError, match="unknown key"):
        make_manager({"enable": True, "endpoint": "x"})
    with pytest.raises(ValueError, match="base_urls"):
        make_manager({"enable": True, "source": "external"})
    with pytest.raises(ValueError, match="reward_router_address"):
        make_manager({"enable": True, "source": "verl"})


def test_verl_served_judge_uses_the_reward_router(monkeypatch):
    seen = {}
    monkeypatch.setattr(verl_reward, "build_answer_judge", lambda client: seen.update(client) or ScriptedJudge(None))
    cfg = manager_config({"enable": True, "source": "verl", "client": {"api_key_env": "JUDGE_API_KEY", "model": None}})
    cfg.reward.reward_model.model_path = "/models/judge-7b"
    LongRLVRRewardManager(cfg, ByteTokenizer(), None, reward_router_address="10.0.0.2:8000")
    assert seen["base_urls"] == ["http://10.0.0.2:8000/v1"]
    assert seen["model"] == "/models/judge-7b" and seen["api_key_env"] is None


@pytest.mark.parametrize("total,workers,each", [(64, 8, 8), (32, 8, 4), (4, 8, 1)])
def test_judge_concurrency_is_a_job_wide_bound_split_over_reward_workers(monkeypatch, total, workers, each):
    seen = {}
    monkeypatch.setattr(verl_reward, "build_answer_judge", lambda client: seen.update(client) or ScriptedJudge(None))
    client = {"base_urls": ["http://127.0.0.1:9/v1"], "model": "j", "max_concurrency": total}
    cfg = manager_config({"enable": True, "client": client})
    cfg.reward.num_workers = workers
    LongRLVRRewardManager(cfg, ByteTokenizer(), None)
    assert seen["max_concurrency"] == each


async def test_unknown_data_source_is_an_error_naming_it():
    from longrlvr.rewards import UnknownSourceError

    with pytest.raises(UnknownSourceError, match="'mystery'"):
        await make_manager().run_single(make_item(GOOD, data_source="mystery"))


async def test_sources_from_reward_kwargs_reach_the_manager():
    sources = {"mystery": {"answer_scorer": "em", "uses_context": True}}
    out = await make_manager(sources=sources).run_single(make_item(GOOD, data_source="mystery"))
    assert out["reward_score"] == pytest.approx(2.0)
