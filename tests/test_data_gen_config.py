"""Pipeline configs: the shipped YAML files load, unknown keys are refused, endpoints come from the environment."""

import importlib.util
from pathlib import Path

import pytest

from data_gen.__main__ import main
from data_gen.config import load_config
from data_gen.llm import make_backend

CONFIGS = Path(__file__).resolve().parents[1] / "configs" / "data_gen"


def test_example_config_takes_endpoint_and_paths_from_env(monkeypatch):
    monkeypatch.setenv("DATA_GEN_LLM_URLS", "http://127.0.0.1:9/v1, http://127.0.0.1:10/v1")
    monkeypatch.setenv("DATA_GEN_WORKDIR", "/tmp/somewhere")
    config = load_config(CONFIGS / "example.yaml", ["select.min_quality=8"])
    assert config.workdir == "/tmp/somewhere" and config.select.min_quality == 8.0
    assert config.cluster.min_cluster_size == 4 and config.chunk.max_tokens == 512
    assert make_backend(config.llm).config.base_urls == ("http://127.0.0.1:9/v1", "http://127.0.0.1:10/v1")
    monkeypatch.delenv("DATA_GEN_LLM_URLS")
    with pytest.raises(ValueError, match="DATA_GEN_LLM_URLS"):
        make_backend(config.llm)


def test_bad_settings_are_named(tmp_path):
    with pytest.raises(ValueError, match="cluster.min_simlarity"):
        load_config(CONFIGS / "toy.yaml", ["cluster.min_simlarity=0.3"])
    with pytest.raises(ValueError, match="llm.backend must be"):
        make_backend(load_config(CONFIGS / "toy.yaml", ["llm.backend=tgi"]).llm)
    if importlib.util.find_spec("vllm") is None:
        with pytest.raises(RuntimeError, match="needs `pip install longrlvr\\[vllm\\]`"):
            make_backend(load_config(CONFIGS / "toy.yaml", ["llm.backend=vllm", "llm.vllm.model=/m"]).llm)
    with pytest.raises(SystemExit):
        main(["stage", "no_such_stage", "--config", str(CONFIGS / "toy.yaml")])
