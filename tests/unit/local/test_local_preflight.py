"""Preflight checks in isolation: the longest sequence (prompt + response, or a warm-start row) against the model's
positions, and the zero-update failure."""

from __future__ import annotations

from types import SimpleNamespace

import pytest

from longrlvr.errors import TaskFailed, UserError
from longrlvr.local.preflight import ContextTooLong, NoUpdates, check_context_fit, check_updates, longest


class WordTokenizer:
    """One token per word; the chat template is the last message."""

    eos_token = "EOS"

    def apply_chat_template(self, messages, tokenize=False, add_generation_prompt=True):
        return messages[-1]["content"]

    def __call__(self, texts, add_special_tokens=False):
        return {"input_ids": [t.split() for t in texts]}


def _rows(*lengths):
    return [{"prompt": [{"role": "user", "content": "w " * n}]} for n in lengths]


def test_the_longest_prompt_plus_the_response_is_found_and_fits():
    found = longest(WordTokenizer(), {"train.parquet": _rows(10, 40), "val.parquet": _rows(20)}, 24)
    assert (found.where, found.prompt, found.tokens) == ("train.parquet row 1", 40, 64)
    check_context_fit(SimpleNamespace(max_position_embeddings=64), found, "m")  # exactly fits


def test_too_long_names_model_path_and_the_lengths():
    found = longest(WordTokenizer(), {"mine.parquet": _rows(10, 7655)}, 24)
    with pytest.raises(ContextTooLong) as err:
        check_context_fit(SimpleNamespace(max_position_embeddings=4096), found, None)
    assert isinstance(err.value, UserError)
    assert str(err.value).startswith(
        "mine.parquet row 1: prompt of 7655 tokens + rollout.max_new_tokens 24 = 7679 tokens > the 4096 positions "
        "of model.path=null (the built-in tiny model)"
    )


def test_a_long_warm_start_response_counts_too():
    found = longest(WordTokenizer(), {"t": _rows(10)}, 4, _rows(10, 12), lambda row: "a b c d e f g h ")
    assert (found.where, found.prompt, found.response, found.response_name) == (
        "warm-start row 1",
        12,
        9,  # 8 words + eos
        "the warm-start response",
    )
    with pytest.raises(
        ContextTooLong, match="the warm-start response 9 = 21 tokens > the 20 positions of model.path=/m"
    ):
        check_context_fit(SimpleNamespace(n_positions=20), found, "/m")


def test_a_model_without_stated_positions_is_not_refused():
    check_context_fit(SimpleNamespace(), longest(WordTokenizer(), {"t": _rows(10**4)}, 24), "m")


def test_zero_updates_fail_with_the_reason_and_a_run_with_none_to_do_passes():
    with pytest.raises(NoUpdates, match="20 GRPO step.* no optimizer update: only 0 of 320 sampled groups") as err:
        check_updates(updates=0, steps_run=20, signal_groups=0, sampled_groups=320)
    assert isinstance(err.value, TaskFailed)  # exit 1
    check_updates(updates=3, steps_run=20, signal_groups=5, sampled_groups=320)
    check_updates(updates=0, steps_run=0, signal_groups=0, sampled_groups=0)  # a resume with no step left
