"""A scripted LLM that answers every prompt of the pipeline on the toy corpus (tests, benchmark, smoke runs).

Serve it with ``longrlvr.testing.fake_llm_server.FakeLLMServer(ScriptedPipelineModel())``.

Stateless: every reply is a function of the request alone (the full-context probe finds the answer in the
document it is shown, through a tag in the question), so a run killed and rerun against a fresh model gets the
same replies as an uninterrupted one. The one memory is per request: a "malformed first" request is answered
with broken JSON the first time this process sees it and correctly on its retry, which the client's retries
make invisible in the results. The mix: good questions, SKIPPED, always-malformed JSON, malformed-then-fixed
JSON, trivia that leaks (the closed-book probe knows it), vague low-quality questions, evidence ids outside the
cluster, and questions the full-document probe gets wrong. Both prompt sets (``paper`` and ``focused``) are
understood.
"""

from __future__ import annotations

import hashlib
import json
import re
import threading
from typing import Any

from longrlvr.grammar import format_response, prompt_chunks

HEADER_RE = re.compile(r"^(?:### Chunk (\d+)|\[Chunk (\d+)\])\n", re.MULTILINE)
PROMPT_TAILS = ("\n\nWrite exactly ONE", "\n\n**Question:**")
NUMBER_RE = re.compile(r"\b\d{2,4}\b")
TAG_RE = re.compile(r"record #([0-9a-f]{6})")
VARIANTS = ("skipped", "malformed", "trivia", "vague", "bad_evidence", "probe_wrong")  # then 6 kinds of good
KINDS = (
    ("generate", "Write exactly ONE question"),
    ("generate_paper", "Generate exactly ONE question"),
    ("judge_qa", "strict reviewer of question-answer pairs"),
    ("judge_qa_paper", "rating the quality of question-answer pairs"),
    ("rate_answer", "rating the quality and accuracy of generated answers"),
    ("closed_book", "Answer the following question as concisely"),
    ("verdict", "<candidate_answer>"),
    ("full_probe", "<CHUNK_0>"),
)
BROKEN_JSON = '```json\n{"question": "What happened?", "answer": 12, evidence: [0, 1}\n```'


def _digest(text: str) -> int:
    return int(hashlib.sha256(text.encode()).hexdigest()[:12], 16)


def _words(text: str, n: int) -> str:
    return " ".join(text.split()[:n])


def _tag(chunk: str) -> str:
    return f"{_digest(chunk):012x}"[:6]


def _variant(chunk: str) -> str:
    h = _digest(chunk)
    return VARIANTS[h % 12] if h % 12 < len(VARIANTS) else "good"


def cluster_chunks(content: str) -> list[str]:
    """The chunk texts of a generation prompt, in id order (either header style)."""
    heads = list(HEADER_RE.finditer(content))
    end = min((i for i in (content.find(t) for t in PROMPT_TAILS) if i >= 0), default=len(content))
    bounds = [h.end() for h in heads] + [end]
    starts = [h.start() for h in heads[1:]] + [end]
    return [content[bounds[i] : starts[i]].strip() for i in range(len(heads))]


