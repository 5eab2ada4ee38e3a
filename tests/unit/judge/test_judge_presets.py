"""configs/judge presets: both resolve to a working judge; the external one runs against the fake server."""

from __future__ import annotations

from pathlib import Path

import pytest
from omegaconf import OmegaConf

from longrlvr.integrations.verl.judge_settings import JudgeSettings
from longrlvr.judge import AnswerJudge, JudgeConfig, Verdict
from longrlvr.testing.fake_llm_server import FakeLLMServer

PRESETS = Path(__file__).resolve().parents[3] / "configs" / "judge"


def load_settings(name: str) -> JudgeSettings:
    cfg = OmegaConf.load(PRESETS / f"{name}.yaml")
    return JudgeSettings.from_mapping(OmegaConf.to_container(cfg, resolve=True))


async def test_external_preset_reads_endpoints_model_and_key_from_env(monkeypatch):
    with FakeLLMServer(lambda req: "[[Yes]]") as first, FakeLLMServer(lambda req: "[[Yes]]") as second:
        monkeypatch.setenv("LONGRLVR_JUDGE_BASE_URLS", f"{first.base_url},{second.base_url}")
        monkeypatch.setenv("LONGRLVR_JUDGE_MODEL", "judge-model")
        monkeypatch.setenv("LONGRLVR_JUDGE_API_KEY", "key-from-env")
        settings = load_settings("external")
        judge = AnswerJudge(JudgeConfig.from_mapping(settings.client_mapping(None, None)))
        verdicts = [await judge.judge("Q?", "Paris", f"the French capital {i}") for i in range(2)]
        await judge.aclose()
    assert verdicts == [Verdict(True, "llm")] * 2
    assert first.num_requests == second.num_requests == 1  # round-robin over both endpoints
    request, headers = first.requests[0], first.headers[0]
    assert request["model"] == "judge-model" and request["max_tokens"] == 16 and request["temperature"] == 0.0
    assert headers["authorization"] == "Bearer key-from-env"
    assert settings.failure_policy == "rule" and judge.config.llm.max_concurrency == 64


def test_external_preset_without_env_names_what_is_missing(monkeypatch):
    monkeypatch.delenv("LONGRLVR_JUDGE_BASE_URLS", raising=False)
    monkeypatch.delenv("LONGRLVR_JUDGE_MODEL", raising=False)
    with pytest.raises(ValueError, match="base_urls"):
        load_settings("external").client_mapping(None, None)


def test_verl_served_preset_points_at_the_router():
    settings = load_settings("verl_served")
    config = JudgeConfig.from_mapping(settings.client_mapping("10.0.0.5:8123", "/models/judge"))
    assert settings.source == "verl"
    assert config.llm.base_urls == ("http://10.0.0.5:8123/v1",) and config.llm.model == "/models/judge"
    assert config.llm.api_key() is None and config.rule == "exact_match"
