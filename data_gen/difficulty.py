"""Difficulty filter: sample k answers per question, keep questions the model sometimes but not always solves.

A :class:`Sampler` turns prompts into k responses each. Implementations: :class:`HFSampler` (a local
transformers model), :class:`VLLMSampler` (vLLM, imported lazily; needs a GPU) and
:class:`EndpointSampler` (an OpenAI-compatible endpoint through ``longrlvr.llm.AsyncLLMClient``).
Responses are scored with the project's reward (``compute_score``; a sample counts as correct when its
``answer_acc`` reaches ``correct_threshold``). A row is kept when its number of correct samples is within
``[min_correct, max_correct]`` (default: strictly between 0 and k; LoongRL keeps 1..6 of 8). Pass
statistics go into ``extra_info`` (``pass_rate``, ``num_correct``, ``num_samples``).
"""

from __future__ import annotations

import argparse
import asyncio
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any, Protocol

from tqdm.auto import tqdm

from longrlvr.data import read_parquet, write_parquet
from longrlvr.rewards import compute_score


class Sampler(Protocol):
    async def sample(self, prompts: Sequence[list[dict[str, str]]], k: int) -> list[list[str]]:
        """``k`` responses for each chat prompt, in prompt order."""
        ...


@dataclass(frozen=True)
class DifficultyConfig:
    k: int = 8
    min_correct: int = 1
    max_correct: int | None = None  # default k - 1
    correct_threshold: float = 1.0
    batch_size: int = 16

    def bounds(self) -> tuple[int, int]:
        hi = self.k - 1 if self.max_correct is None else self.max_correct
        if not 0 <= self.min_correct <= hi <= self.k:
            raise ValueError(f"need 0 <= min_correct <= max_correct <= k, got {self.min_correct}, {hi}, {self.k}")
        return self.min_correct, hi


class HFSampler:
    """Sampling with a local transformers causal LM (chat template applied)."""

    def __init__(
        self, model: Any, tokenizer: Any, *, max_new_tokens: int = 512, temperature: float = 1.0, top_p: float = 1.0
    ):
        self.model, self.tokenizer = model, tokenizer
        self.gen = {"max_new_tokens": max_new_tokens, "temperature": temperature, "top_p": top_p, "do_sample": True}

    async def sample(self, prompts: Sequence[list[dict[str, str]]], k: int) -> list[list[str]]:
        out = []
        for messages in prompts:
            ids = self.tokenizer.apply_chat_template(
                messages, add_generation_prompt=True, return_tensors="pt", return_dict=True
            )
            ids = {name: t.to(self.model.device) for name, t in ids.items()}
            gen = self.model.generate(
                **ids, num_return_sequences=k, pad_token_id=self.tokenizer.pad_token_id, **self.gen
            )
            out.append(self.tokenizer.batch_decode(gen[:, ids["input_ids"].shape[1] :], skip_special_tokens=True))
        return out


class VLLMSampler:
    """Sampling with vLLM's offline engine (``n=k``). vLLM is imported on construction; it needs a GPU."""

    def __init__(
        self, model_path: str, *, max_tokens: int = 4096, temperature: float = 1.0, top_p: float = 1.0, **engine: Any
    ):
        from vllm import LLM, SamplingParams  # lazy: optional heavy dependency

        self.llm = LLM(model=model_path, **engine)
        self._params = lambda k: SamplingParams(n=k, max_tokens=max_tokens, temperature=temperature, top_p=top_p)

    async def sample(self, prompts: Sequence[list[dict[str, str]]], k: int) -> list[list[str]]:
        results = self.llm.chat(list(prompts), self._params(k), use_tqdm=False)
        return [[o.text for o in r.outputs] for r in results]


class EndpointSampler:
    """k independent chat completions per prompt from an OpenAI-compatible endpoint (``AsyncLLMClient``)."""

    def __init__(self, client: Any, **params: Any) -> None:
        self.client, self.params = client, params

    async def sample(self, prompts: Sequence[list[dict[str, str]]], k: int) -> list[list[str]]:
        async def one(messages: list[dict[str, str]]) -> list[str]:
            return list(await asyncio.gather(*(self.client.chat(messages, **self.params) for _ in range(k))))

        return list(await asyncio.gather(*(one(list(m)) for m in prompts)))


def count_correct(row: dict[str, Any], responses: Sequence[str], threshold: float) -> int:
    """Responses whose answer the project's reward scores as correct."""
    gt, info = row["reward_model"]["ground_truth"], row["extra_info"]
    return sum(compute_score(row["data_source"], r, gt, info)["answer_acc"] >= threshold for r in responses)


