"""The chat-backend layer: the one retry loop, the HF backend on a tiny model, the OpenAI backend against a
loopback server, and the factory's strict section."""

from __future__ import annotations

import importlib.util
import re

import pytest

from longrlvr.errors import UserError
from longrlvr.llm import LLMError, Sampling
from longrlvr.llm.backends import make_backend
from longrlvr.llm.chat import LocalBackend
from longrlvr.llm.retry import AttemptFailed, RetryStats, call_with_retries
from longrlvr.testing.fake_llm_server import FakeLLMServer, Fault, ScriptedReplies
from tests.helpers.eval import save_tiny_model
from tests.helpers.llm import FAST_RETRIES, user


def parse_int(text: str) -> int:
    if not text.strip().isdigit():
        raise ValueError(f"not a number: {text!r}")
    return int(text)


class Scripted(LocalBackend):
    """An in-process engine whose replies are scripted; records the sampling of every attempt."""

    def __init__(self, replies: list[str], max_retries: int = 2) -> None:
        super().__init__(max_retries)
        self.replies, self.seen = iter(replies), []

    async def complete(self, messages, sampling):
        self.seen.append(sampling)
        return next(self.replies)


# -- the retry loop -----------------------------------------------------------------------------------------


async def test_a_rejected_reply_is_retried_with_a_fresh_seed_until_validate_accepts_it():
    backend = Scripted(["no", "still no", "42"])
    assert await backend.generate(user("q"), Sampling(seed=7), validate=parse_int) == [42]
    assert [s.seed for s in backend.seen] == [7, 8, 9] and all(s.n == 1 for s in backend.seen)
    assert backend.stats.as_dict() == {"calls": 1, "retries": 2, "failures": 0, "invalid": 2}


async def test_exhausted_retries_raise_the_one_failure_type_with_the_last_reason():
    backend = Scripted(["a", "b", "c", "unused"], max_retries=2)
    with pytest.raises(LLMError, match="not a number: 'c'") as info:
        await backend.generate(user("q"), Sampling(), validate=parse_int)
    assert info.value.attempts == 3 and info.value.rejected
    assert (backend.stats.failures, backend.stats.invalid) == (1, 3)


async def test_n_samples_are_validated_and_retried_one_by_one():
    backend = Scripted(["1", "x", "2", "3"], max_retries=1)
    replies = await backend.generate(user("q"), Sampling(n=3, seed=0), validate=parse_int)
    assert sorted(replies) == [1, 2, 3] and backend.stats.retries == 1 and len(backend.seen) == 4


async def test_a_non_retryable_attempt_stops_the_loop_and_waits_follow_the_backoff():
    stats, waits = RetryStats(), []

    async def refused(number):
        raise AttemptFailed("HTTP 400 bad request", retryable=number > 0)

    with pytest.raises(LLMError, match="HTTP 400") as info:
        await call_with_retries(refused, None, max_retries=5, stats=stats, backoff_s=lambda r, _: waits.append(r) or 0)
    assert info.value.attempts == 1 and not info.value.rejected and waits == []

    async def flaky(number):
        if number < 2:
            raise AttemptFailed("HTTP 503", retry_after_s=0.0)
        return "ok"

    assert await call_with_retries(flaky, None, max_retries=5, stats=stats, backoff_s=lambda r, _: waits.append(r) or 0)
    assert waits == [0, 1] and stats.as_dict() == {"calls": 2, "retries": 2, "failures": 1, "invalid": 0}


def test_sampling_fields_and_seeds():
    sampling = Sampling(max_tokens=9, temperature=0.5, top_k=20, enable_thinking=False, seed=10, n=4)
    assert sampling.request_fields() == {
        "temperature": 0.5,
        "max_tokens": 9,
        "top_p": 1.0,
        "top_k": 20,
        "chat_template_kwargs": {"enable_thinking": False},
    }
    assert Sampling().request_fields() == {"temperature": 0.0, "max_tokens": 512, "top_p": 1.0}
    assert [sampling.one_sample(i, a).seed for a in (0, 1) for i in range(4)] == list(range(10, 18))
    with pytest.raises(ValueError, match=re.escape("n must be at least 1, got 0")):
        Sampling(n=0)
    with pytest.raises(ValueError, match=re.escape("top_p must be in (0, 1], got 1.5")):
        Sampling(top_p=1.5)
    with pytest.raises(ValueError, match="temperature must be >= 0, got nan"):
        Sampling(temperature=float("nan"))


# -- HF transformers ------------------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def tiny_model(tmp_path_factory):
    return save_tiny_model(tmp_path_factory.mktemp("tiny_model"))


def _hf(path, **engine):
    engine = {"device": "cpu", "dtype": "float32", **engine}
    return make_backend({"backend": "hf", "model": str(path), "engine": engine})


