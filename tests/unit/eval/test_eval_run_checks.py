"""``eval run`` checks its LLM section and sampling values first: one line, exit 2, nothing written."""

from __future__ import annotations

import json
import sys
import types
from dataclasses import dataclass

import pytest

from longrlvr.cli import main
from longrlvr.errors import UserError
from longrlvr.llm.backends import check_section


@pytest.fixture()
def niah(tmp_path):
    row = {"id": "a", "length": 64, "question": "q?", "answers": ["x"], "chunks": ["a", "b"], "ref_chunks": [1]}
    path = tmp_path / "niah.jsonl"
    path.write_text(json.dumps(row) + "\n")
    return path


def _run(tmp_path, data, flags=(), overrides=(), backend="openai"):
    argv = ["eval", "run", "--benchmark", "niah", "--backend", backend, "--model", "m", "--out", str(tmp_path / "r")]
    return main([*argv, *flags, f"data.path={data}", *overrides])


@pytest.mark.parametrize(
    ("flags", "overrides", "message"),
    [
        (["--temperature", "-1"], [], "config: generation.temperature must be >= 0, got -1.0"),
        (["--top-p", "1.5"], [], "config: generation.top_p must be in (0, 1], got 1.5"),
        ([], ["generation.top_p=0"], "config: generation.top_p must be in (0, 1], got 0.0"),
        ([], ["generation.max_new_tokens=0"], "config: generation.max_new_tokens must be at least 1, got 0"),
        ([], ["generation.batch_size=0"], "config: generation.batch_size must be at least 1, got 0"),
        (
            [],
            ["client.base_url=http://127.0.0.1:9/v1"],
            "eval config: client: unknown key 'base_url' (did you mean 'base_urls'?)",
        ),
        ([], ["client.base_urls_env=LONGRLVR_TEST_UNSET_URLS"], "environment variable 'LONGRLVR_TEST_UNSET_URLS'"),
        (
            [],
            ["client.base_urls=http://127.0.0.1:9/v1", "client.api_key_env=LONGRLVR_TEST_UNSET_KEY"],
            "names 'LONGRLVR_TEST_UNSET_KEY' but that environment variable is unset",
        ),
        ([], ["max_retries=-1"], "eval config: max_retries must be >= 0, got -1"),
        ([], ["modle=x"], "override: unknown key 'modle' (did you mean 'model'?)"),
    ],
)
def test_a_bad_llm_section_or_sampling_value_stops_the_run_before_settings_are_written(
    tmp_path, niah, capsys, monkeypatch, flags, overrides, message
):
    monkeypatch.delenv("LONGRLVR_TEST_UNSET_URLS", raising=False)
    monkeypatch.delenv("LONGRLVR_TEST_UNSET_KEY", raising=False)
    assert _run(tmp_path, niah, flags, overrides) == 2
    err = capsys.readouterr().err.strip()
    assert err.startswith("longrlvr eval: error: ") and message in err and "\n" not in err
    assert not (tmp_path / "r").exists()


def test_a_misspelled_hf_engine_argument_stops_the_run_before_the_model_loads(tmp_path, niah, capsys):
    assert _run(tmp_path, niah, overrides=["engine.dtpye=float32"], backend="hf") == 2
    err = capsys.readouterr().err.strip()
    assert err == "longrlvr eval: error: eval config: engine (backend hf): unknown key 'dtpye' (did you mean 'dtype'?)"
    assert not (tmp_path / "r").exists()


def test_missing_data_and_another_runs_settings_are_one_line(tmp_path, niah, capsys):
    client = "client.base_urls=http://127.0.0.1:9/v1"
    assert _run(tmp_path, tmp_path / "nope.jsonl", overrides=[client]) == 2
    assert "nope.jsonl" in capsys.readouterr().err
    settings = tmp_path / "r" / "niah" / "settings.json"
    settings.parent.mkdir(parents=True)
    settings.write_text(json.dumps({"benchmark": "niah", "model": "another"}))
    assert _run(tmp_path, niah, overrides=[client]) == 2
    err = capsys.readouterr().err.strip()
    assert err.startswith("longrlvr eval: error: ") and "settings differ" in err and "\n" not in err
    assert json.loads(settings.read_text())["model"] == "another"  # the other run's settings are kept