async def annotate_pass_rates(
    rows: Sequence[dict[str, Any]], sampler: Sampler, cfg: DifficultyConfig
) -> list[dict[str, Any]]:
    """Copies of ``rows`` with ``pass_rate``, ``num_correct`` and ``num_samples`` in ``extra_info``."""
    out = []
    with tqdm(total=len(rows), desc="difficulty", unit="q") as bar:
        for start in range(0, len(rows), cfg.batch_size):
            batch = rows[start : start + cfg.batch_size]
            samples = await sampler.sample([list(r["prompt"]) for r in batch], cfg.k)
            if len(samples) != len(batch) or any(len(s) != cfg.k for s in samples):
                raise ValueError(
                    f"sampler returned {[len(s) for s in samples]} responses for {len(batch)} prompts x k={cfg.k}"
                )
            for row, responses in zip(batch, samples, strict=True):
                n = count_correct(row, responses, cfg.correct_threshold)
                info = {**row["extra_info"], "pass_rate": n / cfg.k, "num_correct": n, "num_samples": cfg.k}
                out.append({**row, "extra_info": info})
            bar.update(len(batch))
    return out


async def filter_by_difficulty(
    rows: Sequence[dict[str, Any]], sampler: Sampler, cfg: DifficultyConfig
) -> tuple[list[dict[str, Any]], list[dict[str, Any]]]:
    """(kept rows, all annotated rows): kept are those with ``min_correct <= num_correct <= max_correct``."""
    lo, hi = cfg.bounds()
    annotated = await annotate_pass_rates(rows, sampler, cfg)
    return [r for r in annotated if lo <= r["extra_info"]["num_correct"] <= hi], annotated


def add_parser(sub: Any) -> None:
    """``difficulty``: annotate pass rates and keep the questions inside the bounds."""
    p = sub.add_parser("difficulty", help="keep questions a model solves sometimes but not always")
    p.add_argument("--input", required=True)
    p.add_argument("--out", "--output", dest="output", required=True, help="parquet of the kept rows")
    p.add_argument("--annotated", help="also write all rows with their pass rates here")
    p.add_argument("--sampler", choices=("hf", "vllm", "endpoint"), required=True)
    p.add_argument("--model", help="model path (hf, vllm)")
    p.add_argument("--llm-config", help="YAML for longrlvr.llm.LLMConfig (endpoint)")
    p.add_argument("--k", type=int, default=8)
    p.add_argument("--min-correct", type=int, default=1)
    p.add_argument("--max-correct", type=int, help="default k - 1")
    p.add_argument("--max-new-tokens", type=int, default=4096)
    p.set_defaults(func=run_cli)


def _make_sampler(args: argparse.Namespace) -> tuple[Sampler, Any]:
    """The sampler and a client to close (endpoint) or None."""
    if args.sampler == "endpoint":
        from omegaconf import OmegaConf

        from longrlvr.llm.client import AsyncLLMClient, LLMConfig

        client = AsyncLLMClient(
            LLMConfig.from_mapping(OmegaConf.to_container(OmegaConf.load(args.llm_config), resolve=True))
        )
        return EndpointSampler(client, max_tokens=args.max_new_tokens), client
    if not args.model:
        raise ValueError(f"--sampler {args.sampler} needs --model")
    if args.sampler == "vllm":
        return VLLMSampler(args.model, max_tokens=args.max_new_tokens), None
    from transformers import AutoModelForCausalLM, AutoTokenizer

    return HFSampler(
        AutoModelForCausalLM.from_pretrained(args.model),
        AutoTokenizer.from_pretrained(args.model),
        max_new_tokens=args.max_new_tokens,
    ), None


def run_cli(args: argparse.Namespace) -> None:
    cfg = DifficultyConfig(k=args.k, min_correct=args.min_correct, max_correct=args.max_correct)
    cfg.bounds()

    async def go() -> tuple[list[dict[str, Any]], list[dict[str, Any]]]:
        sampler, client = _make_sampler(args)
        try:
            return await filter_by_difficulty(read_parquet(args.input), sampler, cfg)
        finally:
            if client is not None:
                await client.aclose()

    kept, annotated = asyncio.run(go())
    write_parquet(kept, args.output)
    if args.annotated:
        write_parquet(annotated, args.annotated)
    print(f"kept {len(kept)} of {len(annotated)} questions ({cfg.bounds()} correct of {cfg.k})")


if __name__ == "__main__":
    from data_gen.hard_config import run_module_command

    run_module_command("difficulty", add_parser)
