"""Stage ``assemble``: a training row per selected question, in the project grammar and dataset schema.

Without ``buckets`` the prompt is the question's document alone. With ``buckets`` (token lengths such as
16K/32K/64K) each question gets one bucket that fits its document (seeded choice), and the document is placed
at a random position among distractor documents (other documents of the corpus, whole, the last one cut at a
chunk boundary) filling ``bucket - reserve_tokens`` tokens of chunk text. Evidence ids are shifted by the
document's position; ``extra_info`` records the bucket, the document's first chunk id and the relative depth
of each evidence chunk. Output: ``{"id", "doc_id", "row"}`` with ``row`` from ``longrlvr.data.make_row``.
"""

from __future__ import annotations

import random
from itertools import accumulate

from longrlvr.data_gen.config import AssembleConfig
from longrlvr.data_gen.documents import DocumentStore
from longrlvr.data_gen.runner import Record, RecordContext, Skip

from longrlvr.data import make_row

MIN_FILL = 0.9  # a bucket's distractors must fill at least this share of their token budget
DONE_FILL = 0.99  # stop adding distractors at this share
MAX_DRAWS, MAX_MISSES = 512, 8  # documents drawn per row; consecutive draws that add nothing


class AssembleRows:
    """Handler: a selected QA record -> its dataset row."""

    def __init__(self, documents: DocumentStore, cfg: AssembleConfig) -> None:
        self.documents, self.cfg = documents, cfg
        self.doc_ids = sorted(documents.offsets)

    def _bucket(self, doc_tokens: int, rng: random.Random) -> int:
        fitting = [b for b in sorted(self.cfg.buckets) if b - self.cfg.reserve_tokens >= doc_tokens]
        if not fitting:
            raise Skip("document_exceeds_buckets", detail=f"{doc_tokens} tokens")
        return rng.choice(fitting)

    def _distractors(self, doc_id: str, budget: int, rng: random.Random) -> list[Record]:
        """Documents (``{"id", "chunks", "num_tokens"}``, possibly cut) filling ``budget`` tokens."""
        picked: list[Record] = []
        left, misses = budget, 0
        for other in rng.sample(self.doc_ids, min(len(self.doc_ids), MAX_DRAWS)):
            if left <= (1 - DONE_FILL) * budget or misses >= MAX_MISSES:
                break
            if other == doc_id:
                continue
            document = self.documents.get(other)
            fits = sum(1 for total in accumulate(document["num_tokens"]) if total <= left)
            misses = 0 if fits else misses + 1
            if fits:
                tokens = document["num_tokens"][:fits]
                picked.append({"id": other, "chunks": document["chunks"][:fits], "num_tokens": tokens})
                left -= sum(tokens)
        if budget - left < MIN_FILL * budget:
            raise Skip("not_enough_distractors", detail=f"{budget - left} of {budget} tokens")
        return picked

    def __call__(self, record: Record, ctx: RecordContext) -> list[Record]:
        document = self.documents.get(record["doc_id"])
        doc_tokens = sum(document["num_tokens"])
        bucket, before, after = None, [], []
        if self.cfg.buckets:
            bucket = self._bucket(doc_tokens, ctx.rng)
            distractors = self._distractors(record["doc_id"], bucket - self.cfg.reserve_tokens - doc_tokens, ctx.rng)
            cut = ctx.rng.randint(0, len(distractors))
            before, after = distractors[:cut], distractors[cut:]
        parts = [*before, document, *after]
        chunks = [text for part in parts for text in part["chunks"]]
        tokens = [n for part in parts for n in part["num_tokens"]]
        offset = sum(len(part["chunks"]) for part in before)
        refs = [offset + g for g in record["evidence"]]
        starts = [0, *accumulate(tokens)]
        extra = {
            "doc_id": record["doc_id"],
            "qa_id": ctx.id,
            "cluster_id": record["cluster_id"],
            "quality": record["quality"],
            "bucket": bucket,
            "context_tokens": starts[-1],
            "doc_chunk_offset": offset,
            "evidence_depth": [round(starts[r] / starts[-1], 4) for r in refs],
            "distractor_ids": [part["id"] for part in (*before, *after)],
        }
        row = make_row(
            chunks=chunks,
            question=record["question"],
            answer=record["answer"],
            ref_chunks=refs,
            index=0,
            data_source=self.cfg.data_source,
            extra=extra,
        )
        return [{"id": ctx.id, "doc_id": record["doc_id"], "row": row}]
