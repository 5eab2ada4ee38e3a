"""Token-budgeted document splitting with exact character offsets.

`split_into_chunks` tokenizes the document once with a fast (Rust) tokenizer, keeps the offset mapping, and then
works in character/token index space: each chunk is the longest window that fits ``max_tokens`` tokens, cut at the
last occurrence of the highest-priority separator inside that window (paragraph, line, sentence, clause, word, and
finally a token boundary), as LangChain's recursive character splitter would. Chunks cover the document contiguously
(``chunks[i].end == chunks[i + 1].start``); a separator stays at the end of the chunk it closes.

Because a substring can tokenize slightly differently from its slice of the whole-document tokenization (merges
across the cut, WordPiece continuations), every chunk is re-counted in one batched call and any chunk over budget is
re-split locally with a tighter budget, so ``count_tokens(chunk.text) <= max_tokens`` always holds.
"""

from __future__ import annotations

from bisect import bisect_left
from dataclasses import dataclass
from itertools import accumulate
from typing import Any

# LangChain's recursive-splitter order, English and Chinese punctuation; "" means "any token boundary".
SEPARATORS: tuple[str, ...] = (
    "\n\n", "\n", "。", "！", "？", ". ", "! ", "? ", "；", "; ", "，", ", ", " ", "",
)  # fmt: skip


@dataclass(frozen=True)
class Chunk:
    """A piece of a document: ``document[start:end] == text``; ``num_tokens`` counted without special tokens."""

    text: str
    start: int
    end: int
    num_tokens: int


def _require_fast(tokenizer: Any) -> None:
    if not getattr(tokenizer, "is_fast", False):
        raise TypeError(
            f"chunking needs a fast (Rust-backed) Hugging Face tokenizer with offset mapping, got "
            f"{type(tokenizer).__name__}; load it with AutoTokenizer.from_pretrained(path, use_fast=True)"
        )


def _encode(tokenizer: Any, texts: str | list[str], **kwargs: Any) -> Any:
    return tokenizer(
        texts,
        add_special_tokens=False,
        truncation=False,
        padding=False,
        return_attention_mask=False,
        return_token_type_ids=False,
        verbose=False,
        **kwargs,
    )


def count_tokens_batch(texts: list[str], tokenizer: Any) -> list[int]:
    """Token counts of several texts (no special tokens), in one batched tokenizer call."""
    if not texts:
        return []
    return [len(ids) for ids in _encode(tokenizer, texts)["input_ids"]]


def count_tokens(text: str, tokenizer: Any) -> int:
    """Number of tokens ``tokenizer`` produces for ``text`` without special tokens."""
    return count_tokens_batch([text], tokenizer)[0]


class _Splitter:
    """Window search over one document tokenization; token i starts at character ``starts[i]``."""

    def __init__(self, text: str, tokenizer: Any, max_tokens: int) -> None:
        self.text = text
        self.tokenizer = tokenizer
        self.max_tokens = max_tokens
        offsets = _encode(tokenizer, text, return_offsets_mapping=True)["offset_mapping"]
        # Non-decreasing even if a tokenizer reports an odd offset, so bisection stays valid.
        self.starts = list(accumulate((start for start, _ in offsets), max))

    def _cut(self, start: int, end: int, budget: int) -> int:
        """End of the chunk that begins at ``start`` (within ``[start, end)``) and holds at most ``budget`` tokens."""
        first = bisect_left(self.starts, start)
        limit = first + budget
        if limit >= len(self.starts) or self.starts[limit] >= end:
            return end
        window_end = self.starts[limit]  # first token that does not fit starts here
        window = self.text[start:window_end]
        low = start + len(window) - len(window.lstrip())  # never cut right after leading whitespace
        for separator in SEPARATORS[:-1]:
            position = self.text.rfind(separator, low, window_end)
            if position >= 0:
                return position + len(separator)
        if window_end > self.starts[first]:
            return window_end
        raise ValueError(
            f"the character at offset {start} needs more than {budget} tokens; raise max_tokens "
            f"(currently {self.max_tokens})"
        )

    def split(self, start: int, end: int, budget: int) -> list[Chunk]:
        """Chunks of ``text[start:end]``, each verified against the tokenizer and re-split when over budget."""
        bounds = []
        while start < end:
            cut = self._cut(start, end, budget)
            bounds.append((start, cut))
            start = cut
        counts = count_tokens_batch([self.text[a:b] for a, b in bounds], self.tokenizer)
        chunks: list[Chunk] = []
        for (a, b), count in zip(bounds, counts):
            if count <= self.max_tokens:
                chunks.append(Chunk(self.text[a:b], a, b, count))
                continue
            tighter = budget - (count - self.max_tokens)
            if tighter < 1:
                raise ValueError(
                    f"cannot split text[{a}:{b}] into pieces of at most {self.max_tokens} tokens: {self.text[a:b]!r}"
                )
            chunks.extend(self.split(a, b, tighter))
        return chunks


def split_into_chunks(text: str, tokenizer: Any, max_tokens: int) -> list[Chunk]:
    """Split ``text`` into contiguous chunks of at most ``max_tokens`` tokens, preferring natural boundaries.

    ``tokenizer`` must be a fast Hugging Face tokenizer (``PreTrainedTokenizerFast``). The document is tokenized once
    with offsets; each resulting chunk is re-counted on its own text (one batched call) so the budget is exact.
    Empty text gives no chunks; a whitespace-only text gives one chunk (possibly of 0 tokens).
    """
    _require_fast(tokenizer)
    if max_tokens < 1:
        raise ValueError(f"max_tokens must be >= 1, got {max_tokens}")
    if not text:
        return []
    return _Splitter(text, tokenizer, max_tokens).split(0, len(text), max_tokens)
