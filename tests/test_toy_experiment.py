"""scripts/toy_experiment.py: the summary table and an end-to-end miniature run on the real engine."""

import importlib.util
import json
from pathlib import Path

import pytest

_SPEC = importlib.util.spec_from_file_location(
    "toy_experiment", Path(__file__).resolve().parents[1] / "scripts" / "toy_experiment.py"
)
toy = importlib.util.module_from_spec(_SPEC)
_SPEC.loader.exec_module(toy)


def _rows(start: float, end: float) -> list[dict]:
    return [{"step": 0, "val/answer_acc": start, "val/fbeta": start},
            {"step": 1, "train/answer_acc": 0.5, "train/fbeta": 0.5},
            {"step": 2, "val/answer_acc": end, "val/fbeta": end}]  # fmt: skip


def test_final_table_reports_mean_and_std_over_seeds() -> None:
    table = toy.final_table({"longrlvr": {0: _rows(0.1, 0.4), 1: _rows(0.1, 0.6)}})
    assert "| longrlvr | 0.100 ± 0.000 | 0.500 ± 0.100 | 0.100 ± 0.000 | 0.500 ± 0.100 | 2 |" in table


@pytest.mark.slow
def test_miniature_experiment_runs_both_rewards_end_to_end(tmp_path: Path, monkeypatch) -> None:
    png = tmp_path / "toy.png"
    monkeypatch.setattr("sys.argv", ["toy", "--seeds", "0", "--out", str(tmp_path), "--png", str(png),
                                     "sft.steps=2", "trainer.steps=2", "trainer.val_every=1",
                                     "data.synthetic.train_size=20", "data.val_size=4", "data.synthetic.val_size=4"])  # fmt: skip
    toy.main()
    results = json.loads((tmp_path / "results.json").read_text())
    assert set(results) == {"outcome_only", "longrlvr"}
    for mode in results:
        assert [r["step"] for r in results[mode]["0"]] == [0, 1, 2]
    assert png.stat().st_size > 1000
