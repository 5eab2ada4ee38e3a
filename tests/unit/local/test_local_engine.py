"""Engine runs: SFT lowers loss, resume continues exactly, and a short end-to-end run writes everything."""

import json

import pytest

from longrlvr.local.sft import warm_start
from longrlvr.local.summary import summary
from longrlvr.local.synthetic import corpus, generate_rows, reference_response
from longrlvr.local.tiny import build_tiny_model, build_tiny_tokenizer
from longrlvr.local.trainer import train
from tests.helpers.local import small_config

DETERMINISTIC = ("train/", "actor/", "val/")


def test_sft_lowers_loss():
    rows = generate_rows(32, num_chunks=3, seed=0)
    tok = build_tiny_tokenizer(corpus(), max_chunks=8)
    model = build_tiny_model(tok, hidden_size=32, num_layers=1, intermediate_size=64)
    losses = warm_start(model, tok, rows, reference_response, steps=25, batch_size=8, lr=3e-3, progress=False)
    assert sum(losses[-3:]) / 3 < 0.7 * sum(losses[:3]) / 3


def _comparable(metrics):
    return [{k: v for k, v in m.items() if k.startswith(DETERMINISTIC)} for m in metrics]


def test_resume_continues_exactly(tmp_path):
    full = train(small_config(tmp_path / "full"))
    train(small_config(tmp_path / "split", "trainer.steps=2"))
    resumed = train(small_config(tmp_path / "split", "trainer.resume=true"))
    assert [m["step"] for m in resumed.metrics] == [3, 4]
    assert _comparable(resumed.metrics) == _comparable(full.metrics[2:])
    lines = [json.loads(x) for x in (tmp_path / "split" / "metrics.jsonl").read_text().splitlines()]
    assert [x["step"] for x in lines] == [0, 1, 2, 3, 4]


@pytest.mark.slow
def test_end_to_end_run_writes_checkpoint_metrics_plot(tmp_path):
    result = train(small_config(tmp_path, "algorithm.dynamic_sampling=true", "actor.kl.enable=true"))
    ckpt = result.checkpoint
    assert ckpt.name == "global_step_4" and (ckpt / "model.safetensors").exists() and (ckpt / "tokenizer.json").exists()
    assert result.plot.exists() and result.plot.stat().st_size > 1000
    assert set(result.val_start) >= {"val/answer_acc", "val/fbeta", "val/reward", "val/format_ok"}
    assert len(result.metrics) == 4 and all("train/kept_fraction" in m for m in result.metrics)
    text = summary(result)
    assert "answer acc" in text and str(result.plot) in text


def test_dynamic_sampling_refills_the_batch_from_new_prompts(monkeypatch):
    """Groups without signal are dropped and replaced by groups of new prompts: the batch keeps its size."""
    from longrlvr.grammar import format_response
    from longrlvr.local import trainer
    from longrlvr.local.config import load_config
    from tests.helpers.local import rollout_from_texts

    rows = generate_rows(6, num_chunks=3, seed=0)
    tok = build_tiny_tokenizer(corpus(), max_chunks=8)

    def texts(row, right):  # n=2 samples of one prompt, the first right or wrong
        gold = row["reward_model"]["ground_truth"]
        return [format_response([0], gold if right else str((int(gold) + 1) % 10)), format_response([0], "x")]

    def fake_rollout(batch, signal):  # signal[i]: does prompt i's group mix right and wrong answers
        return rollout_from_texts(
            tok, batch, [t for r, s in zip(batch, signal, strict=True) for t in texts(r, s)], [0, 0, 1, 1]
        )

    refills = []

    def fake_sample(model, tokenizer, batch, cfg, reward_kwargs):
        refills.append(batch)
        return fake_rollout(batch, [True, False])  # each refill batch adds one group with signal

    monkeypatch.setattr(trainer, "sample", fake_sample)
    cfg = load_config(["actor.batch_size=2", "rollout.n=2", "algorithm.dynamic_sampling=true"])
    first = fake_rollout(rows[:2], [False, False])  # no group with signal
    merged, stats, kept = trainer.dynamic_sampling(first, lambda k: rows[2 * k : 2 * k + 2], None, tok, cfg, {})
    assert len(refills) == 2 and refills[0] == rows[2:4] and refills[1] == rows[4:6]
    assert len(set(merged.group)) == 2 and len(merged.group) == 4  # batch size kept: 2 prompts x 2 samples
    assert stats == {"train/kept_fraction": 0.0, "train/gen_batches": 3.0, "train/batch_groups": 2.0}
    assert kept == 2  # groups with a learning signal found, counted towards the optimizer-update check
    assert set(merged.metric("answer_acc").tolist()) == {0.0, 1.0}
