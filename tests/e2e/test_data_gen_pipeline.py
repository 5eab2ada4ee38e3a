"""The whole grounded-QA pipeline on a toy corpus against a scripted OpenAI-compatible server on 127.0.0.1."""

import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import longrlvr.data_gen.grounded.pipeline as pipeline
import pytest
from longrlvr.data_gen.runner import ledger_path

from longrlvr.data import read_parquet, validate_rows
from longrlvr.grammar import prompt_chunks
from longrlvr.testing.fake_llm_server import FakeLLMServer
from longrlvr.testing.toy_corpus import write_corpus
from tests.helpers.data_gen import ScriptedPipelineModel, copy_early_stages, run_against, write_config

pytestmark = pytest.mark.slow
REPO = Path(__file__).resolve().parents[2]


def run(tmp: Path, workdir: Path, model: ScriptedPipelineModel, stages=None, latency_s=0.0, **sections):
    """One pipeline run against a fresh server (the model forgets which requests it saw)."""
    model.new_run()
    return run_against(tmp, workdir, model, stages, latency_s=latency_s, **sections)


@pytest.fixture(scope="module")
def reference(tmp_path_factory):
    tmp = tmp_path_factory.mktemp("data_gen")
    write_corpus(tmp / "docs.jsonl", num_docs=8, seed=1)
    model = ScriptedPipelineModel()
    manifest = run(tmp, tmp / "reference", model)
    return tmp, tmp / "reference", model, manifest


def test_pipeline_output_is_valid_grounded_and_filtered(reference):
    _, workdir, model, manifest = reference
    rows = read_parquet(workdir / "train.parquet") + read_parquet(workdir / "val.parquet")
    assert len(rows) == manifest["stages"]["assemble"]["outputs"] >= 10
    assert validate_rows(rows) == []
    documents = {json.loads(line)["id"]: json.loads(line) for line in open(workdir / "chunks.jsonl")}
    for row in rows:
        info = row["extra_info"]
        chunks = prompt_chunks(row["prompt"][0]["content"])
        assert len(info["ref_chunks"]) >= 2
        assert [chunks[r] for r in info["ref_chunks"]] == list(info["ref_chunks_text"])
        assert all(text in documents[info["doc_id"]]["chunks"] for text in info["ref_chunks_text"])
        assert row["reward_model"]["ground_truth"] in "".join(info["ref_chunks_text"])  # evidence holds the answer
        assert info["quality"] >= 7.0 and "capital of France" not in info["question"]
    skipped = {reason for stage in manifest["stages"].values() for reason in stage["skipped"]}
    assert {
        "skipped_by_llm",
        "malformed_output",
        "below_quality",
        "leaked",
        "inconsistent_evidence",
        "full_context_wrong",
    } <= skipped
    assert manifest["llm"]["invalid"] > manifest["stages"]["generate_qa"]["skipped"]["malformed_output"]  # retries
    assert manifest["versions"]["hdbscan"] and manifest["config"]["seed"] == 7
    assert json.loads((workdir / "manifest.json").read_text())["export"]["train"]["rows"] > 0


def test_interrupted_stage_resumes_to_identical_rows(reference, monkeypatch):
    tmp, ref_dir, model, _ = reference
    workdir = tmp / "interrupted"
    copy_early_stages(ref_dir, workdir)
    build = pipeline.build_handler

    def crashing_build(name, res):
        handler = build(name, res)
        if name != "judge_qa":
            return handler
        done = []

        async def crash_after_five(record, ctx):
            if len(done) == 5:
                raise RuntimeError("killed mid-stage")
            done.append(ctx.id)
            return await handler(record, ctx)

        return crash_after_five

    monkeypatch.setattr(pipeline, "build_handler", crashing_build)
    with pytest.raises(RuntimeError, match="killed mid-stage"):
        run(tmp, workdir, model)
    assert not (workdir / "probes.jsonl").exists()
    monkeypatch.setattr(pipeline, "build_handler", build)
    manifest = run(tmp, workdir, model)
    assert manifest["stages"]["judge_qa"]["resumed"] >= 5
    for name in ("qa_judged.jsonl", "rows.jsonl"):
        assert (workdir / name).read_bytes() == (ref_dir / name).read_bytes()
    for split in ("train.parquet", "val.parquet"):
        assert read_parquet(workdir / split) == read_parquet(ref_dir / split)


def test_killed_process_resumes_to_identical_output(reference):
    tmp, ref_dir, model, _ = reference
    workdir = tmp / "killed"
    copy_early_stages(ref_dir, workdir)
    model.new_run()
    with FakeLLMServer(model, latency_s=0.3) as server:
        config = write_config(tmp / "killed.yaml", tmp / "docs.jsonl", workdir, server.base_url)
        command = [
            sys.executable,
            "-m",
            "longrlvr",
            "data",
            "stage",
            "generate_qa",
            "--config",
            str(config),
            "--no-progress",
            "llm.concurrency=2",
        ]
        proc = subprocess.Popen(
            command,
            cwd=REPO,
            env={**os.environ, "OMP_NUM_THREADS": "1"},
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        ledger, deadline = ledger_path(workdir / "qa.jsonl"), time.monotonic() + 60
        while time.monotonic() < deadline and proc.poll() is None:
            if ledger.exists() and len(ledger.read_text().splitlines()) >= 4:
                break
            time.sleep(0.02)
        proc.send_signal(signal.SIGKILL)
        proc.wait()
    finished = len(ledger.read_text().splitlines())
    assert 4 <= finished < 24, "the stage should have been killed mid-run"
    manifest = run(tmp, workdir, model, stages=["generate_qa"])
    assert manifest["stages"]["generate_qa"]["resumed"] == finished
    assert (workdir / "qa.jsonl").read_bytes() == (ref_dir / "qa.jsonl").read_bytes()


def test_changed_settings_of_a_finished_stage_are_refused(reference):
    tmp, ref_dir, model, _ = reference
    workdir = tmp / "changed"
    copy_early_stages(ref_dir, workdir)
    with pytest.raises(ValueError, match="stage cluster: settings changed"):
        run(tmp, workdir, model, stages=["cluster"], cluster={"min_similarity": 0.9})
