"""AsyncLLMClient against the loopback fake server: retries, faults, concurrency, rate limit, endpoints' health."""

from __future__ import annotations

import asyncio
import time

import pytest

from longrlvr.llm import AsyncLLMClient, LLMConfig, LLMError
from longrlvr.llm.endpoints import EndpointPool
from longrlvr.testing.fake_llm_server import FakeLLMServer, Fault, ScriptedReplies
from tests.helpers.llm import fast_client, fast_config, user


async def test_request_body_params_and_key_from_the_named_env_var(monkeypatch):
    monkeypatch.setenv("LONGRLVR_TEST_KEY", "secret-from-env")
    with FakeLLMServer(lambda req: "hello") as server:
        client = fast_client(server.base_url, api_key_env="LONGRLVR_TEST_KEY", params={"temperature": 0.0})
        reply = await client.chat(user("hi"), max_tokens=7, temperature=0.5)
        await client.aclose()
    assert reply == "hello"
    assert server.requests[0] == {
        "model": "fake-model",
        "messages": [{"role": "user", "content": "hi"}],
        "temperature": 0.5,
        "max_tokens": 7,
    }
    assert server.headers[0]["authorization"] == "Bearer secret-from-env"
    assert client.stats.calls == 1 and client.stats.requests == 1 and client.stats.retries == 0


@pytest.mark.parametrize(
    "fault", [Fault(status=500), Fault(status=503), Fault(status=429), Fault(garbage=True), Fault(hang=True)]
)
async def test_transient_faults_are_retried(fault):
    with FakeLLMServer(ScriptedReplies([fault, fault, "fine"])) as server:
        async with fast_client(server.base_url, timeout_s=0.3) as client:
            assert await client.chat(user("q")) == "fine"
    assert server.num_requests == 3 and client.stats.retries == 2 and client.stats.failures == 0


async def test_after_max_retries_the_last_reason_is_raised():
    with FakeLLMServer(lambda req: Fault(status=502)) as server:
        async with fast_client(server.base_url, max_retries=2) as client:
            with pytest.raises(LLMError, match="HTTP 502") as info:
                await client.chat(user("q"))
    assert info.value.attempts == 3 and server.num_requests == 3
    assert client.stats.failures == 1 and client.stats.retries == 2


async def test_a_bad_request_is_not_retried():
    with FakeLLMServer(lambda req: Fault(status=400)) as server:
        async with fast_client(server.base_url) as client:
            with pytest.raises(LLMError, match="HTTP 400") as info:
                await client.chat(user("q"))
    assert info.value.attempts == 1 and server.num_requests == 1


async def test_validate_rejections_are_retried_then_the_parsed_value_returned():
    def parse_int(text: str) -> int:
        if not text.isdigit():
            raise ValueError(f"not a number: {text!r}")
        return int(text)

    with FakeLLMServer(ScriptedReplies(["maybe", "seven?", "7"])) as server:
        async with fast_client(server.base_url) as client:
            assert await client.chat(user("q"), validate=parse_int) == 7
            server.handler = lambda req: "never a number"
            with pytest.raises(LLMError, match="not a number"):
                await client.chat(user("q"), validate=parse_int)
    assert client.stats.invalid == 2 + 4 and client.stats.failures == 1


async def test_retry_after_header_is_honoured_up_to_the_maximum_wait():
    with FakeLLMServer(ScriptedReplies([Fault(status=429, retry_after_s=0.3), "ok"])) as server:
        async with fast_client(server.base_url, backoff_max_s=1.0) as client:
            start = time.perf_counter()
            assert await client.chat(user("q")) == "ok"
    assert time.perf_counter() - start >= 0.3


async def test_concurrency_never_exceeds_the_bound():
    with FakeLLMServer(lambda req: "x", latency_s=0.05) as server:
        async with fast_client(server.base_url, max_concurrency=4) as client:
            replies = await asyncio.gather(*(client.chat(user(str(i))) for i in range(20)))
    assert replies == ["x"] * 20
    assert 1 < server.max_concurrent <= 4 and client.stats.max_in_flight == server.max_concurrent


async def test_requests_per_minute_spaces_request_starts():
    with FakeLLMServer(lambda req: "x") as server:
        async with fast_client(server.base_url, requests_per_minute=600) as client:  # one per 0.1 s
            start = time.perf_counter()
            await asyncio.gather(*(client.chat(user(str(i))) for i in range(4)))
    assert time.perf_counter() - start >= 0.3


async def test_round_robin_over_endpoints():
    with FakeLLMServer(lambda req: "a") as first, FakeLLMServer(lambda req: "b") as second:
        async with fast_client(first.base_url, second.base_url) as client:
            replies = [await client.chat(user("q")) for _ in range(6)]
    assert replies == ["a", "b"] * 3


