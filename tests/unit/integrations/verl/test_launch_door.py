"""The dry run on fake model directories with the real dimensions of the paper's three base models (no weights):
each preset passes with its per-GPU plan and, for the Qwen 1M pair, one line about the DCA key; what verl and
vLLM would assert only on the GPUs is refused in one line, exit 2."""

from __future__ import annotations

from pathlib import Path

import pytest
import yaml

from longrlvr.cli import main
from longrlvr.integrations.verl import launch
from tests.helpers.door import write_dataset, write_fake_model

PRESETS = ("qwen2.5-7b-instruct-1m", "qwen2.5-14b-instruct-1m", "llama-3.1-8b-instruct")
DCA_PRESETS = PRESETS[:2]
H100_GIB = "79.65"  # 81,559 MiB as nvidia-smi reports an H100 80 GB


@pytest.fixture(scope="module")
def files(tmp_path_factory):
    return write_dataset(tmp_path_factory.mktemp("data"))


@pytest.fixture(scope="module")
def models(tmp_path_factory):
    root = tmp_path_factory.mktemp("models")
    return {name: write_fake_model(root / name, name) for name in PRESETS}


def env_for(preset, files, models, **extra):
    train, val = files
    return {
        "TRAIN_FILES": train,
        "VAL_FILES": val,
        "MODEL_PATH": models[preset],
        "PRESET": preset,
        "GPU_MEMORY_GB": H100_GIB,
        **extra,
    }


@pytest.mark.parametrize("preset", PRESETS)
def test_each_preset_passes_with_the_plan_and_the_dca_line(preset, files, models, capsys, monkeypatch):
    _set_env(monkeypatch, env_for(preset, files, models))
    assert main(["train", "--dry-run", "--print-config"]) == 0
    out = capsys.readouterr().out
    assert "memory/GPU   79.7 GiB per GPU" in out and "actor update" in out and "KV cache" in out
    assert "DOES NOT FIT" not in out and "steps        10 = 64 rows // 32 x 5 epochs" in out
    dca = [line for line in out.splitlines() if line.startswith("rollout:") and "dual_chunk_attention_config" in line]
    assert len(dca) == (1 if preset in DCA_PRESETS else 0)
    composed = yaml.safe_load(out.split(launch.CONFIG_HEADER)[1].split("\ndry run:")[0])
    rollout, actor = composed["actor_rollout_ref"]["rollout"], composed["actor_rollout_ref"]["actor"]
    assert rollout["max_model_len"] == 69632 and actor["entropy_from_logits_with_chunking"] is True
    assert actor["fsdp_config"]["entropy_from_logits_with_chunking"] is True
    assert composed["trainer"]["max_actor_ckpt_to_keep"] == 2
    hf_overrides = rollout["engine_kwargs"]["vllm"].get("hf_overrides", {})
    assert hf_overrides == ({"dual_chunk_attention_config": None} if preset in DCA_PRESETS else {})


def test_hand_computed_plan_of_the_7b_is_printed(files, models, capsys):
    """docs/cluster.md's worked example: update 37.9, log-prob 34.7, rollout 60.4, KV 39.5 GiB on an H100."""
    assert launch.run(True, [], env_for(PRESETS[0], files, models)) == 0
    out = capsys.readouterr().out
    assert "actor update   37.9 GiB ok" in out and "log-prob pass  34.7 GiB ok" in out
    assert "rollout        60.4 GiB ok" in out and "KV cache       39.5 GiB" in out


def _one_error_line(capsys) -> str:
    lines = [line for line in capsys.readouterr().err.splitlines() if line.startswith("longrlvr train: error:")]
    assert len(lines) == 1
    return lines[0]


def _set_env(monkeypatch, env):
    for key, value in env.items():
        monkeypatch.setenv(key, value)


def test_sp_8_on_the_7b_is_refused_in_one_line(files, models, capsys, monkeypatch):
    _set_env(monkeypatch, env_for(PRESETS[0], files, models))
    sp8 = [f"actor_rollout_ref.{r}.fsdp_config.ulysses_sequence_parallel_size=8" for r in ("actor", "ref")]
    assert main(["train", "--dry-run", *sp8, "actor_rollout_ref.actor.ppo_max_token_len_per_gpu=9216"]) == 2
    line = _one_error_line(capsys)
    assert "actor_rollout_ref.actor.fsdp_config.ulysses_sequence_parallel_size=8" in line
    assert "28 attention / 4 KV heads" in line and "[1, 2, 4]" in line


def test_a_phase_that_cannot_fit_is_refused_naming_the_key(files, models, capsys, monkeypatch):
    _set_env(monkeypatch, env_for(PRESETS[1], files, models, GPU_MEMORY_GB="40"))
    assert main(["train", "--dry-run"]) == 2
    out, err = capsys.readouterr()
    assert "memory/GPU   40.0 GiB per GPU" in out  # the plan is printed before the refusal
    [line] = [x for x in err.splitlines() if x.startswith("longrlvr train: error:")]
    assert "memory: the actor update needs 45.4 GiB per GPU, the GPU has 40.0 GiB" in line
    assert "actor_rollout_ref.actor.ppo_max_token_len_per_gpu" in line


