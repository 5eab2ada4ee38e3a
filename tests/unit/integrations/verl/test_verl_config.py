"""The recipe config composes and validates on CPU for every preset; old and wrong keys are rejected."""

from __future__ import annotations

import os
import shlex
import subprocess
import sys
from pathlib import Path

import pytest
from omegaconf import OmegaConf

from longrlvr.errors import UserError
from longrlvr.integrations.verl import launch
from longrlvr.integrations.verl.config import ConfigError, compose, validate
from tests.helpers.door import write_dataset

REPO = Path(__file__).resolve().parents[4]
DATA = ["data.train_files=['/data/train.parquet']", "data.val_files=['/data/val.parquet']"]
EXTERNAL = [
    "judge_mode=external",
    "reward.reward_kwargs.judge.client.base_urls=['http://127.0.0.1:8000/v1']",
    "reward.reward_kwargs.judge.client.model=judge",
]
PRESETS = ["qwen2.5-7b-instruct-1m", "qwen2.5-14b-instruct-1m", "llama-3.1-8b-instruct"]


@pytest.mark.parametrize("preset", PRESETS)
def test_each_preset_composes_and_validates(preset):
    cfg = compose([f"preset={preset}", *DATA])
    validate(cfg)
    actor = cfg.actor_rollout_ref.actor
    sp = actor.fsdp_config.ulysses_sequence_parallel_size
    # one full-length sample fits an actor micro-batch once split over the SP group
    assert actor.ppo_max_token_len_per_gpu * sp >= cfg.data.max_prompt_length + cfg.data.max_response_length
    assert cfg.trainer.v1.trainer_mode == "longrlvr"
    assert cfg.reward.reward_manager.name == "LongRLVRRewardManager"


def test_paper_hyperparameters():
    cfg = compose(DATA)
    arr = cfg.actor_rollout_ref
    assert (cfg.data.train_batch_size, arr.rollout.n) == (32, 8)
    assert (cfg.data.max_prompt_length, cfg.data.max_response_length, cfg.data.truncation) == (65536, 4096, "left")
    assert (arr.actor.clip_ratio_low, arr.actor.clip_ratio_high, arr.actor.clip_ratio_c) == (0.2, 0.28, 10.0)
    assert arr.actor.loss_agg_mode == "token-mean" and not arr.actor.use_kl_loss and not cfg.algorithm.use_kl_in_reward
    assert (arr.actor.optim.lr, arr.actor.optim.lr_warmup_steps, arr.actor.optim.weight_decay) == (1e-6, 5, 0.1)
    assert cfg.algorithm.filter_groups.enable and cfg.algorithm.filter_groups.metric == "reward"
    assert arr.ref.fsdp_config.param_offload and arr.rollout.gpu_memory_utilization == 0.6
    assert (cfg.trainer.save_freq, cfg.trainer.test_freq, cfg.trainer.total_epochs) == (10, 10, 5)
    assert cfg.trainer.resume_mode == "auto"


@pytest.mark.parametrize("judge", [EXTERNAL, ["judge_mode=verl", "reward.reward_model.model_path=/models/judge"]])
def test_judge_modes_validate(judge):
    validate(compose([*DATA, *judge]))


@pytest.mark.parametrize(
    "override,message",
    [
        ("reward_model.reward_manager=longrl", "reward.reward_manager"),
        ("actor_rollout_ref.actor.ulysses_sequence_parallel_size=4", "fsdp_config.ulysses_sequence_parallel_size"),
        ("algorithm.filter_groups.metric=seq_final_reward", "missing DAPO metric"),
        ("custom_reward_function.path=x.py", "reward.custom_reward_function"),
        ("trainer.no_such_key=1", "override: unknown key 'trainer.no_such_key'"),
        ("+reward.reward_kwargs.judge.endpoint=x", "unknown key"),
    ],
)
def test_old_and_wrong_keys_are_rejected(override, message):
    with pytest.raises(ConfigError, match=message.replace(".", r"\.").replace("(", r"\(")):
        validate(compose([*DATA, override]))


def test_missing_data_and_judge_settings_are_named():
    with pytest.raises(ConfigError, match="data.train_files is required.*TRAIN_FILES"):
        validate(compose([]))
    with pytest.raises(ConfigError, match="JUDGE_BASE_URLS"):
        validate(compose([*DATA, "judge_mode=external"]))
    with pytest.raises(ConfigError, match="enable_resource_pool"):
        validate(
            compose(
                [
                    *DATA,
                    "judge_mode=verl",
                    "reward.reward_model.model_path=/m",
                    "reward.reward_model.enable_resource_pool=False",
                ]
            )
        )
    with pytest.raises(ConfigError, match="without data_source"):
        validate(
            compose(
                [
                    *DATA,
                    "reward.reward_model.enable=True",
                    "reward.reward_model.model_path=/m",
                    "reward.reward_model.rollout.name=vllm",
                ]
            )
        )


