"""A scripted stand-in LLM that answers every prompt of the grounded-QA pipeline, for ANY documents.

A smoke-test double (``longrlvr data run --toy-llm``), not a data generator: its questions are mechanical
reading checks. Serve it with ``longrlvr.testing.fake_llm_server.FakeLLMServer(ScriptedPipelineModel())``.

Every reply is built from the documents' own text. A good question quotes ``QUOTE_WORDS`` words of its focus
chunk and ``OTHER_WORDS`` words of a second chunk of the cluster; its answer is the first word of three or more
letters or digits after the quote, so the answer is a substring of the focus chunk and the evidence is the two
chunks. The full-context probe finds the quote in the document it is shown and answers the same way, naming the
chunks holding the two quotes; the closed-book probe never sees the text, so it never knows the answer.

Stateless: every reply is a function of the request alone (and of whether this process saw the request before,
for the "malformed first" cases), so a killed-and-rerun pipeline gets the same replies. The mix, chosen per
focus chunk by a hash of its whitespace-normalised text: SKIPPED, always-malformed JSON, malformed-then-fixed
JSON, trivia that leaks, vague low-quality questions, evidence outside the cluster, questions the full probe
gets wrong, and good ones (half of all chunks). Both prompt sets (``paper`` and ``focused``) are understood.
Every text operation is linear in the prompt; a short or odd chunk gives ``SKIPPED``, never an exception.
"""

from __future__ import annotations

import hashlib
import json
import re
import threading
from collections.abc import Sequence
from typing import Any

from longrlvr.grammar import format_response, prompt_chunks
from longrlvr.rewards.guard import degenerate_gold

HEADER_RE = re.compile(r"^(?:### Chunk (\d+)|\[Chunk (\d+)\])\n", re.MULTILINE)
PROMPT_TAILS = ("\n\nWrite exactly ONE", "\n\n**Question:**")
ANSWER_WORD_RE = re.compile(r"\W*([^\W_](?:[\w-]*[^\W_])?)\W*")  # a word less its surrounding punctuation
QUESTION_RE = re.compile(r'says "([^"]*)", which word of three or more letters comes first after "([^"]*)"\?')
QUOTE_WORDS = 8
OTHER_WORDS = 6
MIN_ANSWER_LEN = 3
VARIANTS = ("skipped", "malformed", "trivia", "vague", "bad_evidence", "probe_wrong")  # then 6 of 12: good
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
WRONG_ANSWER = "a word nobody wrote"
SKIPPED = "SKIPPED"


def _digest(text: str) -> int:
    return int(hashlib.sha256(text.encode()).hexdigest()[:12], 16)


def words(text: str) -> list[str]:
    """The whitespace-separated words of ``text`` with ``"`` made ``'`` (so a quote never breaks a question)."""
    return text.replace('"', "'").split()


def normalized(text: str) -> str:
    return " ".join(words(text))


def _variant(chunk: str) -> str:
    h = _digest(normalized(chunk))
    return VARIANTS[h % 12] if h % 12 < len(VARIANTS) else "good"


def answer_word(word: str) -> str | None:
    """``word`` less surrounding punctuation when it is a clean word of >= 3 characters (a substring of the
    raw text) that names something (not a function word such as ``the``: a degenerate gold), else None."""
    match = ANSWER_WORD_RE.fullmatch(word)
    if not match or len(match.group(1)) < MIN_ANSWER_LEN or degenerate_gold(match.group(1)):
        return None
    return match.group(1)


def _next_answers(ws: Sequence[str]) -> list[int]:
    """``nxt[i]``: the smallest ``j >= i`` whose word is an answer word (``len(ws)`` if none); one backward pass."""
    nxt = [len(ws)] * (len(ws) + 1)
    for i in range(len(ws) - 1, -1, -1):
        nxt[i] = i if answer_word(ws[i]) is not None else nxt[i + 1]
    return nxt


def anchor(chunk: str, salt: int) -> tuple[str, str] | None:
    """``(quote, answer)`` for a chunk: ``QUOTE_WORDS`` words starting near ``salt`` and the first answer word
    after them; the quote's first occurrence in the chunk is the one used. None when the chunk is too short."""
    ws = words(chunk)
    nxt = _next_answers(ws)
    last = len(ws) - QUOTE_WORDS  # starts s with s + QUOTE_WORDS <= len(ws) - 1
    if last <= 0:
        return None
    start = salt % last
    if nxt[start + QUOTE_WORDS] >= len(ws):  # no answer word after this start: the valid starts are a prefix
        start = 0
        if nxt[QUOTE_WORDS] >= len(ws):
            return None
    quote = " ".join(ws[start : start + QUOTE_WORDS])
    found = answer_after(ws, quote)
    return None if found is None else (quote, found)


def _anchor(chunk: str) -> tuple[str, str] | None:
    return anchor(chunk, _digest(normalized(chunk)))


def answer_after(ws: Sequence[str], quote: str) -> str | None:
    """The first answer word after the first occurrence of ``quote`` (whole words) in ``ws``, or None."""
    text = f" {' '.join(ws)} "
    at = text.find(f" {quote} ")
    if at < 0:
        return None
    index = text.count(" ", 0, at + 1) - 1 + len(quote.split())  # the word right after the quote
    nxt = _next_answers(ws[index:])[0] + index if index < len(ws) else len(ws)
    return answer_word(ws[nxt]) if nxt < len(ws) else None


