"""Stage ``judge_qa``: a 0-10 quality score for each generated question.

- ``paper`` (default): the authors' prompt: the five criteria with their weights (relevance & challenge 25 %,
  accuracy 30 %, completeness 20 %, clarity & reference precision 15 %, context utilisation 10 %) written in
  the prompt, one holistic rating ``[[x]]`` (decimals allowed) which is ``quality``;
- ``rubric``: ours: each criterion an integer 0-10 in a JSON object, ``quality`` their weighted mean
  (weights from the config); any missing, extra-typed or out-of-range score is malformed and retried.
"""

from __future__ import annotations

import json
from collections.abc import Mapping

from longrlvr.data_gen.config import JudgeQAConfig
from longrlvr.data_gen.documents import DocumentStore
from longrlvr.data_gen.llm import (
    ask,
    format_cluster_chunks,
    load_prompt,
    parse_json_object,
    parse_rating,
    sampling_params,
    user_message,
)
from longrlvr.data_gen.runner import Record, RecordContext

from longrlvr.llm import ChatBackend


def parse_rubric(text: str, criteria: Mapping[str, float]) -> dict[str, int]:
    """Integer scores 0-10 for every criterion; ValueError naming the first bad one."""
    value = parse_json_object(text)
    scores = {}
    for name in criteria:
        score = value.get(name)
        if isinstance(score, bool) or not isinstance(score, int) or not 0 <= score <= 10:
            raise ValueError(f"criterion {name!r} must be an integer 0-10, got {score!r}")
        scores[name] = score
    return scores


def weighted_quality(scores: Mapping[str, int], weights: Mapping[str, float]) -> float:
    """Weighted mean of the rubric scores (0-10)."""
    total = sum(weights.values())
    if total <= 0:
        raise ValueError("judge_qa.weights must sum to a positive number")
    return round(sum(weights[k] * scores[k] for k in weights) / total, 4)


class JudgeQA:
    """Handler: adds ``rubric`` (criterion -> score) and ``quality`` to a generated QA record."""

    def __init__(self, backend: ChatBackend, documents: DocumentStore, cfg: JudgeQAConfig) -> None:
        if cfg.prompt not in ("paper", "rubric"):
            raise ValueError(f"judge_qa.prompt must be 'paper' or 'rubric', got {cfg.prompt!r}")
        self.backend, self.documents, self.cfg = backend, documents, cfg
        self.template = load_prompt(f"judge_qa_{cfg.prompt}")
        self.params = sampling_params(
            cfg.temperature, cfg.max_tokens, top_k=cfg.top_k, enable_thinking=cfg.enable_thinking
        )

    async def __call__(self, record: Record, ctx: RecordContext) -> list[Record]:
        document = self.documents.get(record["doc_id"])
        chunks = [document["chunks"][i] for i in record["chunk_ids"]]
        paper = self.cfg.prompt == "paper"
        messages = user_message(
            self.template,
            chunks=format_cluster_chunks(chunks, "plain" if paper else "focused"),
            question=record["question"],
            answer=record["answer"],
            evidence=json.dumps(record["evidence_local"]),
        )
        if paper:
            return [{**record, "quality": await ask(self.backend, messages, parse_rating, self.params)}]
        scores = await ask(self.backend, messages, lambda text: parse_rubric(text, self.cfg.weights), self.params)
        return [{**record, "rubric": scores, "quality": weighted_quality(scores, self.cfg.weights)}]