async def test_hf_backend_batches_concurrent_requests_and_left_padding_keeps_greedy_replies(tiny_model):
    import asyncio

    backend = _hf(tiny_model, batch_size=4)
    calls = []
    generate = backend.model.generate
    backend.model.generate = lambda **kw: calls.append(kw["input_ids"].shape) or generate(**kw)
    prompts = [user("a short question"), user("a much longer question " * 6), user("third")]
    greedy = Sampling(max_tokens=6)
    together = await asyncio.gather(*(backend.generate(p, greedy) for p in prompts))
    assert len(calls) == 1 and calls[0][0] == 3  # one padded batch of three prompts
    alone = [await backend.generate(p, greedy) for p in prompts]
    assert together == alone and all(len(r) == 1 and isinstance(r[0], str) for r in alone)
    samples = await backend.generate(prompts[0], Sampling(max_tokens=4, temperature=1.0, seed=3, n=3))
    assert len(samples) == 3 and len(calls) == 5  # the three samples went in one batch
    await backend.aclose()


async def test_hf_backend_retries_rejected_replies_then_fails(tiny_model):
    backend = _hf(tiny_model)
    backend.max_retries = 1

    def never(text):
        raise ValueError("rejected")

    with pytest.raises(LLMError, match="reply rejected by validate: rejected") as info:
        await backend.generate(user("q"), Sampling(max_tokens=2), validate=never)
    assert info.value.attempts == 2 and backend.stats.invalid == 2


# -- OpenAI-compatible -----------------------------------------------------------------------------------------


async def test_openai_backend_sends_the_sampling_and_asks_n_times():
    replies = ScriptedReplies(["not a number", "7", "8", "9"])
    with FakeLLMServer(replies) as server:
        backend = make_backend({"model": "served", "client": {"base_urls": [server.base_url], **FAST_RETRIES}})
        try:
            assert await backend.generate(user("q"), Sampling(max_tokens=5, top_k=3), validate=parse_int) == [7]
            assert sorted(await backend.generate(user("q"), Sampling(n=2), validate=parse_int)) == [8, 9]
        finally:
            await backend.aclose()
        first = server.requests[0]
    assert (first["model"], first["max_tokens"], first["top_k"], first["temperature"]) == ("served", 5, 3, 0.0)
    assert server.num_requests == 4 and backend.stats.invalid == 1


async def test_openai_backend_http_400_is_a_failure_not_a_rejected_reply():
    with FakeLLMServer(lambda request: Fault(status=400)) as server:
        backend = make_backend({"model": "m", "client": {"base_urls": server.base_url, **FAST_RETRIES}})
        with pytest.raises(LLMError, match="HTTP 400") as info:
            await backend.generate(user("q"), Sampling())
        await backend.aclose()
    assert not info.value.rejected and server.num_requests == 1


# -- the factory's strict section ------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("section", "message"),
    [
        ({"backend": "openai", "modle": "m"}, "unknown key 'modle' (did you mean 'model'?)"),
        (
            {"model": "m", "client": {"base_url": "http://127.0.0.1:9/v1"}},
            "llm: client: unknown key 'base_url' (did you mean 'base_urls'?)",
        ),
        (
            {"backend": "hf", "model": "/m", "engine": {"dtpye": "float32"}},
            "engine (backend hf): unknown key 'dtpye' (did you mean 'dtype'?)",
        ),
        ({"backend": "vlm", "model": "m"}, "backend must be one of openai, hf, vllm, got 'vlm' (did you mean 'vllm'?)"),
        ({"backend": "openai", "client": {"base_urls": "http://127.0.0.1:9/v1"}}, "llm: model is required"),
        ({"model": "a", "client": {"model": "b", "base_urls": "http://127.0.0.1:9/v1"}}, "differ"),
        ({"model": "m", "client": {"base_urls_env": "LONGRLVR_TEST_UNSET_URLS"}}, "LONGRLVR_TEST_UNSET_URLS"),
        ({"model": "m", "max_retries": "many"}, "max_retries"),
    ],
)
def test_factory_names_the_bad_key(section, message, monkeypatch):
    monkeypatch.delenv("LONGRLVR_TEST_UNSET_URLS", raising=False)
    with pytest.raises(UserError, match=re.escape(message)) as info:
        make_backend(section)
    assert str(info.value).startswith("llm: ") and "\n" not in str(info.value)


def test_factory_builds_the_openai_client_from_the_section(monkeypatch):
    monkeypatch.setenv("LONGRLVR_LLM_BASE_URLS", "http://127.0.0.1:9/v1,http://127.0.0.1:10/v1")
    backend = make_backend({"model": "m", "client": {"base_urls_env": "LONGRLVR_LLM_BASE_URLS", "max_retries": 1}})
    assert backend.client.config.base_urls == ("http://127.0.0.1:9/v1", "http://127.0.0.1:10/v1")
    assert (backend.client.config.model, backend.client.config.max_retries) == ("m", 1)


@pytest.mark.skipif(importlib.util.find_spec("vllm") is not None, reason="vllm is installed")
def test_vllm_without_the_extra_says_how_to_get_it():
    with pytest.raises(RuntimeError, match=r"pip install longrlvr\[vllm\]"):
        make_backend({"backend": "vllm", "model": "/m", "engine": {"max_model_len": 128}})