def cluster_chunks(content: str) -> list[str]:
    """The chunk texts of a generation prompt, in id order (either header style)."""
    heads = list(HEADER_RE.finditer(content))
    end = min((i for i in (content.find(t) for t in PROMPT_TAILS) if i >= 0), default=len(content))
    bounds = [h.end() for h in heads] + [end]
    starts = [h.start() for h in heads[1:]] + [end]
    return [content[bounds[i] : starts[i]].strip() for i in range(len(heads))]


def _line_after(content: str, label: str) -> str:
    """The rest of the line after the LAST ``label`` (a document may contain the label itself)."""
    at = content.rfind(label)
    if at < 0:
        return ""
    start = at + len(label)
    end = content.find("\n", start)
    return content[start : end if end >= 0 else len(content)].strip()


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
        if len(chunks) < 2:
            return SKIPPED
        focus_match = re.search(r"Start from Chunk (\d+)", content)
        start = int(focus_match.group(1)) % len(chunks) if focus_match else _digest(content) % len(chunks)
        # the asked-for chunk, else the next one long enough to quote (badges and headings are not)
        focus, found = next(
            ((f, a) for f in ((start + k) % len(chunks) for k in range(len(chunks))) if (a := _anchor(chunks[f]))),
            (start, None),
        )
        other = (focus + 1) % len(chunks)
        variant = _variant(chunks[focus])
        other_words = words(chunks[other])[:OTHER_WORDS]
        if variant == "skipped" or found is None or not other_words:
            return SKIPPED
        if variant == "malformed" or (
            variant == "good" and _digest(chunks[focus]) % 3 == 0 and self._first_sighting(content)
        ):
            return BROKEN_JSON
        quote, answer = found
        question = (
            f'In the passage that also says "{" ".join(other_words)}", which word of three or more letters comes '
            f'first after "{quote}"?'
        )
        evidence = [focus, other]
        if variant == "trivia":
            question, answer = f"What is the capital of France (asked about {' '.join(words(quote)[:4])})?", "Paris"
        elif variant == "vague":
            question = f"What is it about {' '.join(words(quote)[:3])}?"
        elif variant == "bad_evidence":
            evidence = [focus, len(chunks) + 5]
        return {"question": question, "answer": answer, "evidence": evidence}

    def _generate(self, content: str) -> str:
        qa = self._question(content)
        return qa if isinstance(qa, str) else json.dumps(qa)

    def _generate_paper(self, content: str) -> str:
        qa = self._question(content)
        if qa == SKIPPED:
            return json.dumps({"question": SKIPPED, "answer": None})
        if isinstance(qa, str):
            return qa
        answer = {"text": qa["answer"], "evidence": qa["evidence"], "explanation": "scripted"}
        return "<think>scripted reasoning</think>\n" + json.dumps({"question": qa["question"], "answer": answer})

    def _score(self, question: str) -> int:
        return 3 if question.startswith("What is it about") else 9

    def _judge_qa(self, content: str) -> str:
        question = _line_after(content, "\nQuestion: ")
        if _digest(question) % 4 == 0 and self._first_sighting(content):
            return '{"relevance": "9/10", "accuracy": 9}'
        rubric = {k: self._score(question) for k in ("relevance", "accuracy", "completeness", "clarity", "context_use")}
        return json.dumps({**rubric, "reason": "scripted"})

    def _judge_qa_paper(self, content: str) -> str:
        question = _line_after(content, "**Question:** ")
        if _digest(question) % 4 == 0 and self._first_sighting(content):
            return "Rating: nine out of ten"
        return f"<think>scripted</think>\n[[{self._score(question)}.0]]"

    def _rate_answer(self, content: str) -> str:
        reference = _line_after(content, "**Ground Truth Answer:** ")
        candidate = _line_after(content, "**Generated Answer to Evaluate:** ")
        return "[[10]]" if candidate and candidate == reference else "[[2]]"

    def _closed_book(self, content: str) -> str:
        return "Paris" if "capital of France" in content else "I am not sure."

    def _full_probe(self, content: str) -> str:
        at = content.rfind("\n\nQuestion: ")
        end = content.find("\n\n", at + 2) if at >= 0 else -1
        question = content[at + len("\n\nQuestion: ") : end if end >= 0 else len(content)] if at >= 0 else ""
        chunks = {i: words(text) for i, text in prompt_chunks(content).items()}
        if "capital of France" in question:
            return format_response([], "Paris", think="scripted")
        match = QUESTION_RE.search(question)
        if match is None:
            return format_response([], "unknown", think="scripted")
        other, quote = match.group(1), match.group(2)
        focus = next((i for i, ws in chunks.items() if f" {quote} " in f" {' '.join(ws)} "), None)
        if focus is None:
            return format_response([], "unknown", think="scripted")
        answer = answer_after(chunks[focus], quote) or "unknown"
        if _variant(" ".join(chunks[focus])) == "probe_wrong":
            answer = WRONG_ANSWER
        second = next((i for i, ws in chunks.items() if " ".join(ws).startswith(other) and i != focus), None)
        used = sorted({focus, *([] if second is None else [second])})
        return format_response(used, answer, think="scripted")

    def _verdict(self, content: str) -> str:
        return "[[No]]"  # only reached when the rule (exact match) already said no

    def _unknown(self, content: str) -> str:
        raise ValueError(f"unexpected prompt: {content[:200]}")
