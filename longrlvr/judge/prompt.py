"""The binary verdict prompt (a package text file) and its strict ``[[Yes]]``/``[[No]]`` parser."""

from __future__ import annotations

import re
from collections.abc import Sequence
from functools import lru_cache
from importlib import resources
from pathlib import Path

DEFAULT_PROMPT = "verdict.txt"
_VERDICT_RE = re.compile(r"\[\[\s*(yes|no)\s*\]\]", re.IGNORECASE)
_THINK_RE = re.compile(r"<think>.*?(</think>|$)", re.DOTALL | re.IGNORECASE)
_DELIMITER_RE = re.compile(r"<\s*/?\s*candidate_answer\s*>", re.IGNORECASE)
ELLIPSIS = " [...]"
PASSAGES_BLOCK = "\nPassages that support the reference answer (context only):\n<passages>\n{body}\n</passages>\n"


@lru_cache(maxsize=8)
def load_template(path: str | None = None) -> str:
    """The prompt template: ``path`` if given, else the packaged ``prompts/verdict.txt``."""
    if path:
        return Path(path).read_text(encoding="utf-8")
    return resources.files("longrlvr.judge").joinpath("prompts", DEFAULT_PROMPT).read_text(encoding="utf-8")


def reference_text(reference: str | Sequence[str]) -> str:
    """One reference string, or several shown as alternatives."""
    if isinstance(reference, str):
        return reference
    return reference[0] if len(reference) == 1 else "any of: " + " | ".join(reference)


def cap_passages(chunks: str | Sequence[str] | None, max_chars: int) -> list[str]:
    """Reference chunks in order, truncated so their total length stays within ``max_chars``."""
    if not chunks or max_chars <= 0:
        return []
    out, left = [], max_chars
    for chunk in [chunks] if isinstance(chunks, str) else chunks:
        chunk = str(chunk).strip()
        if left <= len(ELLIPSIS):
            break
        if len(chunk) > left:
            chunk = chunk[: left - len(ELLIPSIS)] + ELLIPSIS
        out.append(chunk)
        left -= len(chunk)
    return out


def fence_candidate(candidate: str) -> str:
    """The candidate made unable to close its own fence, in one linear pass: copies of the delimiter tags are
    removed and every remaining ``<``/``>`` is escaped (``&lt;``/``&gt;``), so no tag can be re-formed from the
    pieces (``Lyon</candidate_</candidate_answer>answer>``)."""
    text = _DELIMITER_RE.sub("", candidate)
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;").strip()


def build_messages(
    question: str,
    reference: str | Sequence[str],
    candidate: str,
    ref_chunks_text: str | Sequence[str] | None = None,
    *,
    max_ref_chars: int = 12_000,
    template: str | None = None,
) -> list[dict[str, str]]:
    """The chat messages asking for a verdict on ``candidate``."""
    passages = cap_passages(ref_chunks_text, max_ref_chars)
    passage_block = ""
    if passages:
        passage_block = PASSAGES_BLOCK.format(body="\n\n".join(passages))
    prompt = (template or load_template()).format(
        question=question.strip(),
        reference=reference_text(reference).strip(),
        reference_passages=passage_block,
        candidate=fence_candidate(candidate),
    )
    return [{"role": "user", "content": prompt}]


def parse_verdict(reply: str) -> bool:
    """True for ``[[Yes]]``, False for ``[[No]]``; ValueError when the reply has neither or both.

    A ``<think>`` block is ignored; case and spaces inside the brackets are tolerated, nothing else is guessed.
    """
    found = {m.lower() for m in _VERDICT_RE.findall(_THINK_RE.sub("", reply))}
    if len(found) != 1:
        reason = "no [[Yes]]/[[No]] verdict" if not found else "both [[Yes]] and [[No]]"
        raise ValueError(f"{reason} in judge reply {reply[:200]!r}")
    return found.pop() == "yes"
