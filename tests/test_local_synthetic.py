"""The synthetic grounded QA task: valid rows, exact references, deterministic."""

from longrlvr.data import read_parquet, validate_rows
from longrlvr.grammar import prompt_chunks
from longrlvr.local.synthetic import generate_rows, reference_response, write_synthetic
from longrlvr.rewards import compute_score


def test_rows_valid_and_reference_response_scores_full():
    rows = generate_rows(60, num_chunks=5, multi_hop_fraction=0.5, seed=3)
    assert validate_rows(rows) == []
    hops = {r["extra_info"]["hops"] for r in rows}
    assert hops == {1, 2}
    for row in rows:
        info = row["extra_info"]
        assert info["num_chunks"] == 5 and len(info["ref_chunks"]) == info["hops"]
        chunks = prompt_chunks(row["prompt"][0]["content"])
        answer = row["reward_model"]["ground_truth"]
        assert f"is {answer}." in chunks[info["ref_chunks"][-1]] or f"is {answer}." in chunks[info["ref_chunks"][0]]
        full = compute_score(row["data_source"], reference_response(row), answer, info)
        assert full["score"] == 2.0 and full["fbeta"] == 1.0


def test_generator_is_deterministic_and_splits_differ(tmp_path):
    assert generate_rows(10, seed=1) == generate_rows(10, seed=1)
    train, val = write_synthetic(tmp_path, 10, 5, seed=1)
    assert read_parquet(train) == generate_rows(10, seed=1, split="train")
    assert read_parquet(val) != read_parquet(train)[:5]
