"""Judge concurrency: responses per step, the latency rounds a step costs, and the launcher's auto value."""

from __future__ import annotations

from longrlvr.integrations.verl.config import compose
from longrlvr.integrations.verl.judge_settings import judge_concurrency_line, responses_per_step
from longrlvr.integrations.verl.preflight import judge_overrides

DATA = ["data.train_files=['/a']", "data.val_files=['/b']", "actor_rollout_ref.model.path=/m"]
EXTERNAL = [*DATA, "judge_mode=external"]


def test_responses_per_step_for_both_launchers():
    assert responses_per_step(compose(DATA)) == 32 * 8 * 2  # DAPO filter on: 2 generation batches in flight
    assert responses_per_step(compose([*DATA, "launcher=authors-dapo"])) == 64 * 8  # filter off


def test_rounds_a_step_costs():
    line = judge_concurrency_line(32, 8, 512)
    assert "32 calls in flight (4 per reward worker x 8) for 512 responses a step = 16 latency round(s)" in line
    assert ">= 16 s a step at 1 s judge latency" in line
    assert "= 1 latency round(s)" in judge_concurrency_line(512, 8, 512)
    assert "8 calls in flight (1 per reward worker x 8)" in judge_concurrency_line(3, 8, 512)  # at least 1 each


def test_auto_concurrency_is_one_round_and_an_explicit_cap_is_kept():
    [(override, line)] = judge_overrides(compose(EXTERNAL))
    assert override == "reward.reward_kwargs.judge.client.max_concurrency=512" and "auto" in line
    assert judge_overrides(compose([*EXTERNAL, "reward.reward_kwargs.judge.client.max_concurrency=32"])) == []
    assert judge_overrides(compose(DATA)) == []  # no judge
    assert judge_overrides(compose([*DATA, "judge_mode=verl", "reward.reward_model.model_path=/j"]))[0][0].endswith(
        "=512"
    )
