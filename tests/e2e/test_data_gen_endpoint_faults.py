"""The pipeline against failing endpoints: an outage loses nothing, a surrogate reply fails nothing but itself,
no key reaches disk, and the toy smoke run resumes after a kill to the same rows."""

import base64
import json
import os
import signal
import subprocess
import sys
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import pytest
from longrlvr.data_gen.grounded.pipeline import StageFailed

from longrlvr import jsonl
from longrlvr.data import read_parquet
from longrlvr.testing.fake_llm_server import Fault
from longrlvr.testing.toy_corpus import write_corpus
from longrlvr.testing.toy_model import _digest
from tests.helpers.data_gen import ScriptedPipelineModel, copy_early_stages, run_against, write_config
from tests.helpers.data_gen import data_main as main

pytestmark = pytest.mark.slow
REPO = Path(__file__).resolve().parents[2]
LLM_FILES = ("qa.jsonl", "qa_judged.jsonl", "probes.jsonl", "probes_judged.jsonl", "selected.jsonl", "rows.jsonl")


def run(tmp: Path, workdir: Path, handler, stages=None, **sections):
    return run_against(tmp, workdir, handler, stages, **sections)


def rows(workdir: Path) -> list[dict]:
    return read_parquet(workdir / "train.parquet") + read_parquet(workdir / "val.parquet")


@pytest.fixture(scope="module")
def reference(tmp_path_factory):
    tmp = tmp_path_factory.mktemp("faults")
    write_corpus(tmp / "docs.jsonl", num_docs=8, seed=1)
    manifest = run(tmp, tmp / "reference", ScriptedPipelineModel())
    return tmp, tmp / "reference", manifest


class Outage:
    """The scripted model behind an endpoint that answers 503 to some requests while ``down``."""

    def __init__(self, model, affected) -> None:
        self.model, self.affected, self.down = model, affected, True

    def __call__(self, request):
        if self.down and self.affected(request["messages"][-1]["content"]):
            return Fault(status=503)
        return self.model(request)


def test_outage_then_recovery_gives_the_rows_of_an_uninterrupted_run(reference):
    tmp, ref_dir, ref_manifest = reference
    workdir = copy_early_stages(ref_dir, tmp / "outage")
    outage = Outage(ScriptedPipelineModel(), lambda content: _digest(content) % 3 == 0)  # a third of the requests
    with pytest.raises(StageFailed, match=r"stage generate_qa: \d+ record\(s\) failed \(llm_error: \d+\)"):
        run(tmp, workdir, outage)
    manifest = json.loads((workdir / "manifest.json").read_text())
    failed = manifest["stages"]["generate_qa"]["failed"]["llm_error"]
    ledgered = {e["id"] for e in jsonl.read(workdir / "qa.jsonl.done")}
    assert 0 < failed and len(ledgered) + failed == ref_manifest["stages"]["generate_qa"]["done"]
    assert not set(manifest["stages"]["generate_qa"]["failures"]) & ledgered  # failed ids are not "done"
    assert not (workdir / "qa_judged.jsonl").exists()  # the pipeline stopped at the failed stage
    outage.down = False
    run(tmp, workdir, outage)
    for name in LLM_FILES:  # retried records come last in the files, so compare them as sets of lines
        assert sorted((workdir / name).read_text().splitlines()) == sorted((ref_dir / name).read_text().splitlines())
    assert rows(workdir) == rows(ref_dir) and len(rows(ref_dir)) >= 10


def test_a_lone_surrogate_reply_is_retried_and_blocks_nothing(reference):
    tmp, ref_dir, ref_manifest = reference
    workdir = copy_early_stages(ref_dir, tmp / "surrogate")
    model = ScriptedPipelineModel()
    bad = {"n": 0}

    def handler(request):
        reply = model(request)
        if "Generate exactly ONE question" in request["messages"][-1]["content"] and bad["n"] < 5:
            bad["n"] += 1
            return reply.replace("Which number", "Which \ud800 number").replace('"question": "', '"question": "\\ud800')
        return reply

    run(tmp, workdir, handler)
    assert bad["n"] == 5
    assert (workdir / "qa.jsonl").read_bytes().decode("utf-8")  # every line encodable
    manifest = json.loads((workdir / "manifest.json").read_text())
    assert manifest["stages"]["generate_qa"]["done"] == ref_manifest["stages"]["generate_qa"]["done"]
    assert manifest["llm"]["invalid"] > ref_manifest["llm"]["invalid"]  # the bad replies were rejected, retried


