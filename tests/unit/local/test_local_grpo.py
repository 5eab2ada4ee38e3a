"""GRPO update with verl's math: moves probability to the rewarded output; micro-batching is exact."""

import torch

from longrlvr.grammar import format_response
from longrlvr.local.config import load_config
from longrlvr.local.grpo import advantages_of, batch_logprobs, uniform_groups, update
from longrlvr.local.synthetic import corpus, generate_rows
from longrlvr.local.tiny import build_tiny_model, build_tiny_tokenizer
from tests.helpers.local import rollout_from_texts


def _setup(**overrides):
    torch.manual_seed(0)
    rows = generate_rows(1, num_chunks=3, seed=0)
    tok = build_tiny_tokenizer(corpus(), max_chunks=8)
    model = build_tiny_model(tok, hidden_size=32, num_layers=1, intermediate_size=64, seed=0)
    answer = rows[0]["reward_model"]["ground_truth"]
    good = format_response(rows[0]["extra_info"]["ref_chunks"], answer)
    bad = format_response([0], str((int(answer) + 1) % 10))
    texts = [good, bad] * 4
    rollout = rollout_from_texts(tok, rows, texts, [0] * 8)
    cfg = load_config([f"actor.{k}={v}" for k, v in overrides.items()] + ["rollout.n=8", "actor.batch_size=1"])
    return model, tok, rollout, cfg


def _optimizer(model, lr=1e-2):
    opt = torch.optim.AdamW(model.parameters(), lr=lr)
    return opt, torch.optim.lr_scheduler.LambdaLR(opt, lambda _: 1.0)


def test_grpo_step_moves_probability_to_rewarded_response():
    model, _, rollout, cfg = _setup(micro_batch_size=8)
    assert rollout.metric("score").tolist() == [2.0, 0.0] * 4
    adv = advantages_of(rollout)
    assert (adv[0][rollout.response_mask[0] > 0] > 0).all() and (adv[1][rollout.response_mask[1] > 0] < 0).all()
    before = (batch_logprobs(model, rollout, 1.0, 8) * rollout.response_mask).sum(1)
    opt, sched = _optimizer(model)
    for _ in range(3):
        metrics = update(model, opt, sched, rollout, adv, cfg, temperature=1.0)
    after = (batch_logprobs(model, rollout, 1.0, 8) * rollout.response_mask).sum(1)
    assert after[0] > before[0] + 0.1, (before, after)  # rewarded response more likely
    assert after[1] < before[1]  # unrewarded response less likely
    assert {"actor/pg_loss", "actor/entropy", "actor/grad_norm", "actor/pg_clipfrac"} <= metrics.keys()


def test_micro_batches_accumulate_to_the_full_batch_gradient():
    grads = []
    for micro in (8, 3):
        model, _, rollout, cfg = _setup(micro_batch_size=micro)
        opt, sched = _optimizer(model, lr=0.0)
        update(model, opt, sched, rollout, advantages_of(rollout), cfg, temperature=1.0)
        grads.append(torch.cat([p.grad.flatten() for p in model.parameters() if p.grad is not None]))
    assert torch.allclose(grads[0], grads[1], atol=1e-6, rtol=1e-4)


def test_uniform_groups_flag_groups_without_signal():
    _, _, rollout, _ = _setup()
    assert not uniform_groups(rollout, "answer_acc").any()
    same = rollout.select(torch.tensor([True, False] * 4))
    assert uniform_groups(same, "answer_acc").all()
