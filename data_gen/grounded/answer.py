"""Stage ``answer``: two probes per question, answered by the LLM.

- leakage probe: the question alone (``prompts/closed_book.txt``); a right answer means the question does not
  need the document, so ``select`` drops it;
- full-context probe: the whole document in the project grammar (``longrlvr.grammar.build_prompt``), the reply
  parsed with ``parse_response`` (a reply that breaks the grammar is retried like malformed JSON).

Questions below ``min_quality`` are skipped here (``below_quality``) so they cost no probe calls.
"""

from __future__ import annotations

from longrlvr.data_gen.config import AnswerConfig
from longrlvr.data_gen.documents import DocumentStore
from longrlvr.data_gen.llm import ask, check_encodable, load_prompt, sampling_params, user_message
from longrlvr.data_gen.runner import Record, RecordContext, Skip

from longrlvr.grammar import ParsedResponse, build_prompt, parse_response
from longrlvr.llm import ChatBackend
from longrlvr.llm.chat import gather_or_fail


def closed_book_answer(text: str) -> str:
    """The leakage probe's answer: the reply stripped (an empty reply is retried)."""
    if not check_encodable(text).strip():
        raise ValueError("empty answer")
    return text.strip()


def grammar_answer(num_chunks: int):
    """Validator of the full-context probe: a reply in the grammar, parsed."""

    def validate(text: str) -> ParsedResponse:
        parsed = parse_response(check_encodable(text), num_chunks=num_chunks)
        if not parsed.format_ok:
            raise ValueError(f"response breaks the grammar: {parsed.format_error}")
        return parsed

    return validate


class AnswerProbes:
    """Handler: adds ``leak_answer``, ``full_answer`` and ``full_chunks`` (ids the full probe named)."""

    def __init__(self, backend: ChatBackend, documents: DocumentStore, cfg: AnswerConfig, min_quality: float) -> None:
        self.backend, self.documents, self.min_quality = backend, documents, min_quality
        self.template = load_prompt("closed_book")
        self.params = sampling_params(cfg.temperature, cfg.max_tokens)

    async def __call__(self, record: Record, ctx: RecordContext) -> list[Record]:
        if record["quality"] < self.min_quality:
            raise Skip("below_quality", detail=f"{record['quality']} < {self.min_quality}")
        chunks = self.documents.get(record["doc_id"])["chunks"]
        full_prompt = [{"role": "user", "content": build_prompt(chunks, record["question"])}]
        leak, full = await gather_or_fail(
            ask(
                self.backend,
                user_message(self.template, question=record["question"]),
                closed_book_answer,
                self.params,
            ),
            ask(self.backend, full_prompt, grammar_answer(len(chunks)), self.params),
        )
        return [{**record, "leak_answer": leak, "full_answer": full.answer, "full_chunks": list(full.chunk_ids)}]
