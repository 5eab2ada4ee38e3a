"""GRPO's std normalisation (verl's ``norm_adv_by_std_in_grpo``, on as the authors): each group's advantages are
divided by that group's std, and the local engine passes the configured flag through unchanged."""

from __future__ import annotations

import pytest
import torch

from longrlvr.grammar import format_response
from longrlvr.local import trainer
from longrlvr.local.config import load_config
from longrlvr.local.grpo import advantages_of
from longrlvr.local.synthetic import corpus, generate_rows
from longrlvr.local.tiny import build_tiny_tokenizer
from tests.helpers.local import rollout_from_texts

ROWS = generate_rows(2, num_chunks=3, seed=0)


def _rollout(scores: list[float]):
    """Two groups of two responses with the given scores (texts are placeholders; the scores are set)."""
    tok = build_tiny_tokenizer(corpus(), max_chunks=8)
    texts = [format_response([0], "1")] * 4
    rollout = rollout_from_texts(tok, ROWS, texts, [0, 0, 1, 1])
    for entry, score in zip(rollout.scores, scores, strict=True):
        entry["score"] = score
    return rollout


def _last_token_values(rollout, adv: torch.Tensor) -> list[float]:
    last = rollout.response_mask.sum(1).long() - 1
    return adv[torch.arange(len(last)), last].tolist()


def test_std_normalisation_scales_each_group_by_its_own_spread():
    rollout = _rollout([2.0, 0.0, 0.2, 0.0])
    normed = _last_token_values(rollout, advantages_of(rollout, norm_by_std=True))
    plain = _last_token_values(rollout, advantages_of(rollout, norm_by_std=False))
    assert normed == pytest.approx([0.7071, -0.7071, 0.7071, -0.7071], abs=1e-3)  # (x - mean) / std, std unbiased
    assert plain == pytest.approx([1.0, -1.0, 0.1, -0.1], abs=1e-6)  # x - mean only


@pytest.mark.parametrize("flag", [True, False])
def test_the_engine_passes_the_configured_flag(monkeypatch, flag):
    seen = []
    rollout = _rollout([2.0, 0.0, 0.2, 0.0])
    monkeypatch.setattr(trainer, "sample", lambda *a, **k: rollout)
    monkeypatch.setattr(trainer, "advantages_of", lambda r, norm: seen.append(norm) or advantages_of(r, norm))
    monkeypatch.setattr(trainer, "update", lambda *a, **k: {"actor/grad_norm": 1.0})
    cfg = load_config([f"algorithm.norm_adv_by_std_in_grpo={str(flag).lower()}", "algorithm.dynamic_sampling=false"])
    model = torch.nn.Linear(1, 1)
    trainer.grpo_step(model, None, None, None, ROWS, None, cfg, {}, None)
    assert seen == [flag]


def test_the_shipped_default_normalises_as_the_authors():
    assert load_config([]).algorithm.norm_adv_by_std_in_grpo is True