async def test_a_failing_endpoint_is_skipped_then_probed_after_the_cooldown():
    with FakeLLMServer(lambda req: Fault(status=500)) as bad, FakeLLMServer(lambda req: "ok") as good:
        async with fast_client(bad.base_url, good.base_url, failures_to_skip=2, cooldown_s=0.3) as client:
            for _ in range(8):
                assert await client.chat(user("q")) == "ok"
            assert bad.num_requests == 2  # skipped after two failures in a row
            assert client.stats.as_dict()["endpoints"][bad.base_url]["consecutive_failures"] == 2
            await asyncio.sleep(0.35)
            for _ in range(4):
                assert await client.chat(user("q")) == "ok"
    assert bad.num_requests == 3  # exactly one probe after the cool-down, which failed again


def test_endpoint_pool_sends_one_probe_and_recovers_on_success():
    now = [0.0]
    pool = EndpointPool(["u1", "u2"], failures_to_skip=1, cooldown_s=10, clock=lambda: now[0])
    pool.failed("u1")
    assert [pool.pick() for _ in range(3)] == ["u2"] * 3
    now[0] = 11.0
    assert pool.pick() == "u1" and pool.pick() == "u2" and pool.pick() == "u2"  # one probe in flight
    pool.succeeded("u1")
    assert pool.pick() == "u1" and pool.healthy("u1")
    pool.failed("u1")
    now[0] = 12.0
    pool.failed("u2")
    assert pool.pick() == "u1"  # all cooling down: the one whose cool-down ends first


def test_client_works_across_event_loops():
    with FakeLLMServer(lambda req: "x") as server:
        client = fast_client(server.base_url)
        assert asyncio.run(client.chat(user("1"))) == "x"
        assert asyncio.run(client.chat(user("2"))) == "x"
    assert client.stats.requests == 2


@pytest.mark.parametrize("header", ["30", "inf", "nan", "-5", "1e308"])
def test_retry_after_never_waits_beyond_the_configured_maximum(header):
    from longrlvr.llm.client import _seconds

    client = AsyncLLMClient(fast_config("http://127.0.0.1:9/v1", backoff_base_s=0.1, backoff_max_s=0.5, jitter=0.0))
    assert 0.1 <= client._backoff_s(0, _seconds(header)) <= 0.5


def test_backoff_is_exponential_and_capped():
    client = AsyncLLMClient(fast_config("http://127.0.0.1:9/v1", backoff_base_s=0.1, backoff_max_s=0.5, jitter=0.0))
    assert [client._backoff_s(n, None) for n in range(5)] == pytest.approx([0.1, 0.2, 0.4, 0.5, 0.5])
    jittered = AsyncLLMClient(fast_config("http://127.0.0.1:9/v1", backoff_base_s=0.1, backoff_max_s=1, jitter=0.5))
    assert all(0.1 <= jittered._backoff_s(0, None) <= 0.15 for _ in range(50))


def test_config_from_mapping_reads_urls_from_env_and_rejects_unknown_keys(monkeypatch):
    monkeypatch.setenv("LONGRLVR_TEST_URLS", "http://127.0.0.1:1/v1/, http://127.0.0.1:2/v1")
    cfg = LLMConfig.from_mapping({"base_urls_env": "LONGRLVR_TEST_URLS", "model": "m"})
    assert cfg.base_urls == ("http://127.0.0.1:1/v1", "http://127.0.0.1:2/v1")
    with pytest.raises(ValueError, match=r"^LLM client: unknown key 'api_key' \(did you mean 'api_key_env'\?\)$"):
        LLMConfig.from_mapping({"base_urls": ["http://127.0.0.1:1/v1"], "model": "m", "api_key": "literal"})
    with pytest.raises(ValueError, match="LONGRLVR_UNSET_URLS"):
        LLMConfig.from_mapping({"base_urls_env": "LONGRLVR_UNSET_URLS", "model": "m"})
    with pytest.raises(ValueError, match="max_concurrency"):
        LLMConfig.from_mapping({"base_urls": "http://127.0.0.1:1/v1", "model": "m", "max_concurrency": 0})
    with pytest.raises(ValueError, match="http"):
        LLMConfig.from_mapping({"base_urls": "127.0.0.1:1", "model": "m"})


def test_named_but_unset_api_key_env_fails_at_construction(monkeypatch):
    monkeypatch.delenv("LONGRLVR_UNSET_KEY", raising=False)
    with pytest.raises(ValueError, match="LONGRLVR_UNSET_KEY"):
        fast_client("http://127.0.0.1:9/v1", api_key_env="LONGRLVR_UNSET_KEY")


async def test_a_refused_connection_is_a_transport_fault_that_moves_to_the_next_endpoint():
    import socket

    with socket.socket() as probe:  # a port nobody listens on
        probe.bind(("127.0.0.1", 0))
        dead = f"http://127.0.0.1:{probe.getsockname()[1]}/v1"
    with FakeLLMServer(lambda req: "alive") as live:
        async with fast_client(dead, live.base_url) as client:
            assert await client.chat(user("q")) == "alive"
    health = client.stats.as_dict()["endpoints"]
    assert health[dead]["failures"] == 1 and health[live.base_url]["failures"] == 0 and client.stats.retries == 1


def test_a_missing_model_is_named_not_a_type_error():
    from longrlvr.llm.config import LLMConfig

    with pytest.raises(ValueError, match=r"missing required key\(s\) \['model'\]"):
        LLMConfig.from_mapping({"base_urls": "http://127.0.0.1:1/v1"})
