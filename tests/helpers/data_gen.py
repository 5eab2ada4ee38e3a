"""Shared pieces of the data_gen tests: a pipeline config for the toy corpus and the scripted model."""

from __future__ import annotations

import asyncio
import json
import shutil
from pathlib import Path
from typing import Any

from longrlvr.data_gen.config import load_config
from longrlvr.data_gen.grounded.pipeline import run_pipeline

from longrlvr.testing.fake_llm_server import FakeLLMServer
from longrlvr.testing.toy_model import ScriptedPipelineModel

__all__ = ["ScriptedPipelineModel", "write_config"]


def write_config(path: Path, input_path: Path, workdir: Path, base_url: str, **sections: Any) -> Path:
    """A pipeline YAML for the toy corpus: small chunks, loose cluster limits, the fake server."""
    config: dict[str, Any] = {
        "input": str(input_path),
        "workdir": str(workdir),
        "seed": 7,
        "chunk": {"max_tokens": 64, "min_chunks": 8},
        "embed": {"model": None, "device": "cpu", "batch_size": 32},
        "cluster": {"min_clusters_per_doc": 3, "max_clusters_per_doc": 3},
        "llm": {
            "client": {
                "base_urls": [base_url],
                "model": "scripted",
                "max_retries": 2,
                "backoff_base_s": 0.0,
                "backoff_max_s": 0.0,
                "timeout_s": 10,
            },
            "concurrency": 8,
        },
        "select": {"min_quality": 7.0, "min_evidence": 2},
        "export": {"val_fraction": 0.25},
    }
    for key, value in sections.items():
        config[key] = {**config.get(key, {}), **value} if isinstance(value, dict) else value
    path.write_text(json.dumps(config), encoding="utf-8")  # JSON is YAML
    return path


EARLY_STAGE_FILES = ("chunks.jsonl", "embeddings.jsonl", "clusters.jsonl")


def run_against(tmp: Path, workdir: Path, handler: Any, stages=None, latency_s: float = 0.0, **sections: Any):
    """One pipeline run of ``workdir`` against a fresh loopback server answering with ``handler``."""
    with FakeLLMServer(handler, latency_s=latency_s) as server:
        config = load_config(
            write_config(tmp / f"{workdir.name}.yaml", tmp / "docs.jsonl", workdir, server.base_url, **sections)
        )
        return asyncio.run(run_pipeline(config, stages, progress=False))


def copy_early_stages(src: Path, dst: Path) -> Path:
    """A new work dir holding the finished chunk/embed/cluster stages of ``src`` (the LLM stages rerun)."""
    dst.mkdir(parents=True)
    for name in EARLY_STAGE_FILES:
        for suffix in ("", ".done", ".settings.json"):
            shutil.copy(src / f"{name}{suffix}", dst / f"{name}{suffix}")
    return dst


def data_main(argv: list[str]) -> int:
    """``longrlvr data ARGV`` in process (the one CLI): its exit code."""
    from longrlvr.cli import main

    return main(["data", *argv])
