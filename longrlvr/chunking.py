"""Token-budgeted document splitting with exact character offsets.

`split_into_chunks` tokenizes the document once with a fast (Rust) tokenizer, keeps the offset mapping, and then
works in character/token index space: each chunk is the longest window that fits ``max_tokens`` tokens, cut at the
last occurrence of the highest-priority separator inside that window (paragraph, line, sentence, clause, word, and
finally a token boundary), as LangChain's recursive character splitter would. Chunks cover the document contiguously
(``chunks[i].end == chunks[i + 1].start``); a separator stays at the end of the chunk it closes.

The one tokenization with offsets runs over the document's paragraphs (each with the blank lines that close it) in
one batched call, which is cheaper than one call over the whole text; token positions near a paragraph edge may
then differ slightly from a whole-text tokenization, which only moves a window edge. Because any substring can
tokenize differently from its slice (merges across the cut, WordPiece continuations, a byte-level token that
straddles the cut), every chunk is re-counted on its own text — all planned chunks in one batched call without
offsets; a chunk that is exactly one paragraph reuses that paragraph's count — and, when over budget, cut again
with a budget tightened by the excess, so ``count_tokens(chunk.text) <= max_tokens`` always holds and
``num_tokens`` is exact.
"""

from __future__ import annotations

from bisect import bisect_left
from collections import OrderedDict
from dataclasses import dataclass
from itertools import accumulate
from typing import Any

from tokenizers import Tokenizer

# LangChain's recursive-splitter order, English and Chinese punctuation; "" means "any token boundary".
SEPARATORS: tuple[str, ...] = (
    "\n\n",
    "\n",
    "。",
    "！",
    "？",
    ". ",
    "! ",
    "? ",
    "；",
    "; ",
    "，",
    ", ",
    " ",
    "",
)


@dataclass(frozen=True)
class Chunk:
    """A piece of a document: ``document[start:end] == text``; ``num_tokens`` counted without special tokens."""

    text: str
    start: int
    end: int
    num_tokens: int


def fast_backend(tokenizer: Any) -> Tokenizer:
    """The Rust ``tokenizers.Tokenizer`` behind ``tokenizer``, never truncating or padding.

    Accepts a ``PreTrainedTokenizerFast`` (any ``is_fast`` Hugging Face tokenizer) or a ``tokenizers.Tokenizer``.
    The caller's tokenizer is never changed: when its backend has truncation or padding set, a private copy with
    both switched off is used instead (made once per backend and vocabulary size, see :func:`_untruncated`).
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
    if backend.truncation is None and backend.padding is None:
        return backend
    return _untruncated(backend)


_COPIES: OrderedDict[int, tuple[Tokenizer, int, Tokenizer]] = OrderedDict()  # id -> (backend, vocab size, copy)
_MAX_COPIES = 8


def _untruncated(backend: Tokenizer) -> Tokenizer:
    """A copy of ``backend`` without truncation and padding, cached (LRU) while its vocabulary size is unchanged."""
    size = backend.get_vocab_size(with_added_tokens=True)
    entry = _COPIES.get(id(backend))
    if entry is not None and entry[0] is backend and entry[1] == size:
        _COPIES.move_to_end(id(backend))
        return entry[2]
    copy = Tokenizer.from_str(backend.to_str())
    copy.no_truncation()
    copy.no_padding()
    _COPIES[id(backend)] = (backend, size, copy)
    while len(_COPIES) > _MAX_COPIES:
        _COPIES.popitem(last=False)
    return copy


def count_tokens_batch(texts: list[str], tokenizer: Any) -> list[int]:
    """Token counts of several texts (no special tokens), in one batched tokenizer call."""
    return [len(encoding) for encoding in fast_backend(tokenizer).encode_batch_fast(texts, add_special_tokens=False)]


def count_tokens(text: str, tokenizer: Any) -> int:
    """Number of tokens ``tokenizer`` produces for ``text`` without special tokens."""
    return len(fast_backend(tokenizer).encode(text, add_special_tokens=False))


def _paragraphs(text: str) -> list[int]:
    """Start offsets of the paragraphs of ``text``, each paragraph ending after the blank-line run that closes it."""
    starts, position = [0], text.find("\n\n")
    while position >= 0:
        end = position + 2
        while end < len(text) and text[end] == "\n":
            end += 1
        if end < len(text):
            starts.append(end)
        position = text.find("\n\n", end)
    return starts


class _Splitter:
    """Window search over the paragraph-wise tokenization; token i starts at character ``starts[i]``."""

    def __init__(self, text: str, backend: Tokenizer, max_tokens: int) -> None:
        self.text = text
        self.backend = backend
        self.max_tokens = max_tokens
        bounds = _paragraphs(text)
        ends = [*bounds[1:], len(text)]
        encodings = backend.encode_batch(
            [text[a:b] for a, b in zip(bounds, ends, strict=True)], add_special_tokens=False
        )
        starts: list[int] = []
        for base, encoding in zip(bounds, encodings, strict=True):
            starts += [base + start for start, _ in encoding.offsets]
        # Non-decreasing even if a tokenizer reports an odd offset, so bisection stays valid.
        self.starts = list(accumulate(starts, max))
        self.known = {(a, b): len(e) for a, b, e in zip(bounds, ends, encodings, strict=True)}  # exact counts

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

    def _count(self, start: int, cut: int) -> int:
        return len(self.backend.encode(self.text[start:cut], add_special_tokens=False))

    def _fit(self, start: int, end: int) -> tuple[int, int]:
        """The cut and exact count of the chunk at ``start``, tightening the budget until its own text fits."""
        budget = self.max_tokens
        while True:
            cut = self._cut(start, end, budget)
            count = self.known.get((start, cut)) or self._count(start, cut)
            if count <= self.max_tokens:
                return cut, count
            budget -= count - self.max_tokens
            if budget < 1:
                raise ValueError(f"cannot fit text[{start}:{cut}] into {self.max_tokens} tokens")

    def chunks(self) -> list[Chunk]:
        """Contiguous chunks of the whole text: plan a block of cuts with the full budget, count the planned chunks in
        one batch, keep them up to the first one over budget, re-cut that one shorter and plan again from there. The
        block grows while no chunk is over budget and shrinks after one, so re-planning wastes little work."""
        chunks: list[Chunk] = []
        start, end, block = 0, len(self.text), 16
        while start < end:
            spans, position = [], start
            while position < end and len(spans) < block:
                cut = self._cut(position, end, self.max_tokens)
                spans.append((position, cut))
                position = cut
            unknown = [span for span in spans if span not in self.known]
            encoded = self.backend.encode_batch_fast([self.text[a:b] for a, b in unknown], add_special_tokens=False)
            counts = {span: len(encoding) for span, encoding in zip(unknown, encoded, strict=True)}
            for a, b in spans:
                count = counts[(a, b)] if (a, b) in counts else self.known[(a, b)]
                if count > self.max_tokens:
                    b, count = self._fit(a, end)
                    chunks.append(Chunk(self.text[a:b], a, b, count))
                    start, block = b, max(4, block // 2)
                    break
                chunks.append(Chunk(self.text[a:b], a, b, count))
                start = b
            else:
                block = min(1024, block * 2)
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
