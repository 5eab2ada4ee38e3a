"""Issue 23 family 13: the client caps the reply size and the total time of a call; an endless chunked reply stays
bounded in memory and time."""

from __future__ import annotations

import asyncio
import resource
import time

import pytest
from aiohttp import web

from longrlvr.llm import AsyncLLMClient, LLMConfig, LLMError
from longrlvr.testing.fake_llm_server import FakeLLMServer, Fault

MIB = 1 << 20


def _rss_mib() -> float:
    with open("/proc/self/status") as status:
        for line in status:
            if line.startswith("VmRSS:"):
                return int(line.split()[1]) / 1024
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


async def _serve(handler):
    app = web.Application()
    app.router.add_post("/v1/chat/completions", handler)
    runner = web.AppRunner(app)
    await runner.setup()
    site = web.TCPSite(runner, "127.0.0.1", 0)
    await site.start()
    port = site._server.sockets[0].getsockname()[1]
    return runner, f"http://127.0.0.1:{port}/v1"


async def _endless(request):
    response = web.StreamResponse()  # chunked transfer encoding, no Content-Length
    await response.prepare(request)
    chunk = b"x" * 65536
    while True:
        await response.write(chunk)


async def _declared_huge(request):
    response = web.StreamResponse(headers={"Content-Length": str(10 << 30)})
    await response.prepare(request)
    for _ in range(600):  # trickles until the client goes away (the write then fails)
        await response.write(b" ")
        await asyncio.sleep(0.05)
    return response


@pytest.mark.parametrize("handler", [_endless, _declared_huge])
async def test_oversized_reply_stops_at_the_cap_in_bounded_memory_and_time(handler):
    runner, url = await _serve(handler)
    before = _rss_mib()
    t = time.perf_counter()
    try:
        cfg = LLMConfig(base_urls=(url,), model="m", max_reply_bytes=MIB, max_retries=3, backoff_base_s=0)
        async with AsyncLLMClient(cfg) as client:
            with pytest.raises(LLMError, match="max_reply_bytes=1048576"):
                await client.chat([{"role": "user", "content": "hi"}])
            assert client.stats.requests == 1  # not retried: a bigger reply does not get smaller
        assert time.perf_counter() - t < 10
        assert _rss_mib() - before < 50
    finally:
        await runner.cleanup()


async def test_default_cap_is_a_few_megabytes():
    cfg = LLMConfig(base_urls=("http://h/v1",), model="m")
    assert 1 * MIB <= cfg.max_reply_bytes <= 16 * MIB


async def test_reply_under_the_cap_is_read_whole():
    text = "y" * 500_000
    with FakeLLMServer(lambda req: text) as server:
        async with AsyncLLMClient(LLMConfig(base_urls=(server.base_url,), model="m", max_reply_bytes=MIB)) as client:
            assert await client.chat([{"role": "user", "content": "hi"}]) == text


async def test_total_time_per_call_is_capped_across_retries():
    with FakeLLMServer(lambda req: Fault(hang=True)) as server:
        cfg = LLMConfig(base_urls=(server.base_url,), model="m", timeout_s=0.5, max_retries=50, max_call_s=1.5)
        async with AsyncLLMClient(cfg) as client:
            t = time.perf_counter()
            with pytest.raises(LLMError, match="max_call_s=1.5"):
                await client.chat([{"role": "user", "content": "hi"}])
            assert time.perf_counter() - t < 3.0


def test_default_call_deadline_covers_every_retry_and_backoff():
    cfg = LLMConfig(base_urls=("http://h/v1",), model="m", timeout_s=10, max_retries=2, backoff_max_s=4, jitter=0.5)
    assert cfg.call_deadline_s == pytest.approx(10 * 3 + 4 * 1.5 * 2)
