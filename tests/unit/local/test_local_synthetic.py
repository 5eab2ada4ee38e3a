"""The synthetic associative-recall task: valid rows, exact references, single-token keys and answers."""

from longrlvr.data import read_parquet, validate_rows
from longrlvr.grammar import prompt_chunks
from longrlvr.local.synthetic import (
    KEYS,
    binding,
    corpus,
    generate_rows,
    key_closers,
    reference_response,
    write_synthetic,
)
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
        assert chunks[info["ref_chunks"][0]] == binding(key, answer) and len(answer) == 1
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


def test_mixed_sizes_draw_each_documents_chunk_count():
    rows = generate_rows(40, num_chunks=[2, 3, 4], seed=0, split="sft")
    assert {r["extra_info"]["num_chunks"] for r in rows} == {2, 3, 4}
    assert validate_rows(rows) == []


def test_reference_quote_is_a_chain_of_next_token_lookups():
    """The design invariant: each token of the reference's evidence quote is the token that follows the previous
    one in the document; the lookups that pick the answer and the chunk id start from a token that occurs once
    in the document (the key, and the key merged with the closing tag's prefix), so reading is a chain of
    "find my token, copy the next one" steps; the named chunk and the answer are then copies from the quote."""
    rows = generate_rows(30, num_chunks=8, seed=5)
    tok = build_tiny_tokenizer(corpus(), max_chunks=16, tag_pieces=True, extra_tokens=key_closers())
    for row in rows:
        prompt = tok(row["prompt"][0]["content"], add_special_tokens=False)["input_ids"]
        doc = prompt[: prompt.index(tok.convert_tokens_to_ids("Question"))]
        response = reference_response(row)
        key, value, closer, ref, _ = tok(
            response[len("<think>") : response.index("</think>")], add_special_tokens=False
        )["input_ids"]
        (at_key,) = [i for i, t in enumerate(doc) if t == key]
        (at_closer,) = [i for i, t in enumerate(doc) if t == closer]
        assert doc[at_key + 1 : at_key + 3] == [value, closer] and doc[at_closer + 1] == ref
        info = row["extra_info"]
        answer, (chunk,) = row["reward_model"]["ground_truth"], info["ref_chunks"]
        assert tok.convert_ids_to_tokens([value, ref]) == [answer, str(chunk)]
