"""Every shipped eval config runs with every backend: keys of another backend are dropped with one line."""

from __future__ import annotations

import pytest

from longrlvr.llm.engine_keys import adapt_engine
from longrlvr.shipped import shipped_configs


def test_vllm_keys_dropped_for_hf_with_a_note():
    engine, note = adapt_engine("hf", {"max_model_len": 133120, "tensor_parallel_size": 1, "dtype": "bfloat16"})
    assert engine == {"dtype": "bfloat16"}
    assert note == "engine (backend hf): dropped max_model_len, tensor_parallel_size (keys of another backend)"


def test_hf_keys_dropped_for_vllm_and_openai():
    assert adapt_engine("vllm", {"device": "cpu", "batch_size": 2})[0] == {}
    assert adapt_engine("openai", {"max_model_len": 8})[0] == {}


def test_unknown_key_is_kept_for_the_section_check():
    assert adapt_engine("hf", {"max_modle_len": 1}) == ({"max_modle_len": 1}, None)


EVAL_CONFIGS = sorted(name for name in shipped_configs() if name.startswith("eval/"))


def test_every_shipped_eval_config_is_covered():
    assert len(EVAL_CONFIGS) >= 9 and "eval/longrlvr" in EVAL_CONFIGS


@pytest.mark.parametrize("backend", ["hf", "vllm", "openai"])
@pytest.mark.parametrize("name", EVAL_CONFIGS)
def test_shipped_eval_config_checks_with_every_backend(name, backend, monkeypatch):
    from omegaconf import OmegaConf

    from longrlvr.config_loader import load_settings
    from longrlvr.eval.config import EvalConfig
    from longrlvr.llm.backends import check_section

    monkeypatch.setenv("LONGRLVR_LLM_BASE_URLS", "http://127.0.0.1:9/v1")
    path = shipped_configs()[name]
    data = OmegaConf.load(path).get("data") or {}
    filled = [f"data.{k}=x" for k in data if OmegaConf.is_missing(data, k)]
    cfg = load_settings(path, [f"backend={backend}", "model=m", *filled], group="eval", schema=EvalConfig)
    cfg.engine, _ = adapt_engine(backend, cfg.engine)
    if backend == "openai":
        cfg.client = {"base_urls_env": "LONGRLVR_LLM_BASE_URLS"}
    check_section(cfg, where=f"eval config {name}")


def test_cli_backend_hf_on_the_vllm_niah_config_drops_the_key_with_one_line(tmp_path, capsys):
    from longrlvr.cli import main

    argv = ["eval", "run", "--config", "niah", "--backend", "hf", "--model", str(tmp_path / "no_model")]
    assert main([*argv, "--out", str(tmp_path / "o"), f"data.path={tmp_path / 'n.jsonl'}"]) == 2
    err = capsys.readouterr().err
    assert "engine (backend hf): dropped max_model_len (keys of another backend)" in err
    assert "unknown key" not in err  # it got past the engine check; what fails is the missing model dir