class ScriptedPipelineModel:
    """``handler(request) -> reply`` of the fake server for every prompt the pipeline sends."""

    def __init__(self) -> None:
        self.seen: set[str] = set()
        self.lock = threading.Lock()
        self.calls: dict[str, int] = {}

    def new_run(self) -> None:
        """Forget which requests were seen (a fresh model process)."""
        with self.lock:
            self.seen.clear()

    def _first_sighting(self, content: str) -> bool:
        with self.lock:
            first = content not in self.seen
            self.seen.add(content)
            return first

    def __call__(self, request: dict[str, Any]) -> str:
        content = request["messages"][-1]["content"]
        kind = next((name for name, marker in KINDS if marker in content), "unknown")
        with self.lock:
            self.calls[kind] = self.calls.get(kind, 0) + 1
        return getattr(self, f"_{kind}")(content)

    def _question(self, content: str) -> dict[str, Any] | str:
        """The scripted question of a generation prompt: a dict, or ``SKIPPED`` / ``BROKEN_JSON``."""
        chunks = cluster_chunks(content)
        focus_match = re.search(r"Start from Chunk (\d+)", content)
        focus = int(focus_match.group(1)) if focus_match else _digest(content) % len(chunks)
        other = (focus + 1) % len(chunks)
        variant = _variant(chunks[focus])
        if variant == "skipped":
            return "SKIPPED"
        if variant == "malformed" or (
            variant == "good" and _digest(chunks[focus]) % 3 == 0 and self._first_sighting(content)
        ):
            return BROKEN_JSON
        question = (
            f'Which number appears in record #{_tag(chunks[focus])}, the one that begins "{_words(chunks[focus], 8)}", '
            f'read together with the record that begins "{_words(chunks[other], 6)}"?'
        )
        answer, evidence = NUMBER_RE.findall(chunks[focus])[0], [focus, other]
        if variant == "trivia":
            question, answer = f"What is the capital of France (asked about {_words(chunks[focus], 4)})?", "Paris"
        elif variant == "vague":
            question = f"What is it about {_words(chunks[focus], 3)}?"
        elif variant == "bad_evidence":
            evidence = [focus, len(chunks) + 5]
        return {"question": question, "answer": answer, "evidence": evidence}

    def _generate(self, content: str) -> str:
        qa = self._question(content)
        return qa if isinstance(qa, str) else json.dumps(qa)

    def _generate_paper(self, content: str) -> str:
        qa = self._question(content)
        if qa == "SKIPPED":
            return json.dumps({"question": "SKIPPED", "answer": None})
        if isinstance(qa, str):
            return qa
        answer = {"text": qa["answer"], "evidence": qa["evidence"], "explanation": "scripted"}
        return "<think>scripted reasoning</think>\n" + json.dumps({"question": qa["question"], "answer": answer})

    def _score(self, question: str) -> int:
        return 3 if question.startswith("What is it about") else 9

    def _judge_qa(self, content: str) -> str:
        question = re.search(r"^Question: (.*)$", content, re.MULTILINE).group(1)
        if _digest(question) % 4 == 0 and self._first_sighting(content):
            return '{"relevance": "9/10", "accuracy": 9}'
        rubric = {k: self._score(question) for k in ("relevance", "accuracy", "completeness", "clarity", "context_use")}
        return json.dumps({**rubric, "reason": "scripted"})

    def _judge_qa_paper(self, content: str) -> str:
        question = re.search(r"^\*\*Question:\*\* (.*)$", content, re.MULTILINE).group(1)
        if _digest(question) % 4 == 0 and self._first_sighting(content):
            return "Rating: nine out of ten"
        return f"<think>scripted</think>\n[[{self._score(question)}.0]]"

    def _rate_answer(self, content: str) -> str:
        reference = re.search(r"^\*\*Ground Truth Answer:\*\* (.*)$", content, re.MULTILINE).group(1)
        candidate = re.search(r"^\*\*Generated Answer to Evaluate:\*\* (.*)$", content, re.MULTILINE).group(1)
        return "[[10]]" if candidate.strip() == reference.strip() else "[[2]]"

    def _closed_book(self, content: str) -> str:
        return "Paris" if "capital of France" in content else "I am not sure, maybe 42."

    def _full_probe(self, content: str) -> str:
        question = re.search(r"\n\nQuestion: (.*?)\n\n", content, re.DOTALL).group(1)
        chunks = prompt_chunks(content)
        answer, right = "unknown", False
        if "capital of France" in question:
            answer, right = "Paris", True
        elif tag := TAG_RE.search(question):
            focus = next((text.strip() for text in chunks.values() if _tag(text.strip()) == tag.group(1)), None)
            if focus is not None:
                answer, right = NUMBER_RE.findall(focus)[0], _variant(focus) != "probe_wrong"
        used = [i for i, text in chunks.items() if answer in text][:3]
        return format_response(used, answer if right else "a number nobody recorded", think="scripted")

    def _verdict(self, content: str) -> str:
        return "[[No]]"  # only reached when the rule (exact match) already said no

    def _unknown(self, content: str) -> str:
        raise ValueError(f"unexpected prompt: {content[:200]}")
