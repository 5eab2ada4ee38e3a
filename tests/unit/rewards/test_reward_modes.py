"""Reward modes are one registry (``rewards.combine.MODES``): combine reads it, a new entry is usable everywhere."""

import pytest

from longrlvr.rewards import compute_score
from longrlvr.rewards.combine import MODES, RewardConfig, combine

GOOD = "<useful_chunks><CHUNK_0></useful_chunks><answer>7</answer>"
HALF = "<useful_chunks><CHUNK_0>, <CHUNK_1></useful_chunks><answer>8</answer>"  # wrong answer, half the ids
INFO = {"ref_chunks": [0], "num_chunks": 4, "question": "What is the code?"}


@pytest.mark.parametrize(
    ("mode", "a", "f", "expected"),
    [
        ("longrlvr", 1.0, 0.5, 1.5),
        ("longrlvr", 0.0, 0.5, 0.05),
        ("outcome_only", 1.0, 0.5, 1.0),
        ("context_only", 0.0, 0.5, 0.5),
    ],
)
def test_each_shipped_mode(mode, a, f, expected):
    assert combine(a, f, RewardConfig(mode=mode)) == pytest.approx(expected)


def test_a_registered_mode_is_usable_by_name(monkeypatch):
    monkeypatch.setitem(MODES, "answer_times_context", lambda a, f, config: a * f)
    assert compute_score("longrlvr", GOOD, "7", INFO, mode="answer_times_context")["score"] == pytest.approx(1.0)
    assert compute_score("longrlvr", HALF, "7", INFO, mode="answer_times_context")["score"] == 0.0


def test_an_unknown_mode_names_the_closest_one():
    with pytest.raises(
        ValueError, match="reward mode 'outcome-only' is not known \\(did you mean 'outcome_only'\\?\\)"
    ):
        RewardConfig(mode="outcome-only")
