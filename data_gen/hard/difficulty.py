"""Difficulty filter: sample k answers per question, keep questions the model sometimes but not always solves.

The samples come from a chat backend (``longrlvr.llm.backends.make_backend``: an OpenAI-compatible endpoint,
HF transformers or vLLM in this process), ``k`` replies per prompt. Responses are scored with the project's
reward (``compute_score``; a sample counts as correct when its ``answer_acc`` reaches ``correct_threshold``).
A row is kept when its number of correct samples is within ``[min_correct, max_correct]`` (default: strictly
between 0 and k; LoongRL keeps 1..6 of 8). Pass statistics go into ``extra_info`` (``pass_rate``,
``num_correct``, ``num_samples``).
"""

from __future__ import annotations

import argparse
import asyncio
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from tqdm.auto import tqdm

from longrlvr.data import read_parquet, write_parquet
from longrlvr.errors import UserError, one_line
from longrlvr.llm import ChatBackend, Sampling
from longrlvr.llm.backends import BackendSection, check_section, make_backend
from longrlvr.llm.chat import gather_or_fail
from longrlvr.llm.engine_keys import adapt_section
from longrlvr.rewards import compute_score


@dataclass(frozen=True)
class DifficultyConfig:
    k: int = 8
    min_correct: int = 1
    max_correct: int | None = None  # default k - 1
    correct_threshold: float = 1.0
    batch_size: int = 16  # prompts sampled together
    max_tokens: int = 4096
    temperature: float = 1.0
    top_p: float = 1.0

    def __post_init__(self) -> None:
        self.bounds()
        self.sampling()

    def bounds(self) -> tuple[int, int]:
        hi = self.k - 1 if self.max_correct is None else self.max_correct
        if not 0 <= self.min_correct <= hi <= self.k:
            raise ValueError(f"need 0 <= min_correct <= max_correct <= k, got {self.min_correct}, {hi}, {self.k}")
        return self.min_correct, hi

    def sampling(self) -> Sampling:
        """``k`` samples of one prompt."""
        return Sampling(max_tokens=self.max_tokens, temperature=self.temperature, top_p=self.top_p, n=self.k)


def count_correct(row: dict[str, Any], responses: Sequence[str], threshold: float) -> int:
    """Responses whose answer the project's reward scores as correct."""
    gt, info = row["reward_model"]["ground_truth"], row["extra_info"]
    return sum(compute_score(row["data_source"], r, gt, info)["answer_acc"] >= threshold for r in responses)


async def annotate_pass_rates(
    rows: Sequence[dict[str, Any]], backend: ChatBackend, cfg: DifficultyConfig
) -> list[dict[str, Any]]:
    """Copies of ``rows`` with ``pass_rate``, ``num_correct`` and ``num_samples`` in ``extra_info``."""
    out, sampling = [], cfg.sampling()
    with tqdm(total=len(rows), desc="difficulty", unit="q") as bar:
        for start in range(0, len(rows), cfg.batch_size):
            batch = rows[start : start + cfg.batch_size]
            samples = await gather_or_fail(*(backend.generate(list(r["prompt"]), sampling) for r in batch))
            if len(samples) != len(batch) or any(len(s) != cfg.k for s in samples):
                raise ValueError(
                    f"backend returned {[len(s) for s in samples]} responses for {len(batch)} prompts x k={cfg.k}"
                )
            for row, responses in zip(batch, samples, strict=True):
                n = count_correct(row, responses, cfg.correct_threshold)
                info = {**row["extra_info"], "pass_rate": n / cfg.k, "num_correct": n, "num_samples": cfg.k}
                out.append({**row, "extra_info": info})
            bar.update(len(batch))
    return out


async def filter_by_difficulty(
    rows: Sequence[dict[str, Any]], backend: ChatBackend, cfg: DifficultyConfig
) -> tuple[list[dict[str, Any]], list[dict[str, Any]]]:
    """(kept rows, all annotated rows): kept are those with ``min_correct <= num_correct <= max_correct``."""
    lo, hi = cfg.bounds()
    annotated = await annotate_pass_rates(rows, backend, cfg)
    return [r for r in annotated if lo <= r["extra_info"]["num_correct"] <= hi], annotated


def llm_section(args: argparse.Namespace) -> BackendSection:
    """``--llm-config`` (a shipped ``llm`` name or a YAML path) + ``key=value`` overrides + ``--backend`` /
    ``--model``, through the one config loader with :class:`BackendSection` as schema, then checked."""
    from longrlvr.config_loader import load_settings

    flags = {"backend": args.backend, "model": args.model}
    section = load_settings(args.llm_config, args.overrides, group="llm", schema=BackendSection, flags=flags)
    adapt_section(section)  # engine keys of another backend: dropped, said in one line
    return check_section(section, where=args.llm_config or "llm section")


def run_cli(args: argparse.Namespace) -> None:
    try:
        cfg = DifficultyConfig(
            k=args.k,
            min_correct=args.min_correct,
            max_correct=args.max_correct,
            max_tokens=args.max_new_tokens,
            temperature=args.temperature,
        )
    except ValueError as exc:
        raise UserError(f"difficulty: {exc}") from exc
    section = llm_section(args)
    try:
        rows = read_parquet(args.input)
    except (OSError, ValueError) as exc:
        raise UserError(f"{args.input}: cannot read: {one_line(exc)}") from exc

    async def go() -> tuple[list[dict[str, Any]], list[dict[str, Any]]]:
        backend = make_backend(section)
        try:
            return await filter_by_difficulty(rows, backend, cfg)
        finally:
            await backend.aclose()

    kept, annotated = asyncio.run(go())
    write_parquet(kept, args.output)
    if args.annotated:
        write_parquet(annotated, args.annotated)
    print(f"kept {len(kept)} of {len(annotated)} questions ({cfg.bounds()} correct of {cfg.k})")
