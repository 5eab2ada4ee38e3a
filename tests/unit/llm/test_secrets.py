"""Issue 23 families 12 and 14: a configured secret never reaches a file or stream, in any form it can take; URL
credentials plus ``api_key_env`` is one tidy line."""

from __future__ import annotations

import base64
import time
from urllib.parse import quote

import pytest

from longrlvr.errors import UserError
from longrlvr.llm import AsyncLLMClient, LLMConfig, LLMError
from longrlvr.llm import redact as redaction
from longrlvr.testing.fake_llm_server import FakeLLMServer, Fault

KEY = "zq-Very$ecret/Key+42=="
USER, PASSWORD = "alice", "s3cr@t-pw"


@pytest.fixture(autouse=True)
def _fresh_registry():
    redaction.forget_all()
    yield
    redaction.forget_all()


def leak_forms(key: str = KEY, user: str = USER, password: str = PASSWORD) -> list[str]:
    """Every rendering of the secrets a test greps for."""
    basic = base64.b64encode(f"{user}:{password}".encode()).decode()
    raw = base64.b64encode(key.encode()).decode()
    return [
        key,
        quote(key, safe=""),
        raw,
        raw.rstrip("="),
        base64.urlsafe_b64encode(key.encode()).decode().rstrip("="),
        basic,
        basic.rstrip("="),
        password,
        quote(password, safe=""),
        f"{user}:{password}",
    ]


@pytest.mark.parametrize(
    "render",
    [
        lambda k: f"401: invalid key {k}",
        lambda k: f'{{"error": "bad api key: {k}"}}',
        lambda k: f"key={k}&x=1",
        lambda k: base64.b64encode(k.encode()).decode(),
        lambda k: base64.urlsafe_b64encode(k.encode()).decode().rstrip("="),
        lambda k: quote(k, safe=""),
        lambda k: repr(k),
        lambda k: f"...{k}\n{k}...",
        lambda k: f"<p>The key '{k}' is revoked</p>",
    ],
)
def test_registered_key_masked_in_every_form(render):
    redaction.register(KEY)
    out = redaction.redact(render(KEY))
    assert not any(form in out for form in leak_forms()[:5]), out
    assert redaction.MASK in out


def test_url_credentials_split_off_and_masked_in_every_form():
    cfg = LLMConfig(base_urls=(f"https://{USER}:{quote(PASSWORD, safe='')}@judge.example:8443/v1",), model="m")
    assert cfg.base_urls == ("https://judge.example:8443/v1",)
    assert cfg.credentials == {"https://judge.example:8443/v1": (USER, PASSWORD)}
    assert PASSWORD not in repr(cfg) and quote(PASSWORD, safe="") not in repr(cfg)
    basic = base64.b64encode(f"{USER}:{PASSWORD}".encode()).decode()
    for leak in (
        f"Authorization: Basic {basic}",
        basic,
        f"echo {basic}!",
        PASSWORD,
        quote(PASSWORD),
        f"{USER}:{PASSWORD}",
    ):
        out = redaction.redact(leak)
        assert "s3cr" not in out and basic not in out, leak


def test_api_key_is_registered_when_read(monkeypatch):
    monkeypatch.setenv("LONGRLVR_TEST_KEY", KEY)
    LLMConfig(base_urls=("http://127.0.0.1:9/v1",), model="m", api_key_env="LONGRLVR_TEST_KEY").api_key()
    assert KEY not in redaction.redact(f"the server said {KEY}")


def test_redact_is_linear_on_megabytes():
    redaction.register(KEY, "another-secret-value")
    t = time.perf_counter()
    out = redaction.redact("x" * 2_000_000 + KEY + "Authorization: " * 50_000)
    assert KEY not in out and time.perf_counter() - t < 2.0


def _echoing_401(key: str):
    basic = base64.b64encode(f"{USER}:{PASSWORD}".encode()).decode()
    body = (
        f"invalid key {key} ({quote(key, safe='')}); Authorization: Basic {basic}; pass={PASSWORD}; {USER}:{PASSWORD}"
    )
    return lambda request: Fault(status=401, body=body)


