"""Needle-in-a-haystack items for stress evaluation (lengths x depth sweep).

A haystack of filler sentences is built up to ``length`` tokens, one needle sentence ("The special
magic number for <key> is <value>.") is inserted at the sentence boundary nearest ``depth`` (fraction of
the haystack's tokens), and the text is split into chunks with the project chunker. One JSON record per
(length, depth, repeat); the format is documented in docs/hard_data.md.
"""

from __future__ import annotations

import argparse
import random
import re
from bisect import bisect_left
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from itertools import accumulate
from pathlib import Path
from typing import Any

from tqdm.auto import tqdm

from longrlvr import jsonl
from longrlvr.chunking import count_tokens, count_tokens_batch, split_into_chunks
from longrlvr.data import make_row, write_parquet
from longrlvr.hf_io import load_tokenizer

DATA_SOURCE = "niah"
_WORDS = (
    "the a river city engine market garden winter library signal history careful quiet bright model reader "
    "season harbour mountain letter answer theory village machine story evening".split()
)


@dataclass(frozen=True)
class NIAHConfig:
    lengths: tuple[int, ...] = (4096, 8192, 16384, 32768, 65536, 131072)
    depths: tuple[float, ...] = (0.0, 0.1, 0.2, 0.3, 0.4, 0.5, 0.6, 0.7, 0.8, 0.9, 1.0)
    repeats: int = 1
    chunk_tokens: int = 512
    seed: int = 0
    haystack_files: tuple[str, ...] = field(default_factory=tuple)  # plain-text corpora; synthetic when empty


def synthetic_sentences(n: int, rng: random.Random) -> list[str]:
    return [" ".join(rng.choices(_WORDS, k=rng.randint(6, 14))).capitalize() + "." for _ in range(n)]


def split_sentences(text: str) -> list[str]:
    return [s.strip() for s in re.split(r"(?<=[.!?])\s+", text) if s.strip()]


def make_haystack(pool: Sequence[str], length: int, tokenizer: Any) -> list[str]:
    """Sentences from ``pool`` (cycled) whose joined text stays within ``length`` tokens."""
    counts = count_tokens_batch(list(pool), tokenizer)
    out, total, i = [], 0, 0
    while total + counts[i % len(pool)] + 1 <= length:
        out.append(pool[i % len(pool)])
        total += counts[i % len(pool)] + 1
        i += 1
    return out


def niah_record(
    haystack: Sequence[str], length: int, depth: float, tokenizer: Any, chunk_tokens: int, rng: random.Random, rid: str
) -> dict[str, Any]:
    """One item: the needle at the sentence boundary nearest ``depth``, chunked; the whole text fits ``length``."""
    key, value = f"{rng.choice(_WORDS)}-{rng.randint(100, 999)}", str(rng.randint(1_000_000, 9_999_999))
    needle = f"The special magic number for {key} is {value}."
    sentences = list(haystack)
    while True:
        cum = [0, *accumulate(c + 1 for c in count_tokens_batch(sentences, tokenizer))]
        at = min(bisect_left(cum, depth * cum[-1]), len(sentences))
        text = " ".join([*sentences[:at], needle, *sentences[at:]])
        total = count_tokens(text, tokenizer)
        if total <= length:
            break
        sentences.pop(-1 if at < len(sentences) else 0)  # trim away from the needle
    start = text.index(needle)
    chunks = split_into_chunks(text, tokenizer, chunk_tokens)
    refs = [i for i, c in enumerate(chunks) if c.start < start + len(needle) and c.end > start]
    return {
        "id": rid,
        "length": length,
        "depth": depth,
        "actual_depth": cum[at] / cum[-1] if cum[-1] else 0.0,
        "num_tokens": total,
        "question": f"What is the special magic number for {key} mentioned in the document?",
        "answers": [value],
        "needle": needle,
        "chunks": [c.text for c in chunks],
        "ref_chunks": refs,
    }


def generate_niah(cfg: NIAHConfig, tokenizer: Any) -> Iterable[dict[str, Any]]:
    """All records of the sweep, lengths outer, depths inner."""
    rng = random.Random(cfg.seed)
    texts = [Path(p).read_text(encoding="utf-8") for p in cfg.haystack_files]
    pool = [s for t in texts for s in split_sentences(t)] or synthetic_sentences(2000, rng)
    total = len(cfg.lengths) * len(cfg.depths) * cfg.repeats
    with tqdm(total=total, desc="niah", unit="item") as bar:
        for length in cfg.lengths:
            haystack = make_haystack(pool, length, tokenizer)
            for depth in cfg.depths:
                for r in range(cfg.repeats):
                    yield niah_record(
                        haystack, length, depth, tokenizer, cfg.chunk_tokens, rng, f"niah-{length}-{depth:.2f}-{r}"
                    )
                    bar.update()


def niah_row(record: dict[str, Any], index: int) -> dict[str, Any]:
    """The record as a grounded QA row in the LongRLVR grammar (data_source ``niah``)."""
    return make_row(
        chunks=record["chunks"],
        question=record["question"],
        answer=record["answers"],
        ref_chunks=record["ref_chunks"],
        index=index,
        data_source=DATA_SOURCE,
        split="test",
        extra={"niah_id": record["id"], "length": record["length"], "depth": record["depth"]},
    )


def run_cli(args: argparse.Namespace) -> None:
    from longrlvr.config_loader import load_settings

    cfg = load_settings(args.config, args.overrides, group="data_gen", schema=NIAHConfig, flags={"seed": args.seed})
    records = list(generate_niah(cfg, load_tokenizer(args.tokenizer, "--tokenizer")))
    print(f"wrote {jsonl.rewrite(args.output, records)} records to {args.output}")
    if args.rows:
        write_parquet([niah_row(r, i) for i, r in enumerate(records)], args.rows)
