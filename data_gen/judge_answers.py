"""Stage ``judge_answers``: both probe answers against the reference answer with ``longrlvr.judge.AnswerJudge``.

The judge is the project's (hacking guard, rule first, cache, strict binary verdict, reference chunks shown).
A verdict that fails after the client's retries fails the record (``judge_failed``, retried by a later run):
never a guessed verdict, never a question recorded as dropped because an endpoint was down.
"""

from __future__ import annotations

import asyncio
from typing import Any

from data_gen.documents import DocumentStore
from data_gen.runner import Fail, Record, RecordContext


class JudgeAnswers:
    """Handler: adds ``leak_correct`` and ``full_correct`` (and how each verdict was reached)."""

    def __init__(self, judge: Any, documents: DocumentStore) -> None:
        self.judge, self.documents = judge, documents

    async def __call__(self, record: Record, ctx: RecordContext) -> list[Record]:
        chunks = self.documents.get(record["doc_id"])["chunks"]
        cluster = record["chunk_ids"]
        evidence = [chunks[cluster[i]] for i in record["evidence_local"] if 0 <= i < len(cluster)]
        question, reference = record["question"], record["answer"]
        leak, full = await asyncio.gather(
            self.judge.judge(question, reference, record["leak_answer"], ref_chunks_text=evidence or None),
            self.judge.judge(question, reference, record["full_answer"] or "", ref_chunks_text=evidence or None),
        )
        if leak.failed or full.failed:
            raise Fail("judge_failed", "the answer judge's LLM calls failed after their retries")
        return [
            {
                **record,
                "leak_correct": bool(leak.correct),
                "full_correct": bool(full.correct),
                "verdict_sources": [leak.source, full.source],
            }
        ]
