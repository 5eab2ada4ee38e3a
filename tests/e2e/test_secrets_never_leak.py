"""Issue 23 family 12, end to end: an endpoint whose 401 body echoes the bare key, its percent form, the Basic-auth
header and the password. ``eval run`` and ``data run`` (the documented commands, in a child process) run against it
with ``api_key_env`` and with ``user:pass@`` in the URL; no file they write and neither stream holds any form."""

from __future__ import annotations

import base64
import json
import os
import subprocess
import sys
from pathlib import Path
from urllib.parse import quote

import pytest

from longrlvr.testing.fake_llm_server import FakeLLMServer, Fault
from longrlvr.testing.toy_corpus import write_corpus
from tests.helpers.data_gen import write_config

pytestmark = pytest.mark.slow  # four child processes, about 2.5 minutes on 2 cores

KEY = "zq-Very$ecret/Key+42=="
USER, PASSWORD = "alice", "s3cr@t-pw"
BASIC = base64.b64encode(f"{USER}:{PASSWORD}".encode()).decode()
KEY_B64 = base64.b64encode(KEY.encode()).decode()
FORMS = {  # what a run configured with each kind of credential must never write
    "api_key_env": {
        "key": KEY,
        "key percent-encoded": quote(KEY, safe=""),
        "key base64": KEY_B64.rstrip("="),
        "key base64 url-safe": base64.urlsafe_b64encode(KEY.encode()).decode().rstrip("="),
    },
    "url": {
        "basic header": BASIC.rstrip("="),
        "password": PASSWORD,
        "password percent-encoded": quote(PASSWORD, safe=""),
        "user:pass": f"{USER}:{PASSWORD}",
    },
}
ECHO = {  # the 401 body: the configured secret's forms first (error excerpts are cut at 200 characters)
    "api_key_env": f'{{"error": "invalid api key {KEY} ({quote(KEY, safe="")}, {KEY_B64})"}}',
    "url": f'{{"error": "bad {USER}:{PASSWORD}; password {PASSWORD} ({quote(PASSWORD, safe="")}); Basic {BASIC}"}}',
}


def _echo(credentials: str):
    return lambda request: Fault(status=401, body=ECHO[credentials])


def _leaks(text: str, credentials: str) -> list[str]:
    return [name for name, form in FORMS[credentials].items() if form in text]


def _run(argv: list[str], env_key: bool) -> subprocess.CompletedProcess:
    env = {**os.environ, "PYTHONUNBUFFERED": "1"}
    if env_key:
        env["LONGRLVR_TEST_KEY"] = KEY
    return subprocess.run(
        [sys.executable, "-m", "longrlvr", *argv], capture_output=True, text=True, timeout=300, env=env
    )


def _assert_nothing_leaked(done: subprocess.CompletedProcess, out: Path, credentials: str) -> int:
    assert "Traceback" not in done.stderr, done.stderr[-2000:]
    streams = (_leaks(done.stdout, credentials), _leaks(done.stderr, credentials))
    assert streams == ([], []), (done.stdout[-1000:], done.stderr[-1000:])
    files = [p for p in out.rglob("*") if p.is_file()]
    assert files, "the run wrote nothing: the test would prove nothing"
    for path in files:
        text = path.read_bytes().decode("utf-8", errors="replace")
        assert _leaks(text, credentials) == [], (path, _leaks(text, credentials))
    return len(files)


def _url(base_url: str, with_credentials: bool) -> str:
    return base_url.replace("http://", f"http://{USER}:{quote(PASSWORD, safe='')}@") if with_credentials else base_url


@pytest.mark.parametrize("credentials", ["api_key_env", "url"])
def test_eval_run_leaks_no_secret(tmp_path, credentials):
    data = tmp_path / "niah.jsonl"
    rows = [
        {
            "id": f"n{i}",
            "length": 64,
            "question": f"What is {i}?",
            "answers": [str(i)],
            "chunks": ["a", "b"],
            "ref_chunks": [1],
        }
        for i in range(3)
    ]
    data.write_text("".join(json.dumps(r) + "\n" for r in rows))
    out = tmp_path / "run"
    with FakeLLMServer(_echo(credentials)) as server:
        overrides = [
            f"data.path={data}",
            f"client.base_urls={_url(server.base_url, credentials == 'url')}",
            "client.max_retries=0",
        ]
        if credentials == "api_key_env":
            overrides.append("client.api_key_env=LONGRLVR_TEST_KEY")
        argv = ["eval", "run", "--benchmark", "niah", "--backend", "openai", "--model", "m", "--out", str(out)]
        done = _run([*argv, *(x for o in overrides for x in ("--set", o))], env_key=credentials == "api_key_env")
        assert server.num_requests >= 3  # every item reached the endpoint and got the echoing 401
    assert "401" in (out / "niah" / "niah.failed.jsonl").read_text()
    _assert_nothing_leaked(done, out, credentials)


@pytest.mark.parametrize("credentials", ["api_key_env", "url"])
def test_data_run_leaks_no_secret(tmp_path, credentials):
    write_corpus(tmp_path / "docs.jsonl", num_docs=3, seed=1)
    out = tmp_path / "work"
    with FakeLLMServer(_echo(credentials)) as server:
        client = {
            "model": "scripted",
            "max_retries": 0,
            "timeout_s": 10,
            "base_urls": [_url(server.base_url, credentials == "url")],
        }
        if credentials == "api_key_env":
            client["api_key_env"] = "LONGRLVR_TEST_KEY"
        config = write_config(
            tmp_path / "cfg.yaml",
            tmp_path / "docs.jsonl",
            out,
            server.base_url,
            llm={"client": client, "concurrency": 4},
        )
        done = _run(["data", "run", "--config", str(config), "--no-progress"], env_key=credentials == "api_key_env")
        assert server.num_requests >= 1
    assert done.returncode != 0  # every LLM record failed: left for a rerun
    assert "401" in done.stderr or any("401" in p.read_text(errors="replace") for p in out.rglob("*") if p.is_file())
    _assert_nothing_leaked(done, out, credentials)
