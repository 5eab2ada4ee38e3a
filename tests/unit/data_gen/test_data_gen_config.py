"""Pipeline configs: the shipped YAML files load, unknown keys are refused, endpoints come from the environment."""

import asyncio
import importlib.util
import random
from pathlib import Path

import pytest
from longrlvr.data_gen.config import load_config

from longrlvr.errors import UserError
from longrlvr.llm import Sampling
from longrlvr.llm.backends import make_backend
from tests.helpers.data_gen import data_main as main

CONFIGS = Path(__file__).resolve().parents[3] / "configs" / "data_gen"


def test_example_config_takes_endpoint_and_paths_from_env(monkeypatch):
    monkeypatch.setenv("LONGRLVR_LLM_BASE_URLS", "http://127.0.0.1:9/v1, http://127.0.0.1:10/v1")
    monkeypatch.setenv("LONGRLVR_LLM_MODEL", "served-model")
    monkeypatch.setenv("LONGRLVR_DATA_GEN_WORKDIR", "/tmp/somewhere")
    config = load_config(CONFIGS / "example.yaml", ["select.min_quality=8"])
    assert config.workdir == "/tmp/somewhere" and config.select.min_quality == 8.0
    assert config.cluster.min_cluster_size == 4 and config.chunk.max_tokens == 512
    client = make_backend(config.llm).client.config
    assert client.base_urls == ("http://127.0.0.1:9/v1", "http://127.0.0.1:10/v1") and client.model == "served-model"
    monkeypatch.delenv("LONGRLVR_LLM_BASE_URLS")
    with pytest.raises(UserError, match="LONGRLVR_LLM_BASE_URLS"):
        make_backend(config.llm)


def test_bad_settings_are_named(tmp_path):
    with pytest.raises(UserError, match="'cluster.min_simlarity' \\(did you mean 'cluster.min_similarity'"):
        load_config(CONFIGS / "toy.yaml", ["cluster.min_simlarity=0.3"])
    with pytest.raises(UserError, match="llm: backend must be one of openai, hf, vllm, got 'tgi'"):
        make_backend(load_config(CONFIGS / "toy.yaml", ["llm.backend=tgi"]).llm)
    with pytest.raises(UserError, match="'llm.engin' \\(did you mean 'llm.engine'"):  # the pipeline schema's keys
        load_config(CONFIGS / "toy.yaml", ["llm.engin.dtype=float32"])
    if importlib.util.find_spec("vllm") is None:
        with pytest.raises(RuntimeError, match="needs `pip install longrlvr\\[vllm\\]`"):
            make_backend(load_config(CONFIGS / "toy.yaml", ["llm.backend=vllm", "llm.model=/m"]).llm)
    with pytest.raises(SystemExit):
        main(["stage", "no_such_stage", "--config", str(CONFIGS / "toy.yaml")])


def test_python_m_data_gen_keeps_its_own_name_in_errors(capsys):
    assert main(["run", "--config", "toy", "cluster.min_simlarity=0.3"]) == 2
    assert capsys.readouterr().err.startswith("longrlvr data: error: override: unknown key 'cluster.min_simlarity'")


def test_paper_preset_is_the_default_and_focused_keeps_the_earlier_settings():
    paper = load_config(None, ["input=x", "workdir=y"])
    assert paper.preset == "paper" and paper.cluster.min_similarity == 0.7
    assert (
        paper.generate_qa.prompt,
        paper.generate_qa.questions_per_cluster,
        paper.generate_qa.temperature,
        paper.generate_qa.top_k,
        paper.generate_qa.max_tokens,
        paper.generate_qa.enable_thinking,
    ) == ("paper", 3, 0.6, 20, 32768, True)
    assert (paper.judge_qa.prompt, paper.rate_answers.method) == ("paper", "rating")
    assert load_config(None, ["input=x", "workdir=y"]).embed.model == "BAAI/bge-m3"
    focused = load_config(None, ["input=x", "workdir=y", "preset=focused", "generate_qa.questions_per_cluster=4"])
    assert focused.cluster.min_similarity == 0.5 and focused.generate_qa.prompt == "focused"
    assert focused.generate_qa.questions_per_cluster == 4  # overrides still win over the preset
    assert (focused.judge_qa.prompt, focused.judge_qa.temperature) == ("rubric", 0.0)
    assert focused.rate_answers.method == "verdict"
    with pytest.raises(UserError, match="unknown preset 'authors'; one of \\['focused', 'paper'\\]"):
        load_config(CONFIGS / "toy.yaml", ["preset=authors"])


def test_paper_requests_carry_the_authors_sampling():
    from longrlvr.data_gen.grounded.generate_qa import GenerateQA
    from longrlvr.data_gen.runner import RecordContext

    class Capture:
        def __init__(self):
            self.calls = []

        async def generate(self, messages, sampling, *, validate=None):
            self.calls.append((messages[0]["content"], sampling))
            return [validate('{"question": "SKIPPED", "answer": null}')] * sampling.n

    class Docs:
        def get(self, doc_id):
            return {"chunks": ["alpha text.", "beta text.", "gamma text."]}

    backend, cfg = Capture(), load_config(None, ["input=x", "workdir=y"]).generate_qa
    handler = GenerateQA(backend, Docs(), cfg)
    ctx = RecordContext("d/c0", "generate_qa", 0, random.Random(0))
    out = asyncio.run(handler({"doc_id": "d", "chunk_ids": [0, 2]}, ctx))
    assert len(backend.calls) == 3 and all(o.reason == "skipped_by_llm" for o in out)
    prompt, sampling = backend.calls[0]
    assert "[Chunk 0]\nalpha text.\n\n[Chunk 1]\ngamma text." in prompt and "(<= 40 words)" in prompt
    assert sampling == Sampling(max_tokens=32768, temperature=0.6, top_k=20, enable_thinking=True)
    assert sampling.request_fields() == {
        "temperature": 0.6,
        "max_tokens": 32768,
        "top_p": 1.0,
        "top_k": 20,
        "chat_template_kwargs": {"enable_thinking": True},
    }
