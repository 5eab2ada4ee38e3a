"""Door consistency checks: each failure is one line naming the key; the DCA key is dropped for vLLM only."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from omegaconf import OmegaConf

from longrlvr.errors import UserError
from longrlvr.integrations.verl.door_checks import (
    DataFacts,
    DoorFacts,
    check_max_model_len,
    check_rows_and_steps,
    check_sources,
    check_sp_heads,
    check_token_budgets,
    check_tp_heads,
    run_checks,
)
from longrlvr.integrations.verl.memory_plan import ModelDims

MODELS = Path(__file__).resolve().parents[3] / "data" / "models"


def config_json(name: str) -> dict:
    return json.loads((MODELS / name / "config.json").read_text())


def cfg(sp: int = 4, tp: int = 4, actor_tokens: int = 22528, max_model_len: int | None = 69632, **data):
    """The slice of a composed config the checks read (the recipe's defaults)."""
    fsdp = {"ulysses_sequence_parallel_size": sp}
    return OmegaConf.create(
        {
            "data": {"max_prompt_length": 65536, "max_response_length": 4096, "train_batch_size": 32, **data},
            "trainer": {"nnodes": 1, "n_gpus_per_node": 8, "total_epochs": 5, "total_training_steps": None},
            "actor_rollout_ref": {
                "model": {"path": "/m"},
                "actor": {"ppo_max_token_len_per_gpu": actor_tokens, "fsdp_config": fsdp},
                "ref": {"log_prob_max_token_len_per_gpu": 69632, "fsdp_config": fsdp},
                "rollout": {
                    "name": "vllm",
                    "tensor_model_parallel_size": tp,
                    "max_model_len": max_model_len,
                    "log_prob_max_token_len_per_gpu": 69632,
                },
            },
        }
    )


QWEN7 = ModelDims.from_config(config_json("qwen2.5-7b-instruct-1m"))


def test_recipe_defaults_pass_for_every_preset_model():
    for name in ("qwen2.5-7b-instruct-1m", "qwen2.5-14b-instruct-1m", "llama-3.1-8b-instruct"):
        dims = ModelDims.from_config(config_json(name))
        findings = run_checks(DoorFacts(cfg(), dims, DataFacts(46_000, {"longrlvr": 46_000})))
        assert [f.text for f in findings if f.level == "info"] == ["steps        7,185 = 46,000 rows // 32 x 5 epochs"]


def test_sp_8_on_the_7b_is_refused_in_one_line():
    finding = check_sp_heads(DoorFacts(cfg(sp=8, actor_tokens=9216), QWEN7, None))
    assert finding.level == "error" and "\n" not in finding.text
    assert "ulysses_sequence_parallel_size=8" in finding.text and "28 attention / 4 KV heads" in finding.text
    assert "[1, 2, 4]" in finding.text


def test_tp_8_on_the_7b_is_refused():
    assert "tensor_model_parallel_size=8" in check_tp_heads(DoorFacts(cfg(tp=8), QWEN7, None)).text


def test_token_budget_must_hold_one_sample():
    finding = check_token_budgets(DoorFacts(cfg(actor_tokens=16384), QWEN7, None))
    assert "ppo_max_token_len_per_gpu=16384 x Ulysses SP 4" in finding.text and "at least 17408" in finding.text


@pytest.mark.parametrize(
    ("value", "level", "words"),
    [
        (None, "warn", "verl derives 1,010,000"),
        (65536, "error", "shorter than"),
        (2_000_000, "error", "exceeds the model's max_position_embeddings 1,010,000"),
    ],
)
def test_max_model_len(value, level, words):
    finding = check_max_model_len(DoorFacts(cfg(max_model_len=value), QWEN7, None))
    assert finding.level == level and words in finding.text


def test_short_model_positions_refuse_the_length():
    short = ModelDims.from_config({**config_json("llama-3.1-8b-instruct"), "max_position_embeddings": 4096})
    finding = check_max_model_len(DoorFacts(cfg(), short, None))
    assert "exceeds the model's max_position_embeddings 4,096" in finding.text


def test_fewer_rows_than_a_batch_is_refused():
    finding = check_rows_and_steps(DoorFacts(cfg(), QWEN7, DataFacts(8, {"longrlvr": 8})))
    assert finding.level == "error" and "8 rows, fewer than one batch" in finding.text


def test_unknown_source_anywhere_in_the_file_is_refused():
    data = DataFacts(200, {"longrlvr": 199, "mystery": 1})
    facts = DoorFacts(cfg(), QWEN7, data, source_known=lambda s: s != "mystery")
    assert "'mystery' (1 rows)" in check_sources(facts).text
    with pytest.raises(UserError):
        run_checks(facts)


def test_data_facts_read_the_whole_column(tmp_path):
    """The door reads every row's data_source (row 150 of 200 here), not a 64-row sample."""
    import pyarrow as pa
    import pyarrow.parquet as pq

    from longrlvr.integrations.verl.door_checks import read_data_facts

    sources = ["longrlvr"] * 200
    sources[150] = "mystery"
    pq.write_table(pa.table({"data_source": sources, "x": list(range(200))}), tmp_path / "t.parquet")
    facts = read_data_facts([str(tmp_path / "t.parquet")])
    assert facts == DataFacts(200, {"longrlvr": 199, "mystery": 1})
    assert read_data_facts(["hdfs://c/t.parquet"]) is None


def test_sources_registered_in_the_config_pass_and_built_ins_match_patterns():
    """The door's registry is the reward workers' one: built-ins (patterns too) + reward.reward_kwargs.sources."""
    from longrlvr.integrations.verl.config import compose
    from longrlvr.integrations.verl.door_checks import source_checker

    known = source_checker(compose(["+reward.reward_kwargs.sources.mine={answer_scorer: choice}"]))
    assert known("mine") and known("longrlvr") and known("ruler_niah_single_1") and not known("mystery")
    assert not source_checker(compose([]))("mine")
