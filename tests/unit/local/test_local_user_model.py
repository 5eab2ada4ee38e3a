"""The local engine on your own data and a saved HF model (model.path): it trains with optimizer updates, refuses
rows longer than the model's context in one line naming model.path before the warm start, and a run that made no
update fails (exit 1) after printing the summary."""

from __future__ import annotations

import pytest

from longrlvr.data import make_row, write_parquet
from longrlvr.local.tiny import build_tiny_model, build_tiny_tokenizer
from tests.helpers.door import CHUNKS, good_rows
from tests.helpers.local import local_main

# What docs/local_engine.md tells a user to run, scaled down (the saved model stands in for a real small one).
USER_RUN = [
    "sft.steps=0",
    "rollout.n=4",
    "rollout.max_new_tokens=16",
    "actor.batch_size=2",
    "actor.micro_batch_size=8",
    "trainer.steps=2",
    "trainer.val_every=2",
    "trainer.progress=false",
]


def save_model(directory, positions: int = 512) -> str:
    """A tiny random Qwen2 model + tokenizer saved with save_pretrained, as a user's model dir would be."""
    tokenizer = build_tiny_tokenizer(CHUNKS)
    model = build_tiny_model(
        tokenizer, arch="qwen2", hidden_size=32, num_layers=1, intermediate_size=64, max_position_embeddings=positions
    )
    model.save_pretrained(directory)
    tokenizer.save_pretrained(directory)
    return str(directory)


@pytest.fixture
def saved(capsys):
    """save_model, with its progress output kept out of what the test reads."""

    def make(directory, positions: int = 512) -> str:
        path = save_model(directory, positions)
        capsys.readouterr()
        return path

    return make


@pytest.fixture(scope="module")
def user_files(tmp_path_factory):
    root = tmp_path_factory.mktemp("user")
    train = write_parquet(good_rows(8), root / "train.parquet")
    val = write_parquet(good_rows(2), root / "val.parquet")
    return root, str(train), str(val)


def test_a_saved_hf_model_trains_on_your_parquet_with_updates(user_files, saved, tmp_path, capsys):
    root, train, val = user_files
    model = saved(root / "model")
    args = [f"model.path={model}", f"data.train_files={train}", f"data.val_files={val}", *USER_RUN]
    code = local_main([*args, "actor.entropy_coeff=0.01", "algorithm.dynamic_sampling=false", "--out", str(tmp_path)])
    out = capsys.readouterr().out
    assert code == 0 and "optimizer updates: 2 in 2 GRPO step(s)" in out
    assert (tmp_path / "checkpoints" / "global_step_2" / "model.safetensors").is_file()


def test_rows_longer_than_the_model_are_refused_before_the_warm_start(user_files, saved, tmp_path, capsys):
    root, train, _ = user_files
    model = saved(root / "short_model", positions=64)
    code = local_main([f"model.path={model}", f"data.train_files={train}", *USER_RUN, "--out", str(tmp_path)])
    err = capsys.readouterr().err.strip().splitlines()
    assert code == 2 and len(err) == 1
    assert f"model.path={model}" in err[0] and "rollout.max_new_tokens 16" in err[0] and "> the 64 positions" in err[0]
    assert f"{train} row 0: prompt of " in err[0]
    assert not (tmp_path / "metrics.jsonl").exists()  # refused before any generation


def test_the_tiny_default_model_refuses_long_english_rows_naming_model_path(tmp_path, capsys):
    long_chunks = [" ".join(f"word{i}x{j}" for j in range(400)) for i in range(12)]
    rows = [make_row(chunks=long_chunks, question="What is it?", answer="word", ref_chunks=[0], index=0)]
    train = write_parquet(rows, tmp_path / "long.parquet")
    assert local_main([f"data.train_files={train}", "sft.steps=0", "--out", str(tmp_path / "run")]) == 2
    err = capsys.readouterr().err
    assert "model.path=null (the built-in tiny model)" in err and "positions" in err


def test_a_run_without_any_update_fails_after_the_summary(user_files, saved, tmp_path, capsys):
    """A random model never gets a reward: dynamic sampling keeps no group, no update, exit 1 with the reason."""
    root, train, val = user_files
    model = saved(root / "model_idle")
    args = [f"model.path={model}", f"data.train_files={train}", f"data.val_files={val}", *USER_RUN]
    code = local_main([*args, "--out", str(tmp_path)])
    captured = capsys.readouterr()
    assert code == 1
    assert "GRPO gain" in captured.out and "n/a: no optimizer update" in captured.out
    assert "optimizer updates: 0 in 2 GRPO step(s)" in captured.out
    assert captured.err.strip().splitlines()[-1].startswith("longrlvr train: 2 GRPO step(s) made no optimizer update")


def test_max_idle_steps_stops_a_doomed_run_early(user_files, saved, tmp_path, capsys):
    root, train, val = user_files
    model = saved(root / "model_doomed")
    args = [f"model.path={model}", f"data.train_files={train}", f"data.val_files={val}", *USER_RUN]
    code = local_main([*args, "trainer.steps=50", "trainer.max_idle_steps=2", "--out", str(tmp_path)])
    out = capsys.readouterr().out
    assert code == 1 and "optimizer updates: 0 in 2 GRPO step(s)" in out and "stopped early" in out
