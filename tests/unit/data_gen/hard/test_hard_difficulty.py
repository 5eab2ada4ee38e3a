"""Difficulty filter on scripted backends; k samples per prompt from an endpoint and from a tiny HF model."""

from __future__ import annotations

import pytest
from longrlvr.data_gen.hard.difficulty import DifficultyConfig, filter_by_difficulty

from longrlvr.data import make_row, validate_rows
from longrlvr.grammar import format_response
from longrlvr.llm.backends import make_backend
from longrlvr.testing.fake_llm_server import FakeLLMServer
from tests.helpers.eval import save_tiny_model


def _rows(n: int) -> list[dict]:
    return [
        make_row(
            chunks=[f"fact {i}", "noise"], question=f"Q{i}: what is it?", answer=f"ans{i}", ref_chunks=[0], index=i
        )
        for i in range(n)
    ]


class ScriptedBackend:
    """Row i gets ``correct[i]`` right answers out of k."""

    def __init__(self, correct: list[int]) -> None:
        self.correct = correct
        self.calls: list[int] = []  # n of each call

    async def generate(self, messages, sampling, *, validate=None):
        self.calls.append(sampling.n)
        i = int(messages[0]["content"].split("Question: Q")[1].split(":")[0])
        good = format_response([0], f"ans{i}")
        return [good] * self.correct[i] + [format_response([0], "wrong")] * (sampling.n - self.correct[i])


async def test_keeps_strictly_between_zero_and_one():
    correct = [0, 1, 4, 7, 8, 3]
    backend = ScriptedBackend(correct)
    kept, annotated = await filter_by_difficulty(_rows(6), backend, DifficultyConfig(k=8, batch_size=4))
    assert [r["extra_info"]["index"] for r in kept] == [1, 2, 3, 5]
    assert [r["extra_info"]["pass_rate"] for r in annotated] == [c / 8 for c in correct]
    assert all(r["extra_info"]["num_samples"] == 8 for r in annotated)
    assert backend.calls == [8] * 6  # one call of k samples per prompt
    assert validate_rows(kept) == []


async def test_loongrl_bounds_one_to_six_of_eight():
    kept, _ = await filter_by_difficulty(
        _rows(6), ScriptedBackend([0, 1, 4, 7, 8, 6]), DifficultyConfig(k=8, max_correct=6)
    )
    assert [r["extra_info"]["index"] for r in kept] == [1, 2, 5]


async def test_bad_bounds_and_short_samplers_are_errors():
    with pytest.raises(ValueError, match="min_correct"):
        await filter_by_difficulty(_rows(1), ScriptedBackend([1]), DifficultyConfig(k=4, min_correct=3, max_correct=2))

    class Short:
        async def generate(self, messages, sampling, *, validate=None):
            return ["x"]

    with pytest.raises(ValueError, match="k=4"):
        await filter_by_difficulty(_rows(2), Short(), DifficultyConfig(k=4))


async def test_openai_backend_asks_k_times_per_prompt():
    seen = []

    def handler(request):
        seen.append((request["messages"][0]["content"][:5], request["temperature"]))
        return format_response([0], "ans0")

    with FakeLLMServer(handler) as server:
        backend = make_backend({"model": "m", "client": {"base_urls": [server.base_url]}})
        try:
            kept, annotated = await filter_by_difficulty(_rows(2), backend, DifficultyConfig(k=3))
        finally:
            await backend.aclose()
    assert len(seen) == 6 and all(temperature == 1.0 for _, temperature in seen)
    assert [r["extra_info"]["num_correct"] for r in annotated] == [3, 0] and kept == []


async def test_hf_backend_samples_k_on_a_tiny_model(tmp_path):
    path = save_tiny_model(tmp_path / "tiny")
    backend = make_backend({"backend": "hf", "model": str(path), "engine": {"device": "cpu", "dtype": "float32"}})
    cfg = DifficultyConfig(k=3, max_tokens=4, batch_size=2)
    _, annotated = await filter_by_difficulty(_rows(2), backend, cfg)
    assert [r["extra_info"]["num_samples"] for r in annotated] == [3, 3]
    assert backend.stats.calls == 6 and backend.stats.failures == 0


# -- the CLI: the LLM section through the one config loader ---------------------------------------------------


def _cli(tmp_path, *extra):
    from longrlvr.cli import main
    from longrlvr.data import write_parquet

    write_parquet(_rows(2), tmp_path / "in.parquet")
    argv = ["data", "difficulty", "--input", str(tmp_path / "in.parquet"), "--out", str(tmp_path / "kept.parquet")]
    return main([*argv, "--annotated", str(tmp_path / "all.parquet"), "--k", "2", *extra])


def test_cli_reads_the_shipped_llm_section_with_its_endpoint_from_the_environment(tmp_path, monkeypatch, capsys):
    from longrlvr.data import read_parquet

    with FakeLLMServer(lambda request: format_response([0], "ans0")) as server:
        monkeypatch.setenv("LONGRLVR_LLM_BASE_URLS", server.base_url)
        monkeypatch.setenv("LONGRLVR_LLM_MODEL", "served")
        assert _cli(tmp_path, "--llm-config", "endpoint", "client.max_retries=0") == 0
        assert {request["model"] for request in server.requests} == {"served"}
    assert "kept 0 of 2 questions" in capsys.readouterr().out  # row 0 always right, row 1 never
    assert [r["extra_info"]["num_correct"] for r in read_parquet(tmp_path / "all.parquet")] == [2, 0]


@pytest.mark.parametrize(
    ("section", "extra", "message"),
    [
        ("backend: openai\nmodel: m\nclinet: {}\n", [], "unknown key 'clinet' (did you mean 'client'?)"),
        (
            "model: m\nclient: {base_urls: 'http://127.0.0.1:9/v1', timeout: 5}\n",
            [],
            "client: unknown key 'timeout' (did you mean 'timeout_s'?)",
        ),
        ("model: m\nclient: {base_urls_env: LONGRLVR_TEST_UNSET_URLS}\n", [], "'LONGRLVR_TEST_UNSET_URLS' is unset"),
        ("model: m\n", ["engine.dtpye=float32", "--backend", "hf"], "unknown key 'dtpye' (did you mean 'dtype'?)"),
        ("model: m\n", ["--temperature", "-1"], "difficulty: temperature must be >= 0, got -1.0"),
        ("model: m\n", ["--min-correct", "3"], "difficulty: need 0 <= min_correct <= max_correct <= k"),
    ],
)
def test_cli_bad_llm_section_or_settings_are_one_line(tmp_path, capsys, monkeypatch, section, extra, message):
    monkeypatch.delenv("LONGRLVR_TEST_UNSET_URLS", raising=False)
    (tmp_path / "llm.yaml").write_text(section)
    assert _cli(tmp_path, "--llm-config", str(tmp_path / "llm.yaml"), *extra) == 2
    err = capsys.readouterr().err.strip()
    assert err.startswith("longrlvr data: error: ") and message in err and "\n" not in err
    assert not (tmp_path / "kept.parquet").exists()
