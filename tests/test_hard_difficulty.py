"""Difficulty filter on scripted samplers; the HF sampler on a tiny local model."""

from __future__ import annotations

import pytest

from data_gen.difficulty import DifficultyConfig, EndpointSampler, HFSampler, filter_by_difficulty
from longrlvr.data import make_row, validate_rows
from longrlvr.grammar import format_response


def _rows(n: int) -> list[dict]:
    return [
        make_row(
            chunks=[f"fact {i}", "noise"], question=f"Q{i}: what is it?", answer=f"ans{i}", ref_chunks=[0], index=i
        )
        for i in range(n)
    ]


class ScriptedSampler:
    """Row i gets ``correct[i]`` right answers out of k."""

    def __init__(self, correct: list[int]) -> None:
        self.correct = correct
        self.calls: list[int] = []

    async def sample(self, prompts, k):
        self.calls.append(len(prompts))
        out = []
        for messages in prompts:
            i = int(messages[0]["content"].split("Question: Q")[1].split(":")[0])
            good = format_response([0], f"ans{i}")
            out.append([good] * self.correct[i] + [format_response([0], "wrong")] * (k - self.correct[i]))
        return out


async def test_keeps_strictly_between_zero_and_one():
    correct = [0, 1, 4, 7, 8, 3]
    sampler = ScriptedSampler(correct)
    kept, annotated = await filter_by_difficulty(_rows(6), sampler, DifficultyConfig(k=8, batch_size=4))
    assert [r["extra_info"]["index"] for r in kept] == [1, 2, 3, 5]
    assert [r["extra_info"]["pass_rate"] for r in annotated] == [c / 8 for c in correct]
    assert all(r["extra_info"]["num_samples"] == 8 for r in annotated)
    assert sampler.calls == [4, 2]  # batched
    assert validate_rows(kept) == []


async def test_loongrl_bounds_one_to_six_of_eight():
    kept, _ = await filter_by_difficulty(
        _rows(6), ScriptedSampler([0, 1, 4, 7, 8, 6]), DifficultyConfig(k=8, max_correct=6)
    )
    assert [r["extra_info"]["index"] for r in kept] == [1, 2, 5]


async def test_bad_bounds_and_short_samplers_are_errors():
    with pytest.raises(ValueError, match="min_correct"):
        await filter_by_difficulty(_rows(1), ScriptedSampler([1]), DifficultyConfig(k=4, min_correct=3, max_correct=2))

    class Short:
        async def sample(self, prompts, k):
            return [["x"]] * len(prompts)

    with pytest.raises(ValueError, match="k=4"):
        await filter_by_difficulty(_rows(2), Short(), DifficultyConfig(k=4))


async def test_endpoint_sampler_asks_k_times_per_prompt():
    class Client:  # the AsyncLLMClient.chat surface
        def __init__(self):
            self.seen = []

        async def chat(self, messages, **params):
            self.seen.append((messages[0]["content"][:5], params))
            return format_response([0], "ans0")

    client = Client()
    kept, annotated = await filter_by_difficulty(
        _rows(2), EndpointSampler(client, temperature=1.0), DifficultyConfig(k=3)
    )
    assert len(client.seen) == 6 and client.seen[0][1] == {"temperature": 1.0}
    assert [r["extra_info"]["num_correct"] for r in annotated] == [3, 0] and kept == []


async def test_hf_sampler_on_tiny_model():
    from longrlvr.local.tiny import build_tiny_model, build_tiny_tokenizer

    tok = build_tiny_tokenizer(vocab_size=300)
    model = build_tiny_model(tok, hidden_size=32, num_layers=1)
    sampler = HFSampler(model, tok, max_new_tokens=4)
    samples = await sampler.sample([[{"role": "user", "content": "question 0?"}]], 3)
    assert len(samples) == 1 and len(samples[0]) == 3 and all(isinstance(s, str) for s in samples[0])
