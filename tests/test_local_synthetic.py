"""The synthetic associative-recall task: valid rows, exact references, single-token keys and answers."""

from longrlvr.data import read_parquet, validate_rows
from longrlvr.grammar import prompt_chunks
from longrlvr.local.synthetic import KEYS, corpus, generate_rows, reference_response, write_synthetic
from longrlvr.local.tiny import build_tiny_tokenizer
from longrlvr.rewards import compute_score


def test_rows_valid_and_reference_response_scores_full():
    rows = generate_rows(60, num_chunks=12, seed=3)
    assert validate_rows(rows) == []
    for row in rows:
        info = row["extra_info"]
        chunks = prompt_chunks(row["prompt"][0]["content"])
        answer = row["reward_model"]["ground_truth"]
        key = info["question"].split()[-1].rstrip("?")
        assert info["num_chunks"] == 12 and len(info["ref_chunks"]) == 1
        assert [i for i, text in chunks.items() if text.split()[-1] == key] == info["ref_chunks"]  # keys are unique
        assert chunks[info["ref_chunks"][0]] == f"{answer} {key}" and len(answer) == 1
        full = compute_score(row["data_source"], reference_response(row), answer, info, answer_scorer="em")
        assert full["score"] == 2.0 and full["fbeta"] == 1.0


def test_keys_and_answers_are_single_tokens():
    tok = build_tiny_tokenizer(corpus(), max_chunks=8)
    assert all(len(tok(f" {k}", add_special_tokens=False)["input_ids"]) == 1 for k in KEYS)
    assert all(len(tok(str(d), add_special_tokens=False)["input_ids"]) == 1 for d in range(10))


def test_generator_is_deterministic_and_splits_differ(tmp_path):
    assert generate_rows(10, seed=1) == generate_rows(10, seed=1)
    train, val = write_synthetic(tmp_path, 10, 5, seed=1)
    assert read_parquet(train) == generate_rows(10, seed=1, split="train")
    assert read_parquet(val) != read_parquet(train)[:5]