def test_env_overrides_quote_paths_and_urls():
    env = {
        "TRAIN_FILES": "/d/a.parquet, /d/b.parquet",
        "NNODES": "2",
        "MODEL_PATH": "/m/q",
        "JUDGE_BASE_URLS": "http://127.0.0.1:8000/v1",
        "PRESET": "llama-3.1-8b-instruct",
        "VAL_FILES": "",
    }
    overrides = launch.env_overrides(env)
    assert "data.train_files=['/d/a.parquet','/d/b.parquet']" in overrides
    assert "trainer.nnodes=2" in overrides and "actor_rollout_ref.model.path='/m/q'" in overrides
    assert "preset=llama-3.1-8b-instruct" in overrides
    assert not any(o.startswith("data.val_files") for o in overrides)
    cfg = compose(overrides)
    assert list(cfg.data.train_files) == ["/d/a.parquet", "/d/b.parquet"]
    assert list(cfg.reward.reward_kwargs.judge.client.base_urls) == ["http://127.0.0.1:8000/v1"]


def test_dry_run_prints_plan_and_command_line_wins(capsys, tmp_path):
    ckpt = tmp_path / "ckpt"
    ckpt.mkdir()
    (ckpt / "latest_checkpointed_iteration.txt").write_text("30")
    train, val = write_dataset(tmp_path)  # the dry run opens the files (longrlvr.integrations.verl.door)
    env = {
        "TRAIN_FILES": train,
        "VAL_FILES": val,
        "CKPT_SAVE_PATH": str(ckpt),
        "N_GPUS_PER_NODE": "8",
        "RAY_ADDRESS": "10.0.0.1:6379",
    }
    assert launch.run(True, ["data.train_batch_size=64"], env) == 0
    out, err = capsys.readouterr()
    assert "64 prompts x n=8" in out and "resumes from step 30" in out and "Ray cluster at 10.0.0.1:6379" in out
    assert "DAPO filter  on reward (the total sequence reward" in out and "verl.trainer.main_ppo" in out
    assert "mini-batch 8" in out
    assert "warning: training without an LLM judge" in err and "paper judges answers with an LLM" in err


def test_dry_run_reports_config_errors():
    with pytest.raises(UserError, match="old verl key 'reward_model.reward_manager'"):
        launch.run(True, ["reward_model.reward_manager=longrl"], {"TRAIN_FILES": "a", "VAL_FILES": "b"})


def test_no_gpu_and_no_model_runs_local_engine(monkeypatch):
    from longrlvr.cli import main
    from longrlvr.commands import train

    calls = []
    monkeypatch.delenv("MODEL_PATH", raising=False)
    monkeypatch.setattr(launch, "has_gpu", lambda: False)
    monkeypatch.setattr(train, "run_local", lambda config, overrides: calls.append((config, overrides)) or 0)
    assert main(["train", "trainer.steps=3"]) == 0
    assert main(["train", "--config", "small", "trainer.steps=3"]) == 0  # the local engine's options pass through
    assert calls == [("default", ["trainer.steps=3"]), ("small", ["trainer.steps=3"])]


def test_launch_runs_verl_with_trainer_module(monkeypatch):
    from longrlvr.integrations.verl import preflight
    from longrlvr.integrations.verl.model_door import DCA_OVERRIDE

    calls = []
    monkeypatch.setattr(launch, "has_gpu", lambda: True)
    monkeypatch.setattr(preflight, "has_flash_attn", lambda: True)
    monkeypatch.setattr(launch.subprocess, "call", lambda cmd, **kw: calls.append((cmd, kw["env"])) or 0)
    assert launch.run(False, [], {"TRAIN_FILES": "a", "VAL_FILES": "b", "MODEL_PATH": "/m"}) == 0
    cmd, env = calls[0]
    assert cmd[1:3] == ["-m", "verl.trainer.main_ppo"] and "--config-name=longrlvr_trainer" in cmd
    assert env["VERL_USE_EXTERNAL_MODULES"] == "longrlvr.integrations.verl.trainer"
    assert DCA_OVERRIDE in cmd  # /m/config.json is not readable here: vLLM drops the key if the model has it


def test_launch_without_flash_attn_is_refused_naming_the_key(monkeypatch):
    from longrlvr.integrations.verl import preflight

    monkeypatch.setattr(preflight, "has_flash_attn", lambda: False)
    monkeypatch.setattr(launch.subprocess, "call", lambda cmd, **kw: pytest.fail("must not launch"))
    env = {"TRAIN_FILES": "a", "VAL_FILES": "b", "MODEL_PATH": "/m"}
    with pytest.raises(UserError, match="override_config.attn_implementation=sdpa"):
        launch.run(False, [], env)
    monkeypatch.setattr(launch.subprocess, "call", lambda cmd, **kw: 0)
    assert launch.run(False, ["+actor_rollout_ref.model.override_config.attn_implementation=sdpa"], env) == 0


