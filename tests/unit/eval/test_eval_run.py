"""End to end: ``eval run`` with the HF backend on a tiny model from a config, resume, score and report."""

from __future__ import annotations

import json

import pytest

from longrlvr import jsonl
from longrlvr.cli import main
from tests.helpers.eval import save_tiny_model, write_longbench_v2, write_squad

CONFIG = "configs/eval/tiny.yaml"


@pytest.fixture(scope="module")
def tiny_model(tmp_path_factory):
    return save_tiny_model(tmp_path_factory.mktemp("tiny_model"))


def _run(tmp_path, model, *extra):
    squad = write_squad(tmp_path / "squad.json")
    argv = ["eval", "run", "--config", CONFIG, "--model", str(model), "--out", str(tmp_path / "run")]
    return main([*argv, f"data.qa_1={squad}", *extra])


def test_hf_run_resume_score_report(tmp_path, tiny_model, capsys):
    assert _run(tmp_path, tiny_model) == 0
    stats = json.loads(capsys.readouterr().out.strip().splitlines()[-1])
    assert stats == {"run_dir": str(tmp_path / "run"), "total": 4, "skipped": 0, "generated": 4, "failed": 0}
    for length in (256, 384):
        records = jsonl.read(tmp_path / "run" / "ruler" / str(length) / "qa_1.jsonl")
        assert [r["index"] for r in records] == [0, 1] and all(r["length"] == length for r in records)
        assert all(isinstance(r["pred"], str) and r["outputs"] and r["ref_chunks"] for r in records)
    settings = json.loads((tmp_path / "run" / "ruler" / "settings.json").read_text())
    assert settings["backend"] == "hf" and settings["generation"]["max_new_tokens"] == 8
    assert settings["prompt"] == {"format": "longrlvr", "think_opened": False}

    assert _run(tmp_path, tiny_model) == 0  # rerun: nothing left to do, files unchanged
    assert json.loads(capsys.readouterr().out.strip().splitlines()[-1])["skipped"] == 4
    assert len(jsonl.read(tmp_path / "run" / "ruler" / "256" / "qa_1.jsonl")) == 2

    assert _run(tmp_path, tiny_model, "--max-new-tokens", "9") == 2  # another run's settings: one line
    assert "settings differ from this run (generation)" in capsys.readouterr().err

    out = tmp_path / "scores"
    assert (
        main(["eval", "score", "--benchmark", "ruler", "--input", str(tmp_path / "run/ruler/256"), "--out", str(out)])
        == 0
    )
    tasks = json.loads(capsys.readouterr().out)["lengths"]["256"]
    assert tasks["qa_1"]["n"] == 2 and 0 <= tasks["qa_1"]["variants"]["official"]["score"] <= 100
    assert tasks["qa_1"]["grounding"]["n"] == 2  # our RULER items carry their reference chunks
    assert (out / "summary.csv").read_text().startswith("Tasks,qa_1")

    assert main(["eval", "report", str(tmp_path / "run"), str(tmp_path / "run"), "--out", str(tmp_path / "rep")]) == 0
    text = capsys.readouterr().out
    assert "| ruler/qa_1 | 256 |" in text and "| ruler/qa_1 | 384 |" in text
    assert (tmp_path / "rep" / "ruler_qa_1.png").stat().st_size > 1000


def test_hf_run_longbench_v2(tmp_path, tiny_model, capsys):
    path = write_longbench_v2(tmp_path / "lb.json")
    argv = ["eval", "run", "--benchmark", "longbench_v2", "--model", str(tiny_model), "--out", str(tmp_path / "run")]
    flags = ["--set", f"data.path={path}", "--set", "data.chunk_tokens=32", "--max-new-tokens", "4"]
    assert main([*argv, *flags, "--prompt-format", "release"]) == 0
    settings = json.loads((tmp_path / "run" / "longbench_v2" / "settings.json").read_text())
    assert settings["prompt"] == {"format": "release", "think_opened": False}
    records = jsonl.read(tmp_path / "run" / "longbench_v2" / "longbench_v2.jsonl")
    assert [r["_id"] for r in records] == ["lb0", "lb1", "lb2"] and all("response" in r for r in records)
    capsys.readouterr()
    assert (
        main(
            [
                "eval",
                "score",
                "--benchmark",
                "longbench_v2",
                "--input",
                str(tmp_path / "run/longbench_v2/longbench_v2.jsonl"),
            ]
        )
        == 0
    )
    result = json.loads(capsys.readouterr().out)
    assert result["n"] == 3 and set(result["variants"]["official"]["by"]["difficulty"]) == {"easy", "hard"}


def test_missing_config_value_is_a_clear_error(tmp_path, capsys):
    assert main(["eval", "run", "--config", CONFIG, "--model", "m", "--out", str(tmp_path)]) == 2
    missing = "data.qa_1 is missing (set it in the file or with data.qa_1=...)"
    assert capsys.readouterr().err == f"longrlvr eval: error: {CONFIG}: {missing}\n"
