"""Every command loads its config through the one loader: ``--config NAME|PATH`` plus ``key=value``; a
misspelled key in the file or in an override is exit 2 with one line naming the closest valid key."""

from __future__ import annotations

import pytest

from longrlvr.cli import main
from longrlvr.shipped import shipped_configs

# command: (argv before the config, shipped name, bad file text, bad override argv, bad key, closest key)
COMMANDS = {
    "eval run": (
        ["eval", "run", "--model", "m", "--out", "o", "--config"],
        "tiny",
        "generation:\n  max_new_tokns: 3\n",
        ["generation.max_new_tokns=3"],
        "generation.max_new_tokns",
        "generation.max_new_tokens",
    ),
    "train local": (
        ["train", "--engine", "local", "--config"],
        "default",
        "trainer:\n  stpes: 2\n",
        ["trainer.stpes=2"],
        "trainer.stpes",
        "trainer.steps",
    ),
    "data run": (
        ["data", "run", "--config"],
        "toy",
        "input: d.jsonl\nworkdir: w\nselect: {min_qualty: 3}\n",
        ["select.min_qualty=3"],
        "select.min_qualty",
        "select.min_quality",
    ),
    "data stage": (
        ["data", "stage", "select", "--config"],
        "toy",
        "input: d.jsonl\nworkdir: w\nclustr: {}\n",
        ["clustr.min_samples=1"],
        "clustr",
        "cluster",
    ),
    "data keychain": (
        ["data", "keychain", "--input", "x", "--format", "musique", "--tokenizer", "t", "--out", "o", "--config"],
        "keychain",
        "sed: 3\n",
        ["sed=3"],
        "sed",
        "seed",
    ),
    "data contextrl": (
        ["data", "contextrl", "--input", "x", "--out", "o", "--config"],
        "contextrl",
        "ratoi: 0.1\n",
        ["ratoi=0.1"],
        "ratoi",
        "ratio",
    ),
    "data niah": (
        ["data", "niah", "--tokenizer", "t", "--out", "o", "--config"],
        "niah",
        "repeets: 2\n",
        ["repeets=2"],
        "repeets",
        "repeats",
    ),
    "data curriculum": (
        ["data", "curriculum", "plan", "--config"],
        "curriculum",
        "checkpiont_dir: c\n",
        ["--set", "checkpiont_dir=c"],
        "checkpiont_dir",
        "checkpoint_dir",
    ),
}


def _one_error_line(capsys) -> str:
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and "Traceback" not in err, err
    return err


@pytest.mark.parametrize("command", COMMANDS)
def test_misspelled_key_in_a_file_names_the_file_and_the_closest_key(command, tmp_path, monkeypatch, capsys):
    head, _, text, _, bad, good = COMMANDS[command]
    monkeypatch.chdir(tmp_path)
    path = tmp_path / "bad.yaml"
    path.write_text(text)
    assert main([*head, str(path)]) == 2
    err = _one_error_line(capsys)
    assert err.startswith(f"longrlvr {head[0]}: error: ")  # `longrlvr data`, not the data_gen module's name
    assert f"{path}: unknown key {bad!r} (did you mean {good!r}?)" in err


def test_misspelled_key_in_a_schedule_phase(tmp_path, capsys):
    path = tmp_path / "s.yaml"
    path.write_text("phases:\n  - {train_files: a.parquet, max_prompt_length: 8, stesp: 1}\n")
    assert main(["data", "curriculum", "plan", "--config", str(path)]) == 2
    assert f"{path}: unknown key 'phases[0].stesp' (did you mean 'phases[0].steps'?)" in _one_error_line(capsys)


@pytest.mark.parametrize("command", COMMANDS)
def test_misspelled_key_in_an_override_names_the_closest_key(command, tmp_path, monkeypatch, capsys):
    head, name, _, override, bad, good = COMMANDS[command]
    monkeypatch.chdir(tmp_path)
    assert main([*head, name, *override]) == 2
    err = _one_error_line(capsys)
    assert err.startswith(f"longrlvr {head[0]}: error: override: unknown key {bad!r} (did you mean {good!r}?)")


def test_local_engine_entry_point_uses_the_same_check(capsys):
    assert main(["train", "--engine", "local", "trainer.stpes=2"]) == 2
    assert "unknown key 'trainer.stpes' (did you mean 'trainer.steps'?)" in capsys.readouterr().err


