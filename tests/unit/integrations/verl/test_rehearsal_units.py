"""Fast checks of the CPU rehearsal's pieces (no vLLM, no Ray): overrides, platform, plugin, launcher messages."""

from __future__ import annotations

import importlib.metadata
import sys

import pytest
import torch

from longrlvr.integrations.verl import launch
from longrlvr.integrations.verl.config import compose, validate
from longrlvr.integrations.verl.rehearsal import plugin as cpu_plugin
from longrlvr.integrations.verl.rehearsal import rehearse
from longrlvr.integrations.verl.rehearsal.platform import CPUDeviceIndex, PlatformCPU
from longrlvr.integrations.verl.trainer import gen_batch_budget_error, steps_trained_message


def test_rehearsal_overrides_compose_and_validate_on_the_recipe(tmp_path):
    """Every override names a real key (or is marked new) and the rehearsed config passes the full validation."""
    cfg = compose([])
    data = rehearse.data_overrides(cfg, tmp_path)
    assert [o.key for o in data] == ["data.train_files", "data.val_files"] and (tmp_path / "data/val.parquet").exists()
    base = [*(o.hydra() for o in data), "actor_rollout_ref.model.path=/tiny"]
    cfg = compose(base)
    overrides = [
        *rehearse.size_overrides(cfg),
        *rehearse.cpu_overrides(cfg),
        *rehearse.determinism_overrides(cfg),
        *rehearse.loopback_overrides({}),
        *rehearse.env_overrides({}, tmp_path),
    ]
    rehearsed = compose([*base, *(o.hydra() for o in overrides)])
    validate(rehearsed)
    arr = rehearsed.actor_rollout_ref
    assert (rehearsed.data.train_batch_size, arr.rollout.n, rehearsed.trainer.total_training_steps) == (2, 4, 3)
    assert arr.rollout.agent.default_agent_loop == "longrlvr_seeded" and arr.rollout.seed == 42
    assert rehearsed.ray_kwargs.ray_init._node_ip_address == "127.0.0.1"
    assert rehearsed.ray_kwargs.ray_init.include_dashboard is False
    assert rehearsed.trainer.v1.on_gen_batch_cap == "warn"  # the rehearsal only; the recipe raises
    assert "on_gen_batch_cap" not in cfg.trainer.v1
    assert arr.actor.fsdp_config.ulysses_sequence_parallel_size == arr.rollout.tensor_model_parallel_size == 1
    assert arr.model.override_config.attn_implementation == "sdpa" and arr.rollout.enable_sleep_mode is False
    assert rehearsed.ray_kwargs.ray_init.runtime_env.env_vars.VLLM_CPU_KVCACHE_SPACE == "1"  # a string for Ray
    # what the rehearsal keeps: the recipe's algorithm, reward manager, DAPO filter and trainer subclass
    assert rehearsed.algorithm.filter_groups == cfg.algorithm.filter_groups
    assert rehearsed.reward.reward_manager == cfg.reward.reward_manager
    assert rehearsed.trainer.v1.trainer_mode == "longrlvr"


def test_caps_keep_smaller_user_values():
    cfg = compose(["trainer.total_training_steps=2", "data.max_response_length=16"])
    keys = {o.key for o in rehearse.size_overrides(cfg)}
    assert "trainer.total_training_steps" not in keys and "data.max_response_length" not in keys
    assert "data.max_prompt_length" in keys  # 65,536 is capped


