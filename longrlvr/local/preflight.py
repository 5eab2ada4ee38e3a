"""Checks that keep a local run on your own data from doing nothing: do the rows fit the model (before the warm
start), and did training update it (at the end).

:func:`check_context_fit` tokenizes every prompt with the policy's chat template (plus, when the warm start runs,
its target response) and refuses in one line naming ``model.path`` a run whose longest sequence exceeds the
model's positions. :func:`check_updates` turns a run that made no optimizer update (e.g. dynamic sampling kept
no group in any step) into a one-line failure (exit 1).
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from longrlvr.errors import TaskFailed, UserError

POSITION_ATTRS = ("max_position_embeddings", "n_positions", "max_sequence_length", "seq_length")
Row = Mapping[str, Any]


class ContextTooLong(UserError):
    """The rows do not fit the model's context (one line, exit 2, before the warm start)."""


class NoUpdates(TaskFailed):
    """GRPO steps ran but none updated the model (one line, exit 1)."""


@dataclass(frozen=True)
class Longest:
    """The longest sequence a run feeds the model: ``where`` (file and row), its prompt and response tokens."""

    where: str
    prompt: int
    response: int
    response_name: str

    @property
    def tokens(self) -> int:
        return self.prompt + self.response


def model_positions(model_config: Any) -> int | None:
    """The model's maximum positions from its config (None when it states none)."""
    for attr in POSITION_ATTRS:
        value = getattr(model_config, attr, None)
        if isinstance(value, int) and value > 0:
            return value
    return None


def token_counts(tokenizer: Any, rows: Sequence[Row], targets: Sequence[str] | None = None) -> list[int]:
    """Chat-templated prompt tokens of each row (+ its target's tokens and eos when ``targets`` are given)."""
    texts = [tokenizer.apply_chat_template(list(r["prompt"]), tokenize=False, add_generation_prompt=True) for r in rows]
    counts = [len(ids) for ids in tokenizer(texts, add_special_tokens=False)["input_ids"]]
    if targets is not None:
        ends = [t + tokenizer.eos_token for t in targets]
        counts = [
            c + len(ids) for c, ids in zip(counts, tokenizer(ends, add_special_tokens=False)["input_ids"], strict=True)
        ]
    return counts


def longest(
    tokenizer: Any,
    named_rows: Mapping[str, Sequence[Row]],
    max_new_tokens: int,
    sft_rows: Sequence[Row] = (),
    sft_target: Callable[[Any], str] | None = None,
) -> Longest:
    """The longest sequence: a prompt + ``rollout.max_new_tokens`` of any named row set, or a warm-start row."""
    best = Longest("", 0, 0, "")
    for name, rows in named_rows.items():
        counts = token_counts(tokenizer, rows)
        if counts and max(counts) + max_new_tokens > best.tokens:
            i = counts.index(max(counts))
            best = Longest(f"{name} row {i}", counts[i], max_new_tokens, "rollout.max_new_tokens")
    if sft_rows and sft_target is not None:
        prompts = token_counts(tokenizer, sft_rows)
        totals = token_counts(tokenizer, sft_rows, [sft_target(r) for r in sft_rows])
        i = totals.index(max(totals))
        if totals[i] > best.tokens:
            best = Longest(f"warm-start row {i}", prompts[i], totals[i] - prompts[i], "the warm-start response")
    return best


def check_context_fit(model_config: Any, found: Longest, model_path: str | None) -> None:
    """Refuse (one line naming ``model.path`` and the lengths) a run whose longest sequence exceeds the model."""
    limit = model_positions(model_config)
    if limit is None or found.tokens <= limit:
        return
    model = f"model.path={model_path}" if model_path else "model.path=null (the built-in tiny model)"
    raise ContextTooLong(
        f"{found.where}: prompt of {found.prompt} tokens + {found.response_name} {found.response} = {found.tokens} "
        f"tokens > the {limit} positions of {model}; set model.path to a model with a longer context, or use "
        "shorter rows (fewer or smaller chunks)"
    )


def check_updates(updates: int, steps_run: int, signal_groups: int, sampled_groups: int) -> None:
    """Fail a run that ran GRPO steps but never changed the model, saying why."""
    if not steps_run or updates:
        return
    raise NoUpdates(
        f"{steps_run} GRPO step(s) made no optimizer update: only {signal_groups} of {sampled_groups} sampled "
        "groups had samples with differing rewards (the policy is all-right or all-wrong on these rows; see "
        "train/kept_fraction and train/reward in metrics.jsonl); try a warm start (sft.steps), more samples "
        "(rollout.n), a higher rollout.temperature, or easier rows"
    )
