"""Token-budgeted document splitting with exact character offsets.

`split_into_chunks` tokenizes the document once with a fast (Rust) tokenizer, keeps the offset mapping, and then
works in character/token index space: each chunk is the longest window that fits ``max_tokens`` tokens, cut at the
last occurrence of the highest-priority separator inside that window (paragraph, line, sentence, clause, word, and
finally a token boundary), as LangChain's recursive character splitter would. Chunks cover the document contiguously
(``chunks[i].end == chunks[i + 1].start``); a separator stays at the end of the chunk it closes.

Because a substring can tokenize slightly differently from its slice of the whole-document tokenization (merges
across the cut, WordPiece continuations, a byte-level token that straddles the cut), every chunk is re-counted on its
own text and, when over budget, cut again with a budget tightened by the excess, so
``count_tokens(chunk.text) <= max_tokens`` always holds.
"""

from __future__ import annotations

from bisect import bisect_left
from dataclasses import dataclass
from itertools import accumulate
from typing import Any

from tokenizers import Tokenizer

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


def fast_backend(tokenizer: Any) -> Tokenizer:
    """The Rust ``tokenizers.Tokenizer`` behind ``tokenizer``, with truncation and padding switched off.

    Accepts a ``PreTrainedTokenizerFast`` (any ``is_fast`` Hugging Face tokenizer) or a ``tokenizers.Tokenizer``.
    Switching truncation/padding off is what the Hugging Face wrapper itself does on every un-truncated call.
    """
    if isinstance(tokenizer, Tokenizer):
        backend = tokenizer
    elif getattr(tokenizer, "is_fast", False):
        backend = tokenizer.backend_tokenizer
    else:
        raise TypeError(
            f"chunking needs a fast (Rust-backed) Hugging Face tokenizer with offset mapping, got "
            f"{type(tokenizer).__name__}; load it with AutoTokenizer.from_pretrained(path, use_fast=True)"
        )
    if backend.truncation is not None:
        backend.no_truncation()
    if backend.padding is not None:
        backend.no_padding()
    return backend


def count_tokens_batch(texts: list[str], tokenizer: Any) -> list[int]:
    """Token counts of several texts (no special tokens), in one batched tokenizer call."""
    return [len(encoding) for encoding in fast_backend(tokenizer).encode_batch_fast(texts, add_special_tokens=False)]


def count_tokens(text: str, tokenizer: Any) -> int:
    """Number of tokens ``tokenizer`` produces for ``text`` without special tokens."""
    return len(fast_backend(tokenizer).encode(text, add_special_tokens=False))


class _Splitter:
    """Window search over one document tokenization; token i starts at character ``starts[i]``."""

    def __init__(self, text: str, backend: Tokenizer, max_tokens: int) -> None:
        self.text = text
        self.backend = backend
        self.max_tokens = max_tokens
        offsets = backend.encode(text, add_special_tokens=False).offsets
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

    def chunks(self) -> list[Chunk]:
        """Contiguous chunks of the whole text; a chunk over budget on its own text is cut shorter."""
        chunks: list[Chunk] = []
        start, end = 0, len(self.text)
        while start < end:
            budget = self.max_tokens
            while True:
                cut = self._cut(start, end, budget)
                count = len(self.backend.encode(self.text[start:cut], add_special_tokens=False))
                if count <= self.max_tokens:
                    break
                budget -= count - self.max_tokens
                if budget < 1:
                    raise ValueError(f"cannot fit text[{start}:{cut}] into {self.max_tokens} tokens")
            chunks.append(Chunk(self.text[start:cut], start, cut, count))
            start = cut
        return chunks


def split_into_chunks(text: str, tokenizer: Any, max_tokens: int) -> list[Chunk]:
    """Split ``text`` into contiguous chunks of at most ``max_tokens`` tokens, preferring natural boundaries.

    ``tokenizer`` must be a fast Hugging Face tokenizer (``PreTrainedTokenizerFast``) or a ``tokenizers.Tokenizer``
    (a slow tokenizer raises ``TypeError``). The document is tokenized once with offsets; each resulting chunk is
    re-counted on its own text so the budget is exact.
    Empty text gives no chunks; a whitespace-only text gives one chunk (possibly of 0 tokens).
    """
    backend = fast_backend(tokenizer)
    if max_tokens < 1:
        raise ValueError(f"max_tokens must be >= 1, got {max_tokens}")
    if not text:
        return []
    return _Splitter(text, backend, max_tokens).chunks()