def test_the_derived_max_model_len_of_the_14b_would_not_start_vllm(files, models, capsys, monkeypatch):
    """verl 0.9.1's null max_model_len derives 1,010,000 from the 14B-1M: 46.2 GiB per request vs 27.9 GiB."""
    _set_env(monkeypatch, env_for(PRESETS[1], files, models))
    assert main(["train", "--dry-run", "actor_rollout_ref.rollout.max_model_len=null"]) == 2
    line = _one_error_line(capsys)
    assert "one max_model_len=1,010,000 request needs 46.2 GiB" in line and "rollout.max_model_len" in line


@pytest.mark.parametrize(
    ("override", "words"),
    [
        ("data.train_batch_size=128", "64 rows, fewer than one batch (data.train_batch_size=128)"),
        ("actor_rollout_ref.rollout.tensor_model_parallel_size=8", "tensor_model_parallel_size=8 does not split"),
        ("actor_rollout_ref.rollout.max_model_len=65536", "is shorter than max_prompt_length + max_response_length"),
        ("actor_rollout_ref.actor.ppo_max_token_len_per_gpu=16384", "use at least 17408"),
    ],
)
def test_runtime_asserts_are_refused_at_the_door(override, words, files, models, capsys, monkeypatch):
    _set_env(monkeypatch, env_for(PRESETS[0], files, models))
    assert main(["train", "--dry-run", override]) == 2
    assert words in _one_error_line(capsys)


def test_unknown_data_source_past_the_sampled_rows_is_refused_and_a_configured_one_passes(
    tmp_path, files, models, capsys, monkeypatch
):
    from longrlvr.data import write_parquet
    from tests.helpers.door import good_rows

    rows = good_rows(100)
    rows[80]["data_source"] = "mystery"  # beyond the 64-row schema sample
    mystery = str(write_parquet(rows, tmp_path / "mystery.parquet"))
    _set_env(monkeypatch, env_for(PRESETS[2], (mystery, mystery), models))
    assert main(["train", "--dry-run"]) == 2
    line = _one_error_line(capsys)
    assert "TRAIN_FILES: data_source 'mystery' (1 rows) has no scoring rule" in line
    assert "VAL_FILES: data_source 'mystery' (1 rows) has no scoring rule" in line  # validation is scored too
    assert main(["train", "--dry-run", "+reward.reward_kwargs.sources.mystery={answer_scorer: em}"]) == 0
    _set_env(monkeypatch, env_for(PRESETS[2], (files[0], mystery), models))
    assert main(["train", "--dry-run"]) == 2
    line = _one_error_line(capsys)
    assert "VAL_FILES: data_source 'mystery'" in line and "TRAIN_FILES" not in line


@pytest.mark.parametrize("preset", PRESETS)
def test_authors_dapo_launcher_fits_every_preset(preset, files, models, capsys):
    assert launch.run(True, ["launcher=authors-dapo"], env_for(preset, files, models)) == 0
    out = capsys.readouterr().out
    assert "reference pass" in out and "64 prompts x n=8, mini-batch 32" in out and "DAPO filter  off" in out
    assert "rollout vllm TP 2" in out and "DOES NOT FIT" not in out


def test_rehearsal_drops_the_dca_key_of_the_model_it_runs(files, models, monkeypatch, capsys):
    """The rehearsal's final model (here the 7B-1M's config.json) gets the same model door as a GPU launch."""
    from types import SimpleNamespace

    from longrlvr.integrations.verl.model_door import DCA_OVERRIDE
    from longrlvr.integrations.verl.rehearsal import rehearse

    model = models[PRESETS[0]]
    fake = SimpleNamespace(
        overrides=[rehearse.Override("actor_rollout_ref.model.path", model, "a small model")],
        workdir=Path("/tmp/rehearsal"),
        env=lambda env: dict(env),
    )
    calls = []
    monkeypatch.setattr(rehearse, "missing_vllm_message", lambda: None)
    monkeypatch.setattr(rehearse, "prepare", lambda base, env, compose: fake)
    monkeypatch.setattr(launch, "check_run_servable", lambda cfg: "vLLM can serve it (not asked in this test)")
    monkeypatch.setattr(launch.subprocess, "call", lambda cmd, **kw: calls.append(cmd) or 0)
    train, val = files
    assert launch.run(False, [], {"TRAIN_FILES": train, "VAL_FILES": val}, rehearse=True) == 0
    assert DCA_OVERRIDE in calls[0]
    assert "rollout: the model's config.json has dual_chunk_attention_config" in capsys.readouterr().out
