"""Stage ``judge_answers``: both probe answers against the reference answer.

``rate_answers.method: rating`` (default, the authors'): :class:`RateAnswers`, a 0-10 rating per answer.
``verdict``: :class:`JudgeAnswers` with ``longrlvr.judge.AnswerJudge`` (hacking guard, rule first, cache,
strict binary verdict, reference chunks shown).
A verdict that fails after the client's retries fails the record (``judge_failed``, retried by a later run):
never a guessed verdict, never a question recorded as dropped because an endpoint was down.
"""

from __future__ import annotations

import asyncio
from typing import Any

from longrlvr.data_gen.config import RateAnswersConfig
from longrlvr.data_gen.documents import DocumentStore
from longrlvr.data_gen.llm import (
    ask,
    format_cluster_chunks,
    load_prompt,
    parse_rating,
    sampling_params,
    user_message,
)
from longrlvr.data_gen.runner import Fail, Record, RecordContext

from longrlvr.llm import ChatBackend
from longrlvr.llm.chat import gather_or_fail


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


class RateAnswers:
    """Handler (the authors' method): each probe answer rated 0-10 against the reference answer, with the
    cluster's chunks as context (``prompts/rate_answer_paper.txt``); correct when the rating >= ``min_rating``.
    Adds ``leak_rating``/``full_rating`` besides ``leak_correct``/``full_correct``."""

    def __init__(self, backend: ChatBackend, documents: DocumentStore, cfg: RateAnswersConfig) -> None:
        self.backend, self.documents, self.cfg = backend, documents, cfg
        self.template = load_prompt("rate_answer_paper")
        self.params = sampling_params(
            cfg.temperature, cfg.max_tokens, top_k=cfg.top_k, enable_thinking=cfg.enable_thinking
        )

    async def _rate(self, chunks: str, record: Record, candidate: str) -> float:
        messages = user_message(
            self.template, chunks=chunks, question=record["question"], reference=record["answer"], candidate=candidate
        )
        return await ask(self.backend, messages, parse_rating, self.params)

    async def __call__(self, record: Record, ctx: RecordContext) -> list[Record]:
        document = self.documents.get(record["doc_id"])
        chunks = format_cluster_chunks([document["chunks"][i] for i in record["chunk_ids"]], "plain")
        leak, full = await gather_or_fail(
            self._rate(chunks, record, record["leak_answer"]),
            self._rate(chunks, record, record["full_answer"] or ""),
        )
        return [
            {
                **record,
                "leak_rating": leak,
                "full_rating": full,
                "leak_correct": leak >= self.cfg.min_rating,
                "full_correct": full >= self.cfg.min_rating,
                "verdict_sources": ["rating", "rating"],
            }
        ]
