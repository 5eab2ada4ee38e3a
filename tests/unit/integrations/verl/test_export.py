"""Export over verl's own model merger, and ``eval run --model`` resolution of every checkpoint this project makes."""

from __future__ import annotations

import json
import shutil

import pytest

from longrlvr.errors import UserError
from longrlvr.eval.model_source import resolve_model
from longrlvr.integrations.verl.export import actor_dir, latest_step_dir
from tests.helpers.tiny_dirs import save_tiny_model


@pytest.fixture(scope="module")
def tiny_hf_dir(tmp_path_factory):
    return save_tiny_model(tmp_path_factory.mktemp("tiny") / "qwen2")


def fake_verl_step(root, tiny_hf_dir, step: int = 1):
    """A world-size-1 verl checkpoint of ``tiny_hf_dir`` (the layout FSDPCheckpointManager writes) under ``root``."""
    import torch
    from transformers import AutoModelForCausalLM, AutoTokenizer

    model = AutoModelForCausalLM.from_pretrained(tiny_hf_dir)
    actor = root / f"global_step_{step}" / "actor"
    (actor / "huggingface").mkdir(parents=True)
    model.config.save_pretrained(actor / "huggingface")
    AutoTokenizer.from_pretrained(tiny_hf_dir).save_pretrained(actor / "huggingface")
    torch.save(model.state_dict(), actor / "model_world_size_1_rank_0.pt")
    (actor / "fsdp_config.json").write_text('{"FSDP_version": 2, "world_size": 1}')
    (root / "latest_checkpointed_iteration.txt").write_text(str(step))
    return model, actor


def test_hf_dir_hub_id_and_served_name_pass_through(tiny_hf_dir):
    assert resolve_model(str(tiny_hf_dir), "hf") == str(tiny_hf_dir)
    assert resolve_model("Qwen/Qwen2.5-7B-Instruct-1M", "vllm") == "Qwen/Qwen2.5-7B-Instruct-1M"
    assert resolve_model("served-name", "openai") == "served-name"


def test_local_engine_run_dir_resolves_to_its_latest_step(tmp_path, tiny_hf_dir):
    step = tmp_path / "checkpoints" / "global_step_3"
    shutil.copytree(tiny_hf_dir, step)
    (tmp_path / "checkpoints" / "latest").write_text(json.dumps({"step": 3, "path": "global_step_3"}))
    assert resolve_model(str(tmp_path), "hf") == str(step)


@pytest.mark.parametrize("make", ["missing", "empty_dir", "config_without_weights"])
def test_anything_else_is_one_line(tmp_path, make):
    target = tmp_path / "x"
    if make != "missing":
        target.mkdir()
    if make == "config_without_weights":
        (target / "config.json").write_text("{}")  # no weights, no fsdp_config.json beside it
    with pytest.raises(UserError) as err:
        resolve_model(str(target), "hf")
    assert "\n" not in str(err.value) and str(target) in str(err.value)


def test_eval_run_on_a_non_checkpoint_is_exit_2_one_line(tmp_path, capsys):
    from longrlvr.cli import main

    (tmp_path / "empty").mkdir()
    argv = ["eval", "run", "--config", "tiny", "--model", str(tmp_path / "empty"), "--out", str(tmp_path / "run")]
    code = main([*argv, "data.qa_1=x.json"])
    err = capsys.readouterr().err.strip()
    assert code == 2 and len(err.splitlines()) == 1 and "not a model or checkpoint" in err


def test_verl_layout_discovery(tmp_path):
    actor = tmp_path / "global_step_2" / "actor"
    (actor / "huggingface").mkdir(parents=True)
    (actor / "fsdp_config.json").write_text('{"FSDP_version": 2, "world_size": 1}')
    (tmp_path / "latest_checkpointed_iteration.txt").write_text("2")
    assert actor_dir(tmp_path / "global_step_2") == actor == actor_dir(actor)
    assert latest_step_dir(tmp_path) == tmp_path / "global_step_2"
    assert actor_dir(tmp_path) is None and latest_step_dir(actor) is None


def test_export_command_rejects_a_non_checkpoint(tmp_path, capsys):
    from longrlvr.cli import main

    assert main(["export", str(tmp_path), "--out", str(tmp_path / "hf")]) == 2
    assert "not a verl checkpoint" in capsys.readouterr().err


def test_export_is_verl_merger_output_cached_and_resolved_by_eval(tmp_path, tiny_hf_dir, capsys):
    """verl's merger on a world-size-1 checkpoint: bf16 weights equal to the shard, tokenizer + chat template
    copied; the second export is reused; eval's resolver lands on the same cached directory."""
    pytest.importorskip("verl")
    import torch
    from transformers import AutoModelForCausalLM, AutoTokenizer

    from longrlvr.cli import main

    model, actor = fake_verl_step(tmp_path / "ckpts", tiny_hf_dir)
    assert main(["export", str(tmp_path / "ckpts")]) == 0  # the run's checkpoint dir: its latest step
    line = json.loads(capsys.readouterr().out.strip().splitlines()[-1])
    assert line["out"] == str(actor / "hf") and line["reused"] is False
    merged = AutoModelForCausalLM.from_pretrained(actor / "hf")
    assert merged.dtype == torch.bfloat16  # verl's merger writes bf16
    merged_state = merged.state_dict()
    for key, value in model.state_dict().items():
        assert torch.equal(merged_state[key], value.to(torch.bfloat16)), key
    tok = AutoTokenizer.from_pretrained(actor / "hf")
    assert tok.chat_template and tok.chat_template == AutoTokenizer.from_pretrained(tiny_hf_dir).chat_template
    assert main(["export", str(actor.parent)]) == 0
    assert json.loads(capsys.readouterr().out.strip().splitlines()[-1])["reused"] is True
    for given in (actor.parent, actor, actor / "huggingface", tmp_path / "ckpts"):
        assert resolve_model(str(given), "hf") == str(actor / "hf"), given