@pytest.mark.slow
def test_shell_wrapper_dry_run_and_verl_entry_point_compose_the_same_config(tmp_path):
    """run_longrl.sh --dry-run validates; verl's own hydra main composes the command it prints (--cfg job)."""
    train, val = write_dataset(tmp_path)
    env = dict(os.environ, TRAIN_FILES=train, VAL_FILES=val, PRESET="qwen2.5-14b-instruct-1m", PYTHON=sys.executable)
    dry = subprocess.run(
        [str(REPO / "run_longrl.sh"), "--dry-run", "trainer.total_epochs=2"],
        env=env,
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert dry.returncode == 0, dry.stderr[-2000:]
    assert "Qwen/Qwen2.5-14B-Instruct-1M" in dry.stdout and "Ulysses SP 8" in dry.stdout
    command = shlex.split(dry.stdout.strip().splitlines()[-1])
    assert command[1:3] == ["-m", "verl.trainer.main_ppo"]
    job = subprocess.run(
        [sys.executable, *command[1:], "--cfg", "job"], capture_output=True, text=True, timeout=300, cwd=tmp_path
    )
    assert job.returncode == 0, job.stderr[-2000:]
    composed = OmegaConf.create(job.stdout)
    assert composed.trainer.total_epochs == 2 and composed.trainer.v1.trainer_mode == "longrlvr"
    assert composed.actor_rollout_ref.actor.fsdp_config.ulysses_sequence_parallel_size == 8
    assert composed.reward.reward_manager.module.path == "pkg://longrlvr.integrations.verl.reward"


def _external_judge_env(tmp_path, **extra: str) -> dict[str, str]:
    """A dry run's environment: valid data files and an external judge endpoint (never called by a dry run)."""
    train, val = write_dataset(tmp_path)
    judge = {"JUDGE_MODE": "external", "JUDGE_BASE_URLS": "http://127.0.0.1:8000/v1", "JUDGE_MODEL": "judge"}
    return {"TRAIN_FILES": train, "VAL_FILES": val, **judge, **extra}


def test_dry_run_with_a_judge_shows_the_job_wide_concurrency_and_no_warning(capsys, tmp_path):
    assert launch.run(True, [], _external_judge_env(tmp_path, JUDGE_MAX_CONCURRENCY="64")) == 0
    out, err = capsys.readouterr()
    assert "64 calls in flight (8 per reward worker x 8) for 512 responses a step = 8 latency round(s)" in out
    assert ">= 8 s a step at 1 s judge latency" in out and "without an LLM judge" not in err


def test_judge_concurrency_auto_is_the_responses_per_step_one_round(capsys, tmp_path):
    """max_concurrency null: 32 prompts x n 8 x 2 generation batches in flight = 512 calls, one latency round."""
    assert launch.run(True, [], _external_judge_env(tmp_path)) == 0
    out = capsys.readouterr().out
    assert "judge: max_concurrency null (auto) -> 512" in out
    assert "512 calls in flight (64 per reward worker x 8) for 512 responses a step = 1 latency round(s)" in out
    assert "reward.reward_kwargs.judge.client.max_concurrency=512" in out.splitlines()[-1]


@pytest.mark.parametrize(
    "value",
    [
        "['/a.parquet', '/b.parquet']",
        '["/a.parquet","/b.parquet"]',
        "[/a.parquet,/b.parquet]",
        "/a.parquet,/b.parquet",
        " /a.parquet , /b.parquet ",
    ],
)
def test_train_files_accept_the_authors_list_form_and_commas(value):
    overrides = launch.env_overrides({"TRAIN_FILES": value})
    cfg = compose([*overrides, "data.val_files=['/v']"])
    assert list(cfg.data.train_files) == ["/a.parquet", "/b.parquet"]


def test_misspelled_reward_key_fails_the_dry_run_naming_the_closest_key():
    with pytest.raises(ConfigError, match="'bta'.*did you mean 'beta'"):
        validate(compose([*DATA, "+reward.reward_kwargs.bta=5"]))


@pytest.mark.parametrize("metric", ["reward", "answer_acc", "fbeta"])
def test_dapo_metric_is_selectable_among_the_reward_fields(metric):
    validate(compose([*DATA, f"algorithm.filter_groups.metric={metric}"]))


def test_dapo_metric_that_the_reward_never_produces_is_rejected():
    with pytest.raises(ConfigError, match="seq_final_reward"):
        validate(compose([*DATA, "algorithm.filter_groups.metric=seq_final_reward"]))
