"""Property tests: any text, both tokenizer families, any budget -> exact offsets, exact budget, separator priority."""

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from longrlvr.chunking import SEPARATORS, split_into_chunks
from tests.helpers.chunking import TOKENIZERS, assert_valid_chunks

_PIECES = [*SEPARATORS[:-1], "a", "bc", "river", "Evidence", "42", "长", "上下文", "é", "🙂", "\t", "  ", "---"]
# Budgets from 6: one character can need 5 tokens (a "▁" prefix plus 4 byte-fallback tokens).
_PROPERTY = settings(max_examples=120, deadline=None, suppress_health_check=[HealthCheck.too_slow])


@pytest.mark.parametrize("name", sorted(TOKENIZERS))
@_PROPERTY
@given(pieces=st.lists(st.sampled_from(_PIECES), max_size=120), max_tokens=st.integers(6, 40))
def test_separator_heavy_text(name, pieces, max_tokens):
    tokenizer = TOKENIZERS[name]()
    text = "".join(pieces)
    assert_valid_chunks(text, split_into_chunks(text, tokenizer, max_tokens), tokenizer, max_tokens)


@pytest.mark.parametrize("name", sorted(TOKENIZERS))
@_PROPERTY
@given(text=st.text(max_size=300), max_tokens=st.integers(6, 24))
def test_arbitrary_unicode_text(name, text, max_tokens):
    tokenizer = TOKENIZERS[name]()
    assert_valid_chunks(text, split_into_chunks(text, tokenizer, max_tokens), tokenizer, max_tokens)
