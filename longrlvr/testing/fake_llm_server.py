"""A real OpenAI-compatible chat-completions HTTP server on 127.0.0.1 for tests and benchmarks.

``handler(request_json)`` returns the assistant's reply text, or a :class:`Fault` that scripts a failure
(an HTTP status, a delay, a garbage body, or a hang until the client gives up)::

    with FakeLLMServer(lambda req: "[[Yes]]", latency_s=0.1) as server:
        client = AsyncLLMClient(LLMConfig(base_urls=(server.base_url,), model="m"))

The server records every request body (``.requests``), its headers (``.headers``, lower-case names)
and the largest number of requests it was serving at the same time (``.max_concurrent``).
"""

from __future__ import annotations

import itertools
import json
import multiprocessing
import threading
import time
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any


@dataclass(frozen=True)
class Fault:
    """A scripted failure: wait ``delay_s``, then hang, send garbage, or answer with HTTP ``status`` (and ``body``,
    default a JSON error naming the status)."""

    status: int | None = None
    body: str | None = None
    delay_s: float = 0.0
    garbage: bool = False
    hang: bool = False
    retry_after_s: float | None = None


Reply = str | Fault
Handler = Callable[[dict[str, Any]], Reply]


class ScriptedReplies:
    """A handler that returns ``replies`` in order (thread-safe) and repeats the last one forever."""

    def __init__(self, replies: Sequence[Reply]) -> None:
        if not replies:
            raise ValueError("ScriptedReplies needs at least one reply")
        self.replies = list(replies)
        self.count = 0
        self._lock = threading.Lock()

    def __call__(self, request: dict[str, Any]) -> Reply:
        with self._lock:
            reply = self.replies[min(self.count, len(self.replies) - 1)]
            self.count += 1
        return reply


def completion_body(text: str, model: str, request_id: int) -> dict[str, Any]:
    """An OpenAI chat-completions response carrying ``text``."""
    return {
        "id": f"chatcmpl-fake-{request_id}",
        "object": "chat.completion",
        "created": int(time.time()),
        "model": model,
        "choices": [{"index": 0, "message": {"role": "assistant", "content": text}, "finish_reason": "stop"}],
        "usage": {"prompt_tokens": 0, "completion_tokens": len(text.split()), "total_tokens": len(text.split())},
    }


class FakeLLMServer:
    """Loopback OpenAI-compatible server in a background thread; use as a context manager."""

    def __init__(self, handler: Handler, *, latency_s: float = 0.0) -> None:
        self.handler = handler
        self.latency_s = latency_s
        self.requests: list[dict[str, Any]] = []
        self.headers: list[dict[str, str]] = []
        self.in_flight = 0
        self.max_concurrent = 0
        self._lock = threading.Lock()
        self._ids = itertools.count()
        self._stopping = threading.Event()
        self._httpd: _LoopbackServer | None = None
        self._thread: threading.Thread | None = None

    @property
    def base_url(self) -> str:
        """``http://127.0.0.1:<port>/v1``, the value an OpenAI client takes as its base URL."""
        if self._httpd is None:
            raise RuntimeError("FakeLLMServer is not running; use it as a context manager or call start()")
        return f"http://127.0.0.1:{self._httpd.server_address[1]}/v1"

    @property
    def num_requests(self) -> int:
        with self._lock:
            return len(self.requests)

    def start(self) -> FakeLLMServer:
        httpd = _LoopbackServer(("127.0.0.1", 0), _make_request_handler(self))
        self._httpd = httpd
        self._thread = threading.Thread(
            target=httpd.serve_forever, kwargs={"poll_interval": 0.05}, name="fake-llm-server", daemon=True
        )
        self._thread.start()
        return self

    def stop(self) -> None:
        """Release hanging requests, stop serving and close the socket."""
        self._stopping.set()
        if self._httpd is not None:
            self._httpd.shutdown()
            self._httpd.server_close()
        if self._thread is not None:
            self._thread.join(timeout=5)

    def __enter__(self) -> FakeLLMServer:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()

    def _serve(self, request: dict[str, Any], headers: dict[str, str]) -> tuple[int, bytes, dict[str, str]]:
        """(status, body, extra headers) for one parsed request; counts concurrency."""
        with self._lock:
            self.requests.append(request)
            self.headers.append(headers)
            self.in_flight += 1
            self.max_concurrent = max(self.max_concurrent, self.in_flight)
            request_id = next(self._ids)
        try:
            if self.latency_s:
                time.sleep(self.latency_s)
            try:
                reply = self.handler(request)
            except Exception as exc:  # a broken handler is the test's bug: surface it as a 500 with the reason
                return 500, json.dumps({"error": {"message": f"handler raised {exc!r}"}}).encode(), {}
            if isinstance(reply, Fault):
                return self._fault(reply)
            body = completion_body(str(reply), str(request.get("model", "")), request_id)
            return 200, json.dumps(body).encode(), {}
        finally:
            with self._lock:
                self.in_flight -= 1

    def _fault(self, fault: Fault) -> tuple[int, bytes, dict[str, str]]:
        if fault.delay_s:
            self._stopping.wait(fault.delay_s)
        if fault.hang:
            self._stopping.wait()
        if fault.garbage:
            return 200, b"<html>definitely not a chat completion", {}
        status = fault.status or 500
        headers = {"Retry-After": f"{fault.retry_after_s:g}"} if fault.retry_after_s is not None else {}
        body = fault.body if fault.body is not None else json.dumps({"error": {"message": f"scripted fault {status}"}})
        return status, body.encode(), headers


