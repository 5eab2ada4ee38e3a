"""scripts/toy_experiment.py: the summary table and an end-to-end miniature run on the real engine."""

import importlib.util
import json
from pathlib import Path

import pytest

_SPEC = importlib.util.spec_from_file_location(
    "toy_experiment", Path(__file__).resolve().parents[2] / "scripts" / "toy_experiment.py"
)
toy = importlib.util.module_from_spec(_SPEC)
_SPEC.loader.exec_module(toy)


def _rows(start: float, end: float, hit_step: int | None) -> list[dict]:
    rows = [{"step": 0, "val/answer_acc": start, "val/fbeta": start}, {"step": 1, "train/answer_acc": 0.5}]
    for step in (10, 20):
        value = 0.9 if hit_step is not None and step >= hit_step else end
        rows.append({"step": step, "val/answer_acc": value, "val/fbeta": value})
    return rows


def test_final_table_reports_mean_std_and_steps_to_target() -> None:
    table = toy.final_table(
        {
            "8": {
                "longrlvr": {0: _rows(0.1, 0.4, 10), 1: _rows(0.1, 0.6, 20)},
                "outcome_only": {0: _rows(0.1, 0.3, None), 1: _rows(0.1, 0.5, None)},
            }
        }
    )
    assert "| 8 | longrlvr | 0.100 ± 0.000 | 0.900 ± 0.000 | 0.100 ± 0.000 | 0.900 ± 0.000 | 15 ± 5 (2/2) |" in table
    assert "| 8 | outcome_only | 0.100 ± 0.000 | 0.400 ± 0.100 |" in table and "not reached (0/2)" in table
    assert toy.steps_to(_rows(0.1, 0.4, 20), "val/fbeta", 0.8) == 20


@pytest.mark.slow
def test_miniature_experiment_runs_both_rewards_end_to_end(tmp_path: Path, monkeypatch) -> None:
    png = tmp_path / "toy.png"
    monkeypatch.setattr(
        "sys.argv",
        [
            "toy",
            "--seeds",
            "0",
            "--chunks",
            "3",
            "--out",
            str(tmp_path),
            "--png",
            str(png),
            "sft.steps=2",
            "trainer.steps=2",
            "trainer.val_every=1",
            "sft.num_chunks=2",
            "data.synthetic.train_size=20",
            "data.val_size=4",
            "data.synthetic.val_size=4",
            "model.tiny.hidden_size=32",
            "model.tiny.intermediate_size=64",
        ],
    )
    toy.main()
    results = json.loads((tmp_path / "results.json").read_text())
    assert set(results) == {"3"} and set(results["3"]) == {"outcome_only", "longrlvr"}
    for mode in results["3"]:
        assert [r["step"] for r in results["3"][mode]["0"]] == [0, 1, 2]
    assert png.stat().st_size > 1000
