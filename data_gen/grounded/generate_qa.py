"""Stage ``generate_qa``: several grounded questions per cluster, each needing as many of its chunks as possible.

Input: a ``cluster`` record; ``questions_per_cluster`` independent samples, deduplicated. Two prompts:

- ``paper`` (default): the authors' prompt, the same for every sample (``[Chunk i]`` blocks): one question that
  no single chunk answers, an answer of at most 40 words with its evidence ids and an explanation, as
  ``{"question", "answer": {"text", "evidence", "explanation"}}`` or ``{"question": "SKIPPED", "answer": null}``;
- ``focused``: ours; sample ``j`` starts from a different chunk (a seeded permutation) and the answer is short
  (a name, number, date), as ``{"question", "answer", "evidence"}`` or ``SKIPPED``.

Output, per kept question: ``{"id": "<cluster>/q<j>", "doc_id", "cluster_id", "chunk_ids", "question", "answer",
"evidence_local"}`` (+ ``explanation`` with the paper prompt). Dropped sub-items: ``skipped_by_llm``,
``duplicate_question``, ``malformed_output``. A failed LLM call fails the whole cluster (retried by a later run).
Evidence ids are checked (and mapped to global ids) by ``select``.
"""

from __future__ import annotations

from typing import Any

from longrlvr.data_gen.config import GenerateQAConfig
from longrlvr.data_gen.documents import DocumentStore
from longrlvr.data_gen.llm import (
    ask,
    format_cluster_chunks,
    load_prompt,
    parse_json_object,
    sampling_params,
    user_message,
)
from longrlvr.data_gen.runner import Record, RecordContext, Skip

from longrlvr.llm import ChatBackend
from longrlvr.llm.chat import gather_or_fail
from longrlvr.rewards import normalize_answer

SKIPPED = "SKIPPED"


def parse_generated(text: str) -> dict[str, Any] | None:
    """``{"question", "answer", "evidence"}`` (+ ``explanation``) from a reply in either prompt's format, None for
    ``SKIPPED``; ValueError if malformed."""
    if text.strip().strip("\"'`.").upper() == SKIPPED:
        return None
    value = parse_json_object(text)
    if str(value.get("question", "")).strip().upper() == SKIPPED:
        return None
    if isinstance(value.get("answer"), dict):  # the paper prompt's shape
        answer = value["answer"]
        explanation = answer.get("explanation")
        parsed = _checked(value.get("question"), answer.get("text"), answer.get("evidence"))
        return parsed | ({"explanation": explanation.strip()} if isinstance(explanation, str) else {})
    return _checked(value.get("question"), value.get("answer"), value.get("evidence"))


def _checked(question: Any, answer: Any, evidence: Any) -> dict[str, Any]:
    if not isinstance(question, str) or not question.strip():
        raise ValueError("missing question")
    if isinstance(answer, (int, float)) and not isinstance(answer, bool):
        answer = str(answer)
    if not isinstance(answer, str) or not answer.strip():
        raise ValueError("missing answer")
    if not isinstance(evidence, list) or not all(_is_chunk_id(e) for e in evidence):
        raise ValueError("evidence must be a list of chunk ids (integers)")
    return {"question": question.strip(), "answer": answer.strip(), "evidence": [int(e) for e in evidence]}


def _is_chunk_id(value: Any) -> bool:
    return (isinstance(value, int) and not isinstance(value, bool)) or (
        isinstance(value, str) and value.isdigit() and len(value) <= 9
    )


class GenerateQA:
    """Handler: ``questions_per_cluster`` independent samples per cluster, deduplicated by normalised question."""

    def __init__(self, backend: ChatBackend, documents: DocumentStore, cfg: GenerateQAConfig) -> None:
        if cfg.prompt not in ("paper", "focused"):
            raise ValueError(f"generate_qa.prompt must be 'paper' or 'focused', got {cfg.prompt!r}")
        self.backend, self.documents, self.cfg = backend, documents, cfg
        self.template = load_prompt(f"generate_qa_{cfg.prompt}")
        self.params = sampling_params(cfg.temperature, cfg.max_tokens, cfg.top_p, cfg.top_k, cfg.enable_thinking)

    async def _sample(self, chunks: str, num_chunks: int, focus: int) -> dict[str, Any] | Skip:
        messages = user_message(self.template, chunks=chunks, num_chunks=num_chunks, focus=focus)
        try:
            generated = await ask(self.backend, messages, parse_generated, self.params)
        except Skip as skip:
            return skip
        return Skip("skipped_by_llm") if generated is None else generated

    async def __call__(self, record: Record, ctx: RecordContext) -> list[Record | Skip]:
        document = self.documents.get(record["doc_id"])
        chunks = [document["chunks"][i] for i in record["chunk_ids"]]
        text = format_cluster_chunks(chunks, self.cfg.prompt)
        focus = ctx.rng.sample(range(len(chunks)), len(chunks))
        samples = await gather_or_fail(
            *(self._sample(text, len(chunks), focus[j % len(chunks)]) for j in range(self.cfg.questions_per_cluster))
        )
        outputs: list[Record | Skip] = []
        seen: set[str] = set()
        for j, sample in enumerate(samples):
            if isinstance(sample, dict) and normalize_answer(sample["question"]) in seen:
                sample = Skip("duplicate_question")
            if isinstance(sample, Skip):
                outputs.append(sample)
                continue
            seen.add(normalize_answer(sample["question"]))
            outputs.append(
                {
                    "id": f"{ctx.id}/q{j}",
                    "doc_id": record["doc_id"],
                    "cluster_id": ctx.id,
                    "chunk_ids": record["chunk_ids"],
                    "question": sample["question"],
                    "answer": sample["answer"],
                    "evidence_local": sample["evidence"],
                    **({"explanation": sample["explanation"]} if "explanation" in sample else {}),
                }
            )
        return outputs
