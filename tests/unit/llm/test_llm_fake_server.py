"""The loopback OpenAI-compatible server other tests rely on: response shape, faults, concurrency, clean stop."""

from __future__ import annotations

import threading
import time

import httpx
import openai
import pytest

from longrlvr.testing.fake_llm_server import FakeLLMServer, Fault, ScriptedReplies

REQUEST = {"model": "m", "messages": [{"role": "user", "content": "hi"}]}


def post(server: FakeLLMServer, timeout: float = 5.0, path: str = "/chat/completions") -> httpx.Response:
    return httpx.post(server.base_url + path, json=REQUEST, timeout=timeout)


def test_openai_sdk_reads_the_reply_and_the_server_records_the_request():
    with FakeLLMServer(lambda req: "echo: " + req["messages"][-1]["content"]) as server:
        sdk = openai.OpenAI(base_url=server.base_url, api_key="loopback-test", max_retries=0)
        completion = sdk.chat.completions.create(model="m", messages=[{"role": "user", "content": "hello"}])
        sdk.close()
    assert completion.choices[0].message.content == "echo: hello"
    assert server.requests == [{"model": "m", "messages": [{"role": "user", "content": "hello"}]}]
    assert server.headers[0]["authorization"] == "Bearer loopback-test"


def test_scripted_faults_status_retry_after_and_garbage():
    replies = ScriptedReplies([Fault(status=429, retry_after_s=2), Fault(status=503), Fault(garbage=True), "ok"])
    with FakeLLMServer(replies) as server:
        limited, unavailable, garbage, ok, again = (post(server) for _ in range(5))
        missing = post(server, path="/embeddings")
    assert limited.status_code == 429 and limited.headers["Retry-After"] == "2"
    assert unavailable.status_code == 503
    assert garbage.status_code == 200 and not garbage.text.startswith("{")
    assert [r.json()["choices"][0]["message"]["content"] for r in (ok, again)] == ["ok", "ok"]
    assert missing.status_code == 404
    assert replies.count == 5


def test_a_raising_handler_becomes_a_500_with_the_reason():
    def broken(request):
        raise KeyError("no such field")

    with FakeLLMServer(broken) as server:
        response = post(server)
    assert response.status_code == 500 and "no such field" in response.text


def test_latency_and_max_concurrency_are_measured():
    with FakeLLMServer(lambda req: "x", latency_s=0.2) as server:
        threads = [threading.Thread(target=post, args=(server,)) for _ in range(5)]
        start = time.perf_counter()
        for t in threads:
            t.start()
        for t in threads:
            t.join()
        elapsed = time.perf_counter() - start
    assert server.num_requests == 5
    assert server.max_concurrent >= 2  # threads overlap: the server serves them at once
    assert 0.2 <= elapsed < 0.2 * 5


def test_stop_releases_a_hanging_request_and_closes_the_port():
    server = FakeLLMServer(lambda req: Fault(hang=True)).start()
    url = server.base_url
    with pytest.raises(httpx.ReadTimeout):
        post(server, timeout=0.2)
    start = time.perf_counter()
    server.stop()
    assert time.perf_counter() - start < 3
    with pytest.raises(httpx.ConnectError):
        httpx.post(url + "/chat/completions", json=REQUEST, timeout=1)


def test_base_url_needs_a_running_server():
    with pytest.raises(RuntimeError, match="not running"):
        _ = FakeLLMServer(lambda req: "x").base_url


def test_serve_in_process_answers_and_stops():
    from longrlvr.testing.fake_llm_server import serve_in_process
    from tests.helpers.llm import yes_judge

    with serve_in_process(yes_judge) as url:
        reply = httpx.post(url + "/chat/completions", json=REQUEST, timeout=10)
    assert reply.json()["choices"][0]["message"]["content"] == "[[Yes]]"
    with pytest.raises(httpx.ConnectError):
        httpx.post(url + "/chat/completions", json=REQUEST, timeout=1)
