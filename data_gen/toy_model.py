"""A scripted LLM that answers every prompt of the pipeline on the toy corpus (tests, benchmark, smoke runs).

Serve it with ``longrlvr.testing.fake_llm_server.FakeLLMServer(ScriptedPipelineModel())``.

Replies depend only on the request content (and, for "malformed first" items, on whether this model object
saw the same request before in the current run), so an interrupted-and-resumed run gets the same replies as
an uninterrupted one. The mix: good questions, SKIPPED, always-malformed JSON, malformed-then-fixed JSON,
trivia that leaks (the closed-book probe knows it), vague low-quality questions, evidence ids outside the
cluster, and questions the full-document probe gets wrong.
"""

from __future__ import annotations

import hashlib
import json
import re
import threading
from typing import Any

from longrlvr.grammar import format_response, prompt_chunks

CHUNK_RE = re.compile(r"### Chunk (\d+)\n(.*?)(?=\n\n### Chunk |\n\nWrite exactly ONE)", re.DOTALL)
NUMBER_RE = re.compile(r"\b\d{2,4}\b")
VARIANTS = ("skipped", "malformed", "trivia", "vague", "bad_evidence", "probe_wrong")  # then 6 kinds of good


def _digest(text: str) -> int:
    return int(hashlib.sha256(text.encode()).hexdigest()[:12], 16)


def _words(text: str, n: int) -> str:
    return " ".join(text.split()[:n])


class ScriptedPipelineModel:
    """``handler(request) -> reply`` of the fake server for every prompt the pipeline sends."""

    def __init__(self) -> None:
        self.answers: dict[str, tuple[str, bool]] = {}  # question -> (answer, full probe answers right)
        self.seen: set[str] = set()
        self.lock = threading.Lock()
        self.calls: dict[str, int] = {}

    def new_run(self) -> None:
        """Forget which requests were seen (a fresh model process), keep the question -> answer memory."""
        with self.lock:
            self.seen.clear()

    def _first_sighting(self, content: str) -> bool:
        with self.lock:
            first = content not in self.seen
            self.seen.add(content)
            return first

    def __call__(self, request: dict[str, Any]) -> str:
        content = request["messages"][-1]["content"]
        kind = (
            "generate" if "Write exactly ONE question" in content
            else "judge_qa" if "strict reviewer of question-answer pairs" in content
            else "closed_book" if "Answer the following question as concisely" in content
            else "verdict" if "<candidate_answer>" in content
            else "full_probe" if "<CHUNK_0>" in content
            else "unknown"
        )  # fmt: skip
        with self.lock:
            self.calls[kind] = self.calls.get(kind, 0) + 1
        return getattr(self, f"_{kind}")(content)

    def _generate(self, content: str) -> str:
        chunks = dict((int(i), text) for i, text in CHUNK_RE.findall(content))
        focus = int(re.search(r"Start from Chunk (\d+)", content).group(1))
        other = (focus + 1) % len(chunks)
        h = _digest(chunks[focus])
        variant = VARIANTS[h % 12] if h % 12 < len(VARIANTS) else "good"
        if variant == "skipped":
            return "SKIPPED"
        if variant == "malformed" or (variant == "good" and h % 3 == 0 and self._first_sighting(content)):
            return '```json\n{"question": "What happened?", "answer": 12, evidence: [0, 1}\n```'
        answer = NUMBER_RE.findall(chunks[focus])[0]
        question = (
            f'Which number appears in the record that begins "{_words(chunks[focus], 8)}", read together with the '
            f'record that begins "{_words(chunks[other], 6)}"?'
        )
        evidence = [focus, other]
        if variant == "trivia":
            question, answer = f"What is the capital of France (asked about {_words(chunks[focus], 4)})?", "Paris"
        elif variant == "vague":
            question = f"What is it about {_words(chunks[focus], 3)}?"
        elif variant == "bad_evidence":
            evidence = [focus, len(chunks) + 5]
        with self.lock:
            self.answers[question] = (answer, variant != "probe_wrong")
        return json.dumps({"question": question, "answer": answer, "evidence": evidence})

    def _judge_qa(self, content: str) -> str:
        question = re.search(r"^Question: (.*)$", content, re.MULTILINE).group(1)
        if _digest(question) % 4 == 0 and self._first_sighting(content):
            return '{"relevance": "9/10", "accuracy": 9}'
        score = 3 if question.startswith("What is it about") else 9
        rubric = {k: score for k in ("relevance", "accuracy", "completeness", "clarity", "context_use")}
        return json.dumps({**rubric, "reason": "scripted"})

    def _closed_book(self, content: str) -> str:
        return "Paris" if "capital of France" in content else "I am not sure, maybe 42."

    def _full_probe(self, content: str) -> str:
        question = re.search(r"\n\nQuestion: (.*?)\n\n", content, re.DOTALL).group(1)
        answer, right = self.answers.get(question, ("unknown", False))
        chunks = prompt_chunks(content)
        used = [i for i, text in chunks.items() if answer in text][:3]
        return format_response(used, answer if right else "a number nobody recorded", think="scripted")

    def _verdict(self, content: str) -> str:
        return "[[No]]"  # only reached when the rule (exact match) already said no

    def _unknown(self, content: str) -> str:
        raise ValueError(f"unexpected prompt: {content[:200]}")