def test_shipped_names_and_paths_load_the_same(monkeypatch):
    from longrlvr.data_gen.config import load_config as pipeline_config
    from longrlvr.data_gen.hard.contextrl import ContextRLConfig
    from longrlvr.data_gen.hard.curriculum import load_schedule
    from longrlvr.data_gen.hard.keychain import KeyChainConfig
    from longrlvr.data_gen.hard.niah import NIAHConfig

    from longrlvr.cli import build_parser
    from longrlvr.commands.eval import load_eval_config
    from longrlvr.config_loader import load_settings
    from longrlvr.eval.judged import load_judge_config
    from longrlvr.local.config import load_config as local_config

    shipped = shipped_configs()
    monkeypatch.setenv("LONGRLVR_JUDGE_BASE_URLS", "http://127.0.0.1:9/v1")

    def evaluated(config: str):
        argv = [
            "eval",
            "run",
            "--config",
            config,
            "--model",
            "m",
            "--out",
            "o",
            "data.qa_1=q.json",
            "--max-new-tokens",
            "5",
        ]
        return load_eval_config(build_parser().parse_args(argv))

    by_name = evaluated("tiny")
    assert by_name == evaluated(str(shipped["eval/tiny"])) == evaluated("eval/tiny")
    assert (by_name.generation.max_new_tokens, by_name.data["qa_1"], by_name.backend) == (5, "q.json", "hf")
    assert pipeline_config("toy") == pipeline_config(shipped["data_gen/toy"])
    assert local_config((), "default") == local_config((), str(shipped["local/default"]))
    for name, schema in (("keychain", KeyChainConfig), ("contextrl", ContextRLConfig), ("niah", NIAHConfig)):
        by_name = load_settings(name, schema=schema, group="data_gen")
        assert by_name == load_settings(shipped[f"data_gen/{name}"], schema=schema)
    assert isinstance(load_settings("niah", schema=NIAHConfig, group="data_gen").lengths, tuple)
    assert load_schedule("curriculum") == load_schedule(shipped["data_gen/curriculum"])
    assert load_schedule("curriculum").phases[0].train_files == ("data/curriculum/bucket_8192.parquet",)
    assert load_judge_config("external") == load_judge_config(str(shipped["judge/external"]))


def test_local_user_file_gets_the_defaults_and_plus_adds_a_key(tmp_path):
    from longrlvr.local.config import load_config

    path = tmp_path / "mine.yaml"
    path.write_text("trainer: {steps: 7}\n")
    cfg = load_config(["+reward.dedup=true"], str(path))
    assert cfg.trainer.steps == 7 and cfg.trainer.val_every == 10 and cfg.reward["dedup"] is True


def test_eval_rejects_an_unknown_backend_with_the_closest_one(capsys):
    argv = ["eval", "run", "--config", "tiny", "--model", "m", "--out", "o", "data.qa_1=q", "backend=vlm"]
    assert main(argv) == 2
    assert "backend 'vlm' is not known (did you mean 'vllm'?)" in _one_error_line(capsys)


def test_data_run_out_is_the_work_directory_and_old_output_spellings_still_work(tmp_path, monkeypatch, capsys):
    import longrlvr.data_gen.grounded.pipeline as data_gen_main

    seen = []

    async def fake_pipeline(config, stages, progress=True, **io):
        seen.append((config.workdir, stages, io))
        return {"stages": {}, "export": None}

    monkeypatch.setattr(data_gen_main, "run_pipeline", fake_pipeline)
    assert main(["data", "run", "--config", "toy", "--out", str(tmp_path / "w"), "--no-progress"]) == 0
    assert main(["data", "stage", "select", "--config", "toy", "--output", "o.jsonl", "--no-progress"]) == 0
    assert seen == [
        (str(tmp_path / "w"), None, {"llm_label": None}),
        ("outputs/data_gen/toy", ["select"], {"input_path": None, "output_path": "o.jsonl", "llm_label": None}),
    ]


def test_verl_dry_run_names_the_closest_key_of_a_misspelled_override(capsys):
    assert main(["train", "--engine", "verl", "--dry-run", "trainer.total_epochz=1"]) == 2
    err = _one_error_line(capsys)
    assert "unknown key 'trainer.total_epochz' (did you mean 'trainer.total_epochs'?)" in err


def test_python_dash_m_longrlvr_is_the_same_command():
    import subprocess
    import sys

    argv = ["data", "niah", "--tokenizer", "t", "--out", "o", "--config", "niah", "repeets=2"]
    done = subprocess.run([sys.executable, "-m", "longrlvr", *argv], capture_output=True, text=True)
    assert done.returncode == 2, done.stderr
    assert done.stderr.startswith("longrlvr data: error: override: unknown key 'repeets' (")
    assert len(done.stderr.strip().splitlines()) == 1