async def test_client_failure_reason_never_carries_the_key(monkeypatch):
    monkeypatch.setenv("LONGRLVR_TEST_KEY", KEY)
    with FakeLLMServer(_echoing_401(KEY)) as server:
        async with AsyncLLMClient(
            LLMConfig(base_urls=(server.base_url,), model="m", api_key_env="LONGRLVR_TEST_KEY", max_retries=0)
        ) as client:
            with pytest.raises(LLMError) as info:
                await client.chat([{"role": "user", "content": "hi"}])
        assert server.headers[0]["authorization"] == f"Bearer {KEY}"  # the key was sent, only never shown
    text = f"{info.value} {info.value.reason} {info.value!r}"
    assert "HTTP 401" in text
    assert not [form for form in leak_forms()[:5] if form in text], text


async def test_url_credentials_are_sent_as_basic_auth_and_never_shown():
    with FakeLLMServer(_echoing_401("none")) as server:
        url = server.base_url.replace("http://", f"http://{USER}:{quote(PASSWORD, safe='')}@")
        async with AsyncLLMClient(LLMConfig(base_urls=(url,), model="m", max_retries=0)) as client:
            with pytest.raises(LLMError) as info:
                await client.chat([{"role": "user", "content": "hi"}])
            assert list(client.stats.endpoints) == [server.base_url]
        basic = base64.b64encode(f"{USER}:{PASSWORD}".encode()).decode()
        assert server.headers[0]["authorization"] == f"Basic {basic}"
    text = f"{info.value} {info.value.reason}"
    assert not [form for form in leak_forms()[5:] if form in text], text


@pytest.mark.parametrize(
    "urls", [["https://u:pw@judge/v1"], ["http://h1/v1", "https://u:pw@h2/v1"], "http://h1/v1, https://u@h2/v1"]
)
def test_credentials_plus_api_key_env_is_one_line(urls):
    with pytest.raises(UserError) as info:
        LLMConfig.from_mapping({"base_urls": urls, "model": "m", "api_key_env": "JUDGE_KEY"})
    msg = str(info.value)
    assert "\n" not in msg and "base_urls[" in msg and "api_key_env" in msg and "pw" not in msg


@pytest.mark.parametrize(
    "key,value",
    [
        ("timeout_s", float("inf")),
        ("timeout_s", float("nan")),
        ("timeout_s", 0),
        ("max_retries", -1),
        ("max_retries", 1.5),
        ("max_concurrency", 0),
        ("jitter", float("nan")),
        ("cooldown_s", 1e309),
        ("max_reply_bytes", 10),
        ("max_reply_bytes", 2**40),
        ("max_call_s", 0),
        ("max_call_s", float("inf")),
        ("requests_per_minute", float("nan")),
        ("backoff_max_s", "8"),
    ],
)
def test_client_numbers_checked_in_one_line(key, value):
    with pytest.raises(UserError) as info:
        LLMConfig.from_mapping({"base_urls": ["http://h/v1"], "model": "m", key: value})
    msg = str(info.value)
    assert "\n" not in msg and f"{key}=" in msg and "allowed" in msg


def _niah(tmp_path):
    row = {"id": "a", "length": 64, "question": "q?", "answers": ["x"], "chunks": ["a", "b"], "ref_chunks": [1]}
    path = tmp_path / "niah.jsonl"
    path.write_text(__import__("json").dumps(row) + "\n")
    return path


def test_credentials_conflict_through_eval_run_is_one_tidy_line(tmp_path, capsys, monkeypatch):
    from longrlvr.cli import main

    monkeypatch.setenv("LONGRLVR_TEST_KEY", KEY)
    argv = ["eval", "run", "--benchmark", "niah", "--backend", "openai", "--model", "m", "--out", str(tmp_path / "r")]
    sets = [f"data.path={_niah(tmp_path)}", "client.base_urls=http://u:pw12@127.0.0.1:9/v1"]
    sets.append("client.api_key_env=LONGRLVR_TEST_KEY")
    rc = main([*argv, *(x for s in sets for x in ("--set", s))])
    err = capsys.readouterr().err
    assert rc == 2 and err.count("\n") == 1 and "base_urls[0] carries credentials" in err
    assert "Task exception" not in err and "Traceback" not in err and "pw12" not in err and KEY not in err
    assert not (tmp_path / "r").exists() or not any((tmp_path / "r").rglob("*.jsonl"))
