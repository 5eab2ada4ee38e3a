"""Every pipeline stage declares its handler's builder in the one stage table; an unset LLM endpoint fails first."""

from __future__ import annotations

import asyncio
import dataclasses

import longrlvr.data_gen.grounded.pipeline as pipeline
import pytest
from longrlvr.data_gen.config import load_config
from longrlvr.data_gen.grounded.select_qa import SelectQA

from longrlvr.errors import UserError


def test_the_table_is_the_stage_list_and_builds_each_handler(tmp_path):
    assert tuple(pipeline.STAGE_TABLE) == pipeline.STAGE_NAMES[:-1]
    assert all(callable(spec.build) for spec in pipeline.STAGES)
    res = pipeline.Resources(load_config(None, [f"input={tmp_path}/d.jsonl", f"workdir={tmp_path}"]))
    assert isinstance(pipeline.build_handler("select", res), SelectQA)
    with pytest.raises(UserError, match="unknown stage 'sellect'"):
        pipeline.build_handler("sellect", res)


def test_build_handler_reads_the_builder_from_the_table(monkeypatch, tmp_path):
    marker = object()
    spec = dataclasses.replace(pipeline.STAGE_TABLE["cluster"], build=lambda res: marker)
    monkeypatch.setitem(pipeline.STAGE_TABLE, "cluster", spec)
    res = pipeline.Resources(load_config(None, [f"input={tmp_path}/d.jsonl", f"workdir={tmp_path}"]))
    assert pipeline.build_handler("cluster", res) is marker


def test_an_unset_llm_endpoint_fails_before_any_stage_runs(tmp_path, monkeypatch):
    monkeypatch.delenv("LONGRLVR_LLM_BASE_URLS", raising=False)
    config = load_config("toy", [f"input={tmp_path}/missing.jsonl", f"workdir={tmp_path}/w"])
    with pytest.raises(UserError, match="LONGRLVR_LLM_BASE_URLS|base_urls"):
        asyncio.run(pipeline.run_pipeline(config, progress=False))
    assert not (tmp_path / "w" / "chunks.jsonl").exists()