def _serve_until_stopped(handler: Handler, latency_s: float, urls: multiprocessing.Queue, stop: Any) -> None:
    with FakeLLMServer(handler, latency_s=latency_s) as server:
        urls.put(server.base_url)
        stop.wait()


@contextmanager
def serve_in_process(handler: Handler, *, latency_s: float = 0.0, start_timeout_s: float = 60.0) -> Iterator[str]:
    """Run a :class:`FakeLLMServer` in a separate process (like a real judge, off this process's GIL) and
    yield its base URL. ``handler`` must be picklable (a module-level function)."""
    ctx = multiprocessing.get_context("spawn")
    urls, stop = ctx.Queue(), ctx.Event()
    process = ctx.Process(target=_serve_until_stopped, args=(handler, latency_s, urls, stop), daemon=True)
    process.start()
    try:
        yield urls.get(timeout=start_timeout_s)
    finally:
        stop.set()
        process.join(timeout=10)
        if process.is_alive():
            process.kill()


class _LoopbackServer(ThreadingHTTPServer):
    daemon_threads = True
    request_queue_size = 1024  # the default backlog of 5 resets connections when many clients connect at once


def _make_request_handler(server: FakeLLMServer) -> type[BaseHTTPRequestHandler]:
    class ChatCompletionsHandler(BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"  # keep-alive, like real inference servers
        timeout = 30  # idle keep-alive connections close on their own
        disable_nagle_algorithm = True  # headers and body go out as separate writes: no 40 ms delayed-ACK stalls

        def do_POST(self) -> None:  # noqa: N802 (http.server naming)
            length = int(self.headers.get("Content-Length") or 0)
            raw = self.rfile.read(length)
            if not self.path.rstrip("/").endswith("/chat/completions"):
                self._send(404, json.dumps({"error": {"message": f"no route {self.path}"}}).encode(), {})
                return
            try:
                request = json.loads(raw)
            except json.JSONDecodeError:
                self._send(400, b'{"error": {"message": "request body is not JSON"}}', {})
                return
            self._send(*server._serve(request, {k.lower(): v for k, v in self.headers.items()}))

        def _send(self, status: int, body: bytes, headers: dict[str, str]) -> None:
            self.send_response(status)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(body)))
            for key, value in headers.items():
                self.send_header(key, value)
            self.end_headers()
            try:
                self.wfile.write(body)
            except (BrokenPipeError, ConnectionResetError):
                pass  # the client timed out and went away

        def log_message(self, format: str, *args: Any) -> None:  # noqa: A002 (base-class signature)
            pass  # keep test output clean

    return ChatCompletionsHandler