def test_verl_served_judge_is_rehearsed_on_verls_reward_model_path(tmp_path, monkeypatch):
    from longrlvr.integrations.verl.rehearsal import assets

    built = []
    monkeypatch.setattr(assets, "build_judge_model", lambda *a: built.append(a) or ("/judge-tiny", "a tiny judge"))
    base = ["judge_mode=verl", "reward.reward_model.model_path=/judge", "actor_rollout_ref.model.path=/tiny"]
    cfg = compose(base)
    base += [o.hydra() for o in rehearse.data_overrides(cfg, tmp_path)]
    cfg = compose(base)
    judge = rehearse.judge_overrides(cfg, tmp_path, list(cfg.data.train_files))
    assert built and built[0][0] == tmp_path / "judge"
    rehearsed = compose([*base, *(o.hydra() for o in [*judge, *rehearse.cpu_overrides(cfg)])])
    validate(rehearsed)  # verl's RewardModelConfig / RolloutConfig dataclasses accept every key
    rm = rehearsed.reward.reward_model
    assert rm.enable and rm.enable_resource_pool and rm.model_path == "/judge-tiny"  # verl serves the judge
    assert (rm.nnodes, rm.n_gpus_per_node, rm.rollout.tensor_model_parallel_size) == (1, 1, 1)
    assert rm.rollout.enable_sleep_mode is False and rm.rollout.free_cache_engine is False
    assert rehearsed.ray_kwargs.ray_init.num_gpus == 2  # policy + judge pools, fake Ray GPUs
    assert rehearsed.reward.reward_kwargs.judge.source == "verl"
    assert rehearse.judge_overrides(compose(["judge_mode=external"]), tmp_path, []) == []


def test_tiny_judge_rows_pair_right_and_wrong_candidates():
    from longrlvr.integrations.verl.rehearsal.assets import judge_rows

    rows = [
        {"extra_info": {"question": f"q{i}", "ref_chunks_text": ["passage"]}, "reward_model": {"ground_truth": a}}
        for i, a in enumerate(["Paris", "Rome"])
    ]
    judged = judge_rows(rows)
    assert [r["verdict"] for r in judged] == ["[[Yes]]", "[[No]]", "[[Yes]]", "[[No]]"]
    assert "Rome" in judged[1]["prompt"][0]["content"] and "Paris" in judged[1]["prompt"][0]["content"]


def test_dual_chunk_attention_key_is_kept_by_the_tiny_model_and_dropped_for_vllm_by_the_model_door(tmp_path):
    from transformers import Qwen2Config

    from longrlvr.integrations.verl.model_door import rollout_overrides_for_dir
    from longrlvr.integrations.verl.rehearsal import assets
    from longrlvr.local.tiny import build_tiny_tokenizer

    tokenizer = build_tiny_tokenizer(["a b c"])
    dca = {"chunk_size": 262144, "local_size": 8192, "original_max_position_embeddings": 32768}
    big = Qwen2Config(vocab_size=len(tokenizer), dual_chunk_attention_config=dca)
    assert assets._tiny_like(big, tokenizer, rehearse.TINY).config.dual_chunk_attention_config == dca
    (tmp_path / "config.json").write_text('{"dual_chunk_attention_config": {"chunk_size": 262144}}')
    ((override, _),) = rollout_overrides_for_dir("vllm", str(tmp_path))
    rehearsed = compose([override])
    assert "dual_chunk_attention_config" in rehearsed.actor_rollout_ref.rollout.engine_kwargs.vllm.hf_overrides
    assert rehearsed.actor_rollout_ref.rollout.engine_kwargs.vllm.hf_overrides.dual_chunk_attention_config is None
    (tmp_path / "config.json").write_text("{}")
    assert rollout_overrides_for_dir("vllm", str(tmp_path)) == []


def test_override_hydra_syntax():
    assert rehearse.Override("a.b", ["/x/y.parquet"], "").hydra() == "a.b=['/x/y.parquet']"
    assert rehearse.Override("a", "1", "", new=True).hydra() == "+a='1'"
    assert rehearse.Override("a", False, "").hydra() == "a=False"


def test_recipe_keeps_the_authors_generation_batch_cap():
    assert compose([]).algorithm.filter_groups.max_num_gen_batches == 10


def test_gen_batch_cap_matches_the_authors_semantics():
    assert gen_batch_budget_error(2, 18, 2, 10, "answer_acc") is None  # 10 batches of 2 prompts
    message = gen_batch_budget_error(20, 2, 2, 10, "answer_acc")
    assert "max_num_gen_batches=10" in message and "'answer_acc'" in message and "=0" in message
    assert gen_batch_budget_error(10_000, 2, 2, 0, "answer_acc") is None  # 0: no cap, as in the authors' trainer


def test_steps_trained_message_says_when_nothing_was_trained():
    assert steps_trained_message(0, 4, 3) == "longrlvr: trained 3 step(s), 1..3 of 3"
    assert steps_trained_message(2, 4, 3).startswith("longrlvr: trained 1 step(s), 3..3")
    zero = steps_trained_message(3, 4, 3)
    assert "trained 0 steps" in zero and "resumed at step 3" in zero and "resume_mode=disable" in zero


