"""TRL reward_funcs: the one scorer on dataset columns, and one real GRPOTrainer step on a tiny model."""

from __future__ import annotations

import pytest

from longrlvr.integrations.trl import (
    REWARD_FUNCS,
    answer_reward,
    context_reward,
    longrlvr_reward,
    make_reward,
)
from longrlvr.rewards import compute_score
from tests.helpers.door import good_rows

GOOD = "<think>alpha</think><useful_chunks>0</useful_chunks><answer>7</answer>"
HALF = "<useful_chunks>0, 1</useful_chunks><answer>8</answer>"


def _columns(rows):
    return {k: [r[k] for r in rows] for k in ("data_source", "extra_info", "reward_model")}


def test_rewards_are_the_scorer_components_on_parquet_columns():
    rows = good_rows(3)
    completions = [GOOD, HALF, "no tags"]
    cols = _columns(rows)
    expected = [
        compute_score(r["data_source"], c, r["reward_model"]["ground_truth"], r["extra_info"])
        for r, c in zip(rows, completions, strict=True)
    ]
    assert longrlvr_reward(completions=completions, **cols) == [e["score"] for e in expected]
    assert answer_reward(completions=completions, **cols) == [e["answer_acc"] for e in expected]
    assert context_reward(completions=completions, **cols) == [e["fbeta"] for e in expected]
    assert longrlvr_reward(completions=[GOOD], **_columns(rows[:1])) == [pytest.approx(2.0)]  # a=1, F=1
    assert [f.__name__ for f in REWARD_FUNCS] == ["longrlvr_reward", "answer_reward", "context_reward"]


def test_conversational_completions_and_flat_ground_truth():
    rows = good_rows(1)
    conv = [[{"role": "assistant", "content": GOOD}]]
    flat = {"ground_truth": ["7"], "extra_info": [rows[0]["extra_info"]], "data_source": ["longrlvr"]}
    assert longrlvr_reward(completions=conv, **flat) == [pytest.approx(2.0)]
    # a conversational completion is scored on its LAST message (the final answer), not its first
    turns = [{"role": "assistant", "content": "let me read the chunks"}, {"role": "assistant", "content": GOOD}]
    assert longrlvr_reward(completions=[turns], **flat) == [pytest.approx(2.0)]
    assert longrlvr_reward(completions=[turns[::-1]], **flat) == [0.0]
    outcome = make_reward("score", mode="outcome_only")
    assert outcome(completions=[HALF], **_columns(rows)) == [0.0]


@pytest.mark.slow
def test_one_grpo_trainer_step_on_a_tiny_model(tmp_path):
    from datasets import Dataset
    from trl import GRPOConfig, GRPOTrainer

    from longrlvr.local.tiny import build_tiny_model, build_tiny_tokenizer

    tokenizer = build_tiny_tokenizer()
    model = build_tiny_model(tokenizer, hidden_size=32, num_layers=1, num_heads=2, num_kv_heads=1, intermediate_size=64)
    rows = good_rows(4)
    data = Dataset.from_list(
        [
            {
                "prompt": r["prompt"][-1]["content"],
                "data_source": r["data_source"],
                "reward_model": r["reward_model"],
                "extra_info": r["extra_info"],
            }
            for r in rows
        ]
    )
    config = GRPOConfig(
        output_dir=str(tmp_path),
        use_cpu=True,
        bf16=False,
        report_to="none",
        per_device_train_batch_size=4,
        num_generations=2,
        max_completion_length=8,
        max_steps=1,
        logging_steps=1,
        save_strategy="no",
        disable_tqdm=True,
        gradient_checkpointing=False,
        beta=0.0,
        reward_weights=[1.0, 0.0, 0.0],
        seed=0,
    )
    seen = []

    def recorded(**kwargs):  # the shipped function, called by TRL; records what TRL handed it
        seen.append(kwargs)
        return longrlvr_reward(**kwargs)

    recorded.__name__ = "longrlvr_reward"
    trainer = GRPOTrainer(
        model=model,
        reward_funcs=[recorded, answer_reward, context_reward],
        args=config,
        train_dataset=data,
        processing_class=tokenizer,
    )
    trainer.train()
    assert seen and len(seen[0]["completions"]) == 4  # 2 prompts x 2 generations on the one process
    assert [rm["ground_truth"] for rm in seen[0]["reward_model"]] == ["7"] * 4
    assert all(info["ref_chunks"] == [0] for info in seen[0]["extra_info"])
    logged = trainer.state.log_history[0]
    assert trainer.state.global_step == 1
    for name in ("longrlvr_reward", "answer_reward", "context_reward"):
        assert f"rewards/{name}/mean" in logged
    # 8 random tokens cannot form the grammar: every completion is malformed and scores 0
    assert logged["rewards/longrlvr_reward/mean"] == 0.0
