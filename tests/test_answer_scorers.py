"""Rule answer scorers (SQuAD-style normalization)."""

import pytest

from longrlvr.rewards import exact_match, extract_choice, f1_match, normalize_answer, sub_em, token_f1


def test_normalization():
    assert normalize_answer("  The Eiffel-Tower!  ") == "eiffeltower"
    assert normalize_answer("An apple, a day") == "apple day"


def test_exact_match_over_several_golds():
    assert exact_match("the Paris", ["London", "paris"]) == 1.0
    assert exact_match("Paris, France", "paris") == 0.0


def test_sub_em_is_two_way_and_never_matches_empty():
    assert sub_em("Paris, France", "paris") == 1.0
    assert sub_em("Paris", "Paris, France") == 1.0
    assert sub_em("", "paris") == 0.0
    assert sub_em("the", "paris") == 0.0  # normalizes to empty


def test_token_f1():
    assert token_f1("new york city", "new york") == pytest.approx(0.8)
    assert f1_match("new york city", "new york", threshold=0.8) == 1.0
    assert f1_match("york", "new york city", threshold=0.8) == 0.0


@pytest.mark.parametrize(
    "text,letter",
    [("C", "C"), ("(c)", "C"), ("C. Paris", "C"), ("**B**", "B"), ("The answer is (D)", "D"), ("A dog", None), ("", None)],
)
def test_choice_extraction(text, letter):
    assert extract_choice(text) == letter