def test_launcher_states_the_resume_point_and_a_zero_step_run(tmp_path):
    assert launch.checkpoint_state(str(tmp_path), 3).startswith("starts fresh")
    (tmp_path / "latest_checkpointed_iteration.txt").write_text("3")
    assert launch.checkpoint_state(str(tmp_path), 5) == f"resumes from step 3 (global_step_3 in {tmp_path})"
    assert "trains 0 steps" in launch.checkpoint_state(str(tmp_path), 3)
    assert launch.checkpoint_state(str(tmp_path), 3, resume_mode="disable").startswith("starts fresh")


def test_external_modules_are_merged_not_replaced():
    env = {"VERL_USE_EXTERNAL_MODULES": "my_plugin,longrlvr.integrations.verl.trainer,other"}
    assert launch.external_modules(env) == "my_plugin,longrlvr.integrations.verl.trainer,other"
    assert launch.external_modules({}, first=[rehearse.PLUGIN_MODULE]) == (
        "longrlvr.integrations.verl.rehearsal.plugin,longrlvr.integrations.verl.trainer"
    )
    override = launch.modules_override("a,b")
    assert compose([override]).ray_kwargs.ray_init.runtime_env.env_vars.VERL_USE_EXTERNAL_MODULES == "a,b"


def test_rehearse_without_the_cpu_extra_is_a_clear_exit_2(monkeypatch, capsys):
    monkeypatch.setattr(rehearse, "missing_vllm_message", lambda: "the CPU rehearsal needs the CPU build of vLLM")
    from longrlvr.cli import main

    assert main(["train", "--rehearse"]) == 2
    assert "needs the CPU build of vLLM" in capsys.readouterr().err


def test_cpu_device_index_is_cpu_for_torch_and_0_in_device_strings():
    index = PlatformCPU().current_device()
    assert isinstance(index, CPUDeviceIndex)
    assert torch.zeros(1).to(index).device.type == "cpu" and torch.device(index).type == "cpu"
    assert f"cpu:{index}" == "cpu:0"
    module = PlatformCPU().device_module
    free, total = module.mem_get_info()
    assert 0 < free <= total and module.get_rng_state().dtype == torch.uint8


def test_cpu_platform_is_only_chosen_explicitly(monkeypatch):
    monkeypatch.delenv("VERL_PLATFORM", raising=False)
    assert not PlatformCPU().is_platform_available(use_smi_check=True)
    monkeypatch.setenv("VERL_PLATFORM", "cpu")
    assert PlatformCPU().is_platform_available()


def test_backend_device_types_are_deduplicated():
    assert cpu_plugin.dedupe_backend("cpu:gloo,cpu:gloo") == "cpu:gloo"
    assert cpu_plugin.dedupe_backend("cpu:gloo,cuda:nccl") == "cpu:gloo,cuda:nccl"
    assert cpu_plugin.dedupe_backend("gloo") == "gloo"


def test_vllm_version_lookup_answers_with_the_cpu_build(monkeypatch):
    """A distribution installed under another name answers `vllm` look-ups, its version marked +cpu."""
    try:
        importlib.metadata.version("vllm")
        pytest.skip("a distribution named vllm is installed (or the alias is already active)")
    except importlib.metadata.PackageNotFoundError:
        pass
    monkeypatch.setattr(cpu_plugin, "VLLM_CPU_DIST", "pytest")  # stands in for vllm-cpu
    monkeypatch.setattr(sys, "meta_path", [*sys.meta_path, cpu_plugin.VllmCpuAlias()])
    assert importlib.metadata.version("vllm") == importlib.metadata.version("pytest") + "+cpu"
    assert importlib.metadata.metadata("vllm")["Name"] == "vllm"


def test_plain_cpu_linear_keeps_the_live_weight():
    layer = torch.nn.Linear(4, 3)
    cpu_plugin.plain_cpu_linear(layer, remove_weight=True)
    x = torch.randn(2, 4)
    assert layer.weight.shape == (3, 4)  # not replaced by an empty packed parameter
    with torch.no_grad():
        layer.weight.mul_(2)  # a weight sync writes in place; the GEMM must see it
    assert torch.allclose(layer.cpu_linear(x, layer.weight, layer.bias), x @ layer.weight.T + layer.bias)


