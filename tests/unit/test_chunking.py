"""Chunker: exact offsets, exact token budget, separator priority, Chinese, huge words, edge cases."""

import pytest
from tokenizers import Tokenizer

from longrlvr.chunking import Chunk, count_tokens, count_tokens_batch, split_into_chunks
from tests.helpers.chunking import (
    TOKENIZERS,
    assert_valid_chunks,
    byte_bpe_tokenizer,
    minilm_tokenizer,
    sample_document,
)


@pytest.fixture(params=sorted(TOKENIZERS))
def tokenizer(request):
    return TOKENIZERS[request.param]()


@pytest.mark.parametrize("max_tokens", [3, 8, 32, 128, 10_000])
def test_mixed_document_invariants(tokenizer, max_tokens):
    text = sample_document(seed=7, paragraphs=25)
    chunks = split_into_chunks(text, tokenizer, max_tokens)
    assert_valid_chunks(text, chunks, tokenizer, max_tokens)
    if max_tokens == 10_000:
        assert [chunk.text for chunk in chunks] == [text]


def test_paragraphs_that_fit_become_chunks(tokenizer):
    paragraphs = ["Alpha beta gamma. Delta epsilon, zeta eta.", "Theta iota kappa.\nLambda mu.", "Xi omicron pi rho."]
    text = "\n\n".join(paragraphs)
    budget = max(count_tokens(p + "\n\n", tokenizer) for p in paragraphs)
    assert budget < count_tokens(text, tokenizer)
    chunks = split_into_chunks(text, tokenizer, budget)
    assert [chunk.text for chunk in chunks] == [p + "\n\n" for p in paragraphs[:-1]] + [paragraphs[-1]]


def test_long_paragraph_splits_at_sentences_before_clauses(tokenizer):
    sentences = ["One two three, four five six seven.", "Eight nine ten, eleven twelve.", "Thirteen fourteen, fifteen."]
    text = " ".join(sentences)
    budget = max(count_tokens(s + " ", tokenizer) for s in sentences)
    chunks = split_into_chunks(text, tokenizer, budget)
    assert_valid_chunks(text, chunks, tokenizer, budget)
    assert all(chunk.text.endswith(". ") for chunk in chunks[:-1])
    assert len(chunks) == len(sentences)


def test_chinese_sentences_and_clauses(tokenizer):
    text = "长上下文模型阅读文本，指出证据，然后回答问题。强化学习奖励答案和证据！模型学会引用段落吗？可以。"
    for budget in (4, 10, 20):
        chunks = split_into_chunks(text, tokenizer, budget)
        assert_valid_chunks(text, chunks, tokenizer, budget)
        assert any(chunk.text.endswith(("。", "！", "？", "，")) for chunk in chunks[:-1]) or len(chunks) == 1
    sentence_chunks = split_into_chunks(text, tokenizer, 25)
    assert all(chunk.text.endswith(("。", "！", "？")) for chunk in sentence_chunks)


def test_word_longer_than_budget_is_cut_at_token_boundaries(tokenizer):
    word = "supercalifragilisticexpialidocious" * 2  # BERT maps words over 100 characters to one [UNK]
    text = f"Start here. {word} end."
    budget = max(6, count_tokens("Start here. ", tokenizer))
    chunks = split_into_chunks(text, tokenizer, budget)
    assert_valid_chunks(text, chunks, tokenizer, budget)
    assert chunks[0].text == "Start here. "
    assert len(chunks) >= 3 and all(word not in chunk.text for chunk in chunks)


def test_empty_and_whitespace_text(tokenizer):
    assert split_into_chunks("", tokenizer, 8) == []
    chunks = split_into_chunks(" \n\n  ", tokenizer, 8)
    assert chunks == [Chunk(" \n\n  ", 0, 5, count_tokens(" \n\n  ", tokenizer))]


def test_character_needing_more_tokens_than_budget_raises():
    with pytest.raises(ValueError, match="max_tokens|cannot fit"):
        split_into_chunks("abc 龘 def", byte_bpe_tokenizer(), 1)  # an unseen CJK character is 3 byte tokens


def test_rejects_slow_tokenizer_and_bad_budget():
    class SlowTokenizer:
        is_fast = False

    with pytest.raises(TypeError, match="fast"):
        split_into_chunks("text", SlowTokenizer(), 8)
    with pytest.raises(ValueError, match="max_tokens"):
        split_into_chunks("text", minilm_tokenizer(), 0)


def test_accepts_raw_rust_tokenizer():
    backend = Tokenizer.from_str(minilm_tokenizer().backend_tokenizer.to_str())
    text = sample_document(seed=3)
    chunks = split_into_chunks(text, backend, 16)
    assert_valid_chunks(text, chunks, minilm_tokenizer(), 16)


def test_counts_ignore_truncation_left_on_the_tokenizer():
    tokenizer = byte_bpe_tokenizer()
    text = sample_document(seed=5)
    tokenizer(text, truncation=True, max_length=4)  # leaves truncation enabled on the Rust backend
    expected = len(tokenizer(text, add_special_tokens=False)["input_ids"])
    tokenizer(text, truncation=True, max_length=4)
    assert count_tokens(text, tokenizer) == expected > 4
    assert count_tokens_batch([text, "", "hello"], tokenizer) == [expected, 0, count_tokens("hello", tokenizer)]
    chunks = split_into_chunks(text, tokenizer, 64)
    assert_valid_chunks(text, chunks, tokenizer, 64)


def test_chunking_leaves_the_callers_tokenizer_as_it_was():
    tokenizer = minilm_tokenizer()
    backend = tokenizer.backend_tokenizer
    backend.enable_truncation(max_length=7)
    backend.enable_padding(length=9)
    truncation, padding = backend.truncation, backend.padding
    raw = Tokenizer.from_str(backend.to_str())  # a bare Rust tokenizer, set the same way
    text = sample_document(seed=6)
    chunks = split_into_chunks(text, tokenizer, 32)
    assert count_tokens(text, tokenizer) > 9
    assert (backend.truncation, backend.padding) == (truncation, padding)
    encoding = backend.encode(text)  # still truncating to 7 and padding to 9 for the caller
    assert len(encoding.ids) == 9 and sum(encoding.attention_mask) == 7
    assert_valid_chunks(text, chunks, tokenizer, 32)  # (the HF wrapper's own calls reset its backend)
    assert split_into_chunks(text, raw, 32) == chunks
    assert (raw.truncation, raw.padding) == (truncation, padding)


def test_byte_level_cuts_inside_tokens_are_recounted():
    """Cutting after ". " splits a byte-level " Word" token; the recount keeps every chunk within budget."""
    tokenizer = byte_bpe_tokenizer()
    text = " ".join(["Models read every chunk. Evidence answers questions."] * 40)
    for budget in (5, 7, 11, 17):
        chunks = split_into_chunks(text, tokenizer, budget)
        assert_valid_chunks(text, chunks, tokenizer, budget)
        assert max(chunk.num_tokens for chunk in chunks) >= budget - 2  # chunks are still filled, not shredded
