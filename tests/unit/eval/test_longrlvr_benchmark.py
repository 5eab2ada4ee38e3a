"""``longrlvr`` benchmark: a held-out LongRLVR parquet, the row's own prompt, the one scorer, grounding report."""

from __future__ import annotations

import json

import pytest
import torch

from longrlvr.cli import main
from longrlvr.data import make_row, write_parquet
from longrlvr.eval import benchmarks
from longrlvr.eval.items import PromptSettings
from longrlvr.grammar import format_response
from longrlvr.local.checkpoint import save_checkpoint
from tests.helpers.eval import tiny_tokenizer


def _rows(n=3, num_chunks=10):
    return [
        make_row(
            chunks=[f"chunk {i} text" for i in range(num_chunks)],
            question=f"q{k}?",
            answer=str(k),
            ref_chunks=[k, num_chunks - 1],
            index=k,
        )
        for k in range(n)
    ]


def test_load_keeps_the_rows_own_prompt_and_scores_with_the_reward(tmp_path):
    rows = _rows()
    path = write_parquet(rows, tmp_path / "val.parquet")
    bench = benchmarks.get("longrlvr")
    items = bench.load({"path": str(path)}, tokenizer=None)
    assert [bench.messages(i, PromptSettings()) for i in items] == [r["prompt"] for r in rows]
    responses = [format_response([0, 9], "0"), format_response([1], "wrong"), "no tags at all"]
    records = [bench.record(i, t) for i, t in zip(items, responses, strict=True)]
    result = bench.score_records(records, path, None)
    assert result["variants"]["answer"]["score"] == 33.33
    assert result["format_rate"] == 66.67
    assert records[0]["fbeta"] == 1.0 and records[1]["recall"] == 0.5


def test_a_bad_row_is_one_line_naming_the_file(tmp_path):
    rows = _rows()
    rows[1]["extra_info"]["ref_chunks"] = [99]
    path = write_parquet(rows, tmp_path / "bad.parquet")
    with pytest.raises(ValueError, match=r"bad\.parquet: .*longrlvr data validate"):
        benchmarks.get("longrlvr").load({"path": str(path)}, tokenizer=None)


def test_release_prompt_format_is_refused_for_longrlvr(tmp_path, capsys):
    argv = ["eval", "run", "--config", "longrlvr", "--model", "m", "--out", str(tmp_path / "o")]
    assert main([*argv, "--prompt-format", "release", "data.path=x.parquet"]) == 2
    assert "prompt_format 'release' does not apply to longrlvr" in capsys.readouterr().err


@pytest.fixture(scope="module")
def local_checkpoint(tmp_path_factory):
    """A local-engine checkpoint as `longrlvr train --engine local` writes it (RUN/checkpoints/global_step_N)."""
    from longrlvr.local.tiny import build_tiny_model

    run = tmp_path_factory.mktemp("local_run")
    tok = tiny_tokenizer()
    model = build_tiny_model(tok, hidden_size=32, num_layers=1, intermediate_size=64)
    optimizer = torch.optim.AdamW(model.parameters())
    scheduler = torch.optim.lr_scheduler.LambdaLR(optimizer, lambda _: 1.0)
    return save_checkpoint(run, 2, model, tok, optimizer, scheduler)


def test_run_score_report_on_a_local_engine_checkpoint(tmp_path, local_checkpoint, capsys):
    data = write_parquet(_rows(4), tmp_path / "val.parquet")
    run = tmp_path / "run"
    argv = ["eval", "run", "--config", "longrlvr", "--model", str(local_checkpoint), "--out", str(run)]
    tiny = ["generation.max_new_tokens=8", "generation.batch_size=4", "engine.device=cpu", "engine.dtype=float32"]
    assert main([*argv, f"data.path={data}", *tiny]) == 0
    stats = json.loads(capsys.readouterr().out.strip().splitlines()[-1])
    assert stats["generated"] == 4 and stats["failed"] == 0
    records = [json.loads(line) for line in (run / "longrlvr" / "longrlvr.jsonl").read_text().splitlines()]
    assert {r["id"] for r in records} == {"0", "1", "2", "3"} and all(r["num_chunks"] == 10 for r in records)

    assert main(["eval", "score", "--benchmark", "longrlvr", "--input", str(run / "longrlvr" / "longrlvr.jsonl")]) == 0
    score = json.loads(capsys.readouterr().out)
    assert score["n"] == 4 and {"format_rate", "reward", "variants", "grounding"} <= set(score)
    assert {"precision", "recall", "fbeta", "by_depth", "by_doc_chunks", "by_num_refs", "confusion"} <= set(
        score["grounding"]
    )
    assert sum(map(sum, score["grounding"]["confusion"]["counts"])) == 8  # two reference chunks per row

    rep = tmp_path / "rep"
    assert main(["eval", "report", str(run), str(run), "--out", str(rep)]) == 0
    text = (rep / "report.md").read_text()
    assert "| longrlvr | all |" in text and "(format_rate)" in text and "(reward)" in text
    assert "## Grounding: longrlvr" in text and "### recall by evidence depth" in text
    for png in ("grounding_depth_longrlvr.png", "grounding_confusion_longrlvr.png"):
        assert (rep / png).stat().st_size > 5000 and f"]({png})" in text


def test_reward_settings_of_the_run_are_used_and_checked(tmp_path):
    from longrlvr import jsonl

    rows = _rows(1)
    path = write_parquet(rows, tmp_path / "val.parquet")
    bench = benchmarks.get("longrlvr")
    with pytest.raises(ValueError, match="bta"):
        bench.load({"path": str(path), "reward": {"bta": 1.0}}, tokenizer=None)
    (item,) = bench.load({"path": str(path), "reward": {"mode": "outcome_only"}}, tokenizer=None)
    records = [bench.record(item, format_response([0, 9], "0"))]
    pred = tmp_path / "run" / "longrlvr" / "longrlvr.jsonl"
    assert bench.score_records([dict(r) for r in records], pred, None)["reward"] == 2.0  # paper default reward
    jsonl.write_json(pred.parent / "settings.json", {"data": {"reward": {"mode": "outcome_only"}}})
    assert bench.score_records([dict(r) for r in records], pred, None)["reward"] == 1.0  # the run's own settings


@pytest.mark.parametrize(
    ("data", "message"),
    [
        ({"num_sample": 2}, "unknown key 'data.num_sample'"),
        ({"num_samples": 0}, "data.num_samples must be a count >= 1"),
        ({"num_samples": "2"}, "data.num_samples must be a count >= 1"),
    ],
)
def test_misspelled_or_out_of_range_data_settings(tmp_path, data, message):
    path = write_parquet(_rows(2), tmp_path / "val.parquet")
    with pytest.raises(ValueError, match=message):
        benchmarks.get("longrlvr").load({"path": str(path), **data}, tokenizer=None)


def test_duplicate_row_index_is_refused(tmp_path):
    rows = _rows(2)
    rows[1]["extra_info"]["index"] = 0
    path = write_parquet(rows, tmp_path / "dup.parquet")
    with pytest.raises(ValueError, match=r"dup\.parquet: rows 0 and 1 share extra_info.index 0"):
        benchmarks.get("longrlvr").load({"path": str(path)}, tokenizer=None)