class EchoHeaders(BaseHTTPRequestHandler):
    """An endpoint whose error body echoes the request line and headers (as some proxies do)."""

    def do_POST(self):  # noqa: N802
        self.rfile.read(int(self.headers.get("Content-Length") or 0))
        body = json.dumps({"error": f"bad gateway for {self.path}", "request_headers": dict(self.headers)}).encode()
        self.send_response(502)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, *args):
        pass


@pytest.mark.parametrize("where", ["header", "url"])
def test_no_secret_reaches_disk_from_a_header_echoing_endpoint(reference, monkeypatch, capsys, where):
    """The key in the Authorization header (``api_key_env``), or credentials in the base URL (sent as Basic auth)."""
    tmp, ref_dir, _ = reference
    workdir = copy_early_stages(ref_dir, tmp / f"secret-{where}")
    key, password = "sk-test-0123456789abcdefSECRET", "hunter2-url-password"
    monkeypatch.setenv("DATA_GEN_TEST_KEY", key)
    server = ThreadingHTTPServer(("127.0.0.1", 0), EchoHeaders)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    port = server.server_address[1]
    client = {"model": "m", "max_retries": 1, "backoff_base_s": 0.0, "backoff_max_s": 0.0}
    if where == "header":
        client |= {"base_urls": [f"http://127.0.0.1:{port}/v1"], "api_key_env": "DATA_GEN_TEST_KEY"}
    else:
        client |= {"base_urls": [f"http://alice:{password}@127.0.0.1:{port}/v1"]}
    try:
        config = write_config(tmp / f"secret-{where}.yaml", tmp / "docs.jsonl", workdir, "", llm={"client": client})
        assert main(["run", "--config", str(config), "--no-progress"]) == 1
    finally:
        server.shutdown()
        server.server_close()
    err = capsys.readouterr().err
    assert "llm_error" in err and "bad gateway" in err
    secrets = (key, key[:12], password, base64.b64encode(f"alice:{password}".encode()).decode())
    files = [p for p in workdir.rglob("*") if p.is_file()]
    manifest = json.loads((workdir / "manifest.json").read_text())
    assert manifest["stages"]["generate_qa"]["failures"]  # the echoed error bodies were stored, redacted
    for path in files:
        text = path.read_bytes().decode("utf-8", errors="replace")
        assert not [s for s in secrets if s in text], f"a secret is in {path.name}"
    assert not [s for s in secrets if s in err]


def test_killed_toy_smoke_run_resumes_to_the_same_rows(tmp_path):
    write_corpus(tmp_path / "docs.jsonl", num_docs=8, seed=0)
    env = {**os.environ, "OMP_NUM_THREADS": "1", "PYTHONPATH": str(REPO)}

    def command(workdir):
        return [
            sys.executable,
            "-m",
            "longrlvr",
            "data",
            "run",
            "--config",
            str(REPO / "configs/data_gen/toy.yaml"),
            "--toy-llm",
            "--toy-latency-s",
            "0.1",
            "--no-progress",
            f"input={tmp_path / 'docs.jsonl'}",
            f"workdir={workdir}",
        ]

    reference = tmp_path / "reference"
    subprocess.run(command(reference), cwd=REPO, env=env, check=True, capture_output=True)
    killed = tmp_path / "killed"
    proc = subprocess.Popen(command(killed), cwd=REPO, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    deadline = time.monotonic() + 300
    while time.monotonic() < deadline and proc.poll() is None and not (killed / "probes.jsonl").exists():
        time.sleep(0.01)
    proc.send_signal(signal.SIGKILL)
    proc.wait()
    assert (killed / "qa_judged.jsonl").exists() and not (killed / "train.parquet").exists(), "kill after generate_qa"
    subprocess.run(command(killed), cwd=REPO, env=env, check=True, capture_output=True)
    assert rows(killed) == rows(reference) and len(rows(reference)) >= 5