def test_vllm_engine_arguments_are_checked_when_vllm_is_installed(monkeypatch):
    @dataclass
    class AsyncEngineArgs:  # the fields vLLM's engine takes (a stand-in module: vLLM needs a GPU)
        model: str = ""
        max_model_len: int | None = None
        tensor_parallel_size: int = 1

    monkeypatch.setitem(sys.modules, "vllm", types.SimpleNamespace(AsyncEngineArgs=AsyncEngineArgs))
    section = {"backend": "vllm", "model": "/m", "engine": {"max_model_lenn": 4096}}
    with pytest.raises(UserError, match=r"^llm: engine \(backend vllm\): unknown key 'max_model_lenn' \(did you mean"):
        check_section(section)
    assert check_section({**section, "engine": {"max_model_len": 4096}}).engine == {"max_model_len": 4096}


@pytest.mark.parametrize(
    ("judge", "message"),
    [
        (
            "model: j\nbase_urls: http://127.0.0.1:9/v1\nrule_frist: true\n",
            "judge: unknown key 'rule_frist' (did you mean 'rule_first'?)",
        ),
        ("model: j\nbase_url: http://127.0.0.1:9/v1\n", "judge: unknown key 'base_url' (did you mean 'base_urls'?)"),
    ],
)
def test_a_misspelled_judge_key_is_the_closest_key_line(tmp_path, capsys, judge, message):
    (tmp_path / "judge.yaml").write_text(judge)
    argv = ["eval", "score", "--benchmark", "niah", "--input", str(tmp_path / "never_read.jsonl")]
    assert main([*argv, "--judge", str(tmp_path / "judge.yaml")]) == 2
    assert capsys.readouterr().err.strip() == f"longrlvr eval: error: {message}"


def test_judge_settings_and_reward_settings_name_the_closest_key():
    from longrlvr.errors import UnknownKeyError
    from longrlvr.integrations.verl.judge_settings import JudgeSettings
    from longrlvr.llm import LLMConfig
    from longrlvr.rewards import RewardConfig

    cases = [
        (
            lambda: JudgeSettings.from_mapping({"enable": True, "failure_polcy": "rule"}),
            "reward.reward_kwargs.judge: unknown key 'failure_polcy' (did you mean 'failure_policy'?)",
        ),
        (
            lambda: RewardConfig.from_kwargs({"judge": {"skip_scorer": []}}),
            "judge: unknown key 'skip_scorer' (did you mean 'skip_scorers'?)",
        ),
        (
            lambda: LLMConfig.from_mapping({"model": "m", "base_urls": "http://127.0.0.1:9/v1", "time_out_s": 3}),
            "LLM client: unknown key 'time_out_s' (did you mean 'timeout_s'?)",
        ),
    ]
    for build, message in cases:
        with pytest.raises(UnknownKeyError) as info:  # a UserError for the CLI, a ValueError for Ray workers
            build()
        assert str(info.value) == message and isinstance(info.value, ValueError) and isinstance(info.value, UserError)


def test_every_shipped_eval_config_loads_and_its_llm_section_checks():
    from longrlvr.cli import build_parser
    from longrlvr.commands.eval import load_eval_config
    from longrlvr.eval.config import EvalConfig
    from longrlvr.shipped import shipped_configs

    names = [name for name in shipped_configs() if name.startswith("eval/")]
    assert len(names) >= 8
    for name in names:
        args = build_parser().parse_args(
            ["eval", "run", "--config", name, "--model", "m", "--out", "o", "data.qa_1=q", "data.path=p"]
        )
        cfg = load_eval_config(args)
        assert isinstance(cfg, EvalConfig) and cfg.backend in ("hf", "vllm") and cfg.engine, name
        assert check_section(cfg, where=name) is cfg
