"""The ``longrlvr`` front door: every task listed, one exit-code convention, shipped configs, passthrough tasks."""

from __future__ import annotations

import pytest

from longrlvr.cli import COMMANDS, main
from longrlvr.errors import UserError
from longrlvr.settings_env import prefixed_env
from longrlvr.shipped import shipped_configs


def test_help_lists_every_task(capsys):
    with pytest.raises(SystemExit) as info:
        main(["--help"])
    assert info.value.code == 0
    out = capsys.readouterr().out
    for name in ("train", "data", "eval", "reward", "configs"):
        assert name in COMMANDS and f"  {name}" in out
    with pytest.raises(SystemExit):
        main(["data", "--help"])
    out = capsys.readouterr().out
    tasks = ("validate", "convert", "run", "stage", "toy-corpus", "keychain", "contextrl", "niah", "difficulty")
    for task in (*tasks, "curriculum"):
        assert task in out


def test_argparse_errors_exit_2(capsys):
    with pytest.raises(SystemExit) as info:
        main(["nosuchcommand"])
    assert info.value.code == 2


def test_user_error_is_one_line_and_exit_2(capsys):
    assert main(["reward", "score", "--response", "x"]) == 2
    err = capsys.readouterr().err
    assert err == "longrlvr reward: error: --ground-truth is required with --response\n"


def test_configs_list_show_copy(tmp_path, capsys):
    assert main(["configs"]) == 0
    listed = capsys.readouterr().out
    assert all(name in listed for name in shipped_configs())
    assert main(["configs", "show", "local/default"]) == 0
    assert "trainer:" in capsys.readouterr().out
    dest = tmp_path / "mine.yaml"
    assert main(["configs", "copy", "local/default", "--out", str(dest)]) == 0
    assert dest.read_text() == shipped_configs()["local/default"].read_text()
    assert main(["configs", "copy", "local/default", "--out", str(dest)]) == 2
    assert "exists (use --force" in capsys.readouterr().err
    assert main(["configs", "copy", "local/defualt", "--out", str(tmp_path)]) == 2
    assert "did you mean 'local/default'" in capsys.readouterr().err


def test_train_local_rejects_a_misspelled_key_before_training(capsys):
    assert main(["train", "--engine", "local", "trainer.stpes=2"]) == 2
    err = capsys.readouterr().err
    assert "unknown key 'trainer.stpes' (did you mean 'trainer.steps'?)" in err and "\n" == err[-1]


def test_train_local_unknown_config_name(capsys):
    assert main(["train", "--engine", "local", "--config", "nope"]) == 2
    assert "neither a file nor a shipped local config" in capsys.readouterr().err


def test_train_verl_without_gpu_or_model_is_a_user_error(monkeypatch, capsys):
    monkeypatch.delenv("MODEL_PATH", raising=False)
    monkeypatch.delenv("LONGRLVR_MODEL_PATH", raising=False)
    monkeypatch.setattr("longrlvr.integrations.verl.launch.has_gpu", lambda: False)
    assert main(["train", "--engine", "verl"]) == 2
    assert "--engine verl needs a GPU or MODEL_PATH" in capsys.readouterr().err


def test_data_task_passes_arguments_through_and_maps_out(tmp_path, capsys):
    out = tmp_path / "docs.jsonl"
    assert main(["data", "toy-corpus", "--out", str(out), "--docs", "3"]) == 0
    assert len(out.read_text().splitlines()) == 3


def test_prefixed_env():
    assert prefixed_env({"LONGRLVR_MODEL_PATH": "/m"})["MODEL_PATH"] == "/m"
    assert prefixed_env({"LONGRLVR_MODEL_PATH": "/m", "MODEL_PATH": "/m"})["MODEL_PATH"] == "/m"
    with pytest.raises(UserError, match="LONGRLVR_MODEL_PATH and MODEL_PATH are both set and disagree"):
        prefixed_env({"LONGRLVR_MODEL_PATH": "/a", "MODEL_PATH": "/b"})
    with pytest.raises(UserError, match="LONGRLVR_JUDGE_API_KEY and JUDGE_API_KEY") as err:
        prefixed_env({"LONGRLVR_JUDGE_API_KEY": "sk-a", "JUDGE_API_KEY": "sk-b"})
    assert "sk-" not in str(err.value)  # a value may be a secret: never echoed


def test_run_longrl_sh_reports_disagreeing_env_in_one_line(monkeypatch, capsys):
    monkeypatch.setenv("LONGRLVR_TRAIN_FILES", "/a.parquet")
    monkeypatch.setenv("TRAIN_FILES", "/b.parquet")
    assert main(["train", "--dry-run"]) == 2
    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) == 1 and "LONGRLVR_TRAIN_FILES and TRAIN_FILES" in err[0]


def test_parser_imports_no_framework():
    import subprocess
    import sys

    heavy = ("torch", "transformers", "verl", "ray", "vllm", "sentence_transformers", "sklearn", "hdbscan")
    code = (
        "import sys; from longrlvr.cli import build_parser; build_parser(); "
        f"print(sorted(m for m in {heavy!r} if m in sys.modules))"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout
    assert out.strip() == "[]"