def test_env_for_ray_workers_is_strings(tmp_path):
    assert all(isinstance(o.value, str) for o in rehearse.env_overrides({}, tmp_path / "metrics.jsonl"))


def test_trainer_refill_stops_at_the_authors_cap_and_resets_each_step(monkeypatch):
    from omegaconf import OmegaConf
    from verl.trainer.ppo.v1 import PPOTrainerSync

    from longrlvr.integrations.verl.trainer import LongRLVRTrainer, TooManyGenBatchesError

    trainer = LongRLVRTrainer.__new__(LongRLVRTrainer)
    groups = {"enable": True, "max_num_gen_batches": 3, "metric": "answer_acc"}
    trainer.config = OmegaConf.create({"data": {"train_batch_size": 2}, "algorithm": {"filter_groups": groups}})
    dispatched = []
    monkeypatch.setattr(PPOTrainerSync, "_add_prompts_to_generate", lambda self, n: dispatched.append(n) or n)
    monkeypatch.setattr(PPOTrainerSync, "prepare_step", lambda self: {})
    trainer.prepare_step()  # the step's first batch (2 prompts)
    trainer._add_prompts_to_generate(2)
    trainer._add_prompts_to_generate(2)  # 3 batches in all: still allowed
    with pytest.raises(TooManyGenBatchesError, match="max_num_gen_batches=3"):
        trainer._add_prompts_to_generate(2)
    assert dispatched == [2, 2]
    trainer.prepare_step()  # a new step gets a new budget
    assert trainer._add_prompts_to_generate(2) == 2


def test_rehearsal_cap_warns_once_per_step_then_stops_at_five_times_the_cap(monkeypatch, capsys):
    from omegaconf import OmegaConf
    from verl.trainer.ppo.v1 import PPOTrainerSync

    from longrlvr.integrations.verl.trainer import WARN_CAP_CEILING, LongRLVRTrainer, TooManyGenBatchesError

    trainer = LongRLVRTrainer.__new__(LongRLVRTrainer)
    trainer.global_steps = 1
    groups = {"enable": True, "max_num_gen_batches": 2, "metric": "answer_acc"}
    trainer.config = OmegaConf.create(
        {
            "data": {"train_batch_size": 2},
            "algorithm": {"filter_groups": groups},
            "trainer": {"v1": {"on_gen_batch_cap": "warn"}},
        }
    )
    monkeypatch.setattr(PPOTrainerSync, "_add_prompts_to_generate", lambda self, n: n)
    monkeypatch.setattr(PPOTrainerSync, "prepare_step", lambda self: {})
    trainer.prepare_step()
    for _ in range(WARN_CAP_CEILING * 2 - 1):  # up to 5 x the cap of 2 batches: warned, not raised
        trainer._add_prompts_to_generate(2)
    assert capsys.readouterr().out.count("on_gen_batch_cap=warn") == 1  # once per step
    with pytest.raises(TooManyGenBatchesError):
        trainer._add_prompts_to_generate(2)


def test_tiny_model_keeps_the_users_architecture_and_tokenizer():
    from transformers import Qwen2Config

    from longrlvr.integrations.verl.rehearsal import assets as rehearsal_assets
    from longrlvr.local.tiny import build_tiny_tokenizer

    tokenizer = build_tiny_tokenizer()
    big = Qwen2Config(
        vocab_size=len(tokenizer),
        hidden_size=3584,
        num_hidden_layers=28,
        num_attention_heads=28,
        num_key_value_heads=4,
        intermediate_size=18944,
        tie_word_embeddings=False,
    )
    assert rehearsal_assets._param_count(big) > rehearse.TINY_PARAMS_LIMIT
    tiny = rehearsal_assets._tiny_like(big, tokenizer, rehearse.TINY).config
    assert (tiny.model_type, tiny.tie_word_embeddings, tiny.vocab_size) == ("qwen2", False, len(tokenizer))
    assert (tiny.num_hidden_layers, tiny.hidden_size, tiny.head_dim) == (2, 128, 32)  # vLLM-CPU needs head_dim >= 32
