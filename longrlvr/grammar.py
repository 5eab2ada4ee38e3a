"""The one prompt/response grammar of LongRLVR.

Prompt: the document as consecutive ``<CHUNK_i>`` blocks (i from 0), the question, then the
output instructions. Response: optional ``<think>…</think>``, exactly one
``<useful_chunks>…</useful_chunks>`` naming chunk ids, exactly one ``<answer>…</answer>``.

Everything that reads or writes this format (rewards, data, local engine, eval) goes through
this module. The parser never raises: it returns a :class:`ParsedResponse` with a
``format_error`` reason instead.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Sequence

DEFAULT_INSTRUCTION = (
    "First, think step by step inside <think> </think>. "
    "Then list the ids of every chunk that contains evidence you used inside "
    "<useful_chunks> </useful_chunks>, for example <useful_chunks><CHUNK_2>, <CHUNK_7></useful_chunks>. "
    "Finally, give a concise final answer inside <answer> </answer>."
)
DEFAULT_PREAMBLE = (
    "Read the following document, which is split into chunks marked <CHUNK_i>, "
    "and answer the question after it."
)

# One regex for a chunk id, in every variant a model writes: <CHUNK_3>, CHUNK_3, CHUNK 3, Chunk_3,
# chunk-3, </CHUNK_3>. Used for prompts and responses alike.
CHUNK_ID_RE = re.compile(r"(?:</?\s*)?\bchunk[\s_\-]*(\d+)\s*>?", re.IGNORECASE)
_CHUNK_BLOCK_OPEN_RE = re.compile(r"^<CHUNK_(\d+)>$", re.MULTILINE)
_THINK_CLOSE = "</think>"
_BARE_IDS_RE = re.compile(r"^[\s\d,;\[\]()]*$")
_NONE_WORDS = {"", "none", "n/a", "null", "[]"}

FORMAT_ERRORS = (
    "not_a_string",
    "missing_answer",
    "multiple_answer",
    "missing_chunks",
    "multiple_chunks",
    "invalid_chunk_ids",
)


def chunk_tag(index: int) -> str:
    """The tag that opens chunk ``index``: ``<CHUNK_index>``."""
    return f"<CHUNK_{index}>"


def format_context(chunks: Sequence[str]) -> str:
    """Render chunks as consecutive tagged blocks ``<CHUNK_i>\\ntext\\n</CHUNK_i>``."""
    return "\n".join(f"{chunk_tag(i)}\n{text}\n</CHUNK_{i}>" for i, text in enumerate(chunks))


# The release format: what the authors' eval files show for the released checkpoints. The context opens
# with ``Document:`` and each chunk is its tag followed directly by its text (no closing tag), one per line.
RELEASE_INSTRUCTION = (
    "Think step by step inside <think> </think>. "
    "Then list the chunks that contain the evidence you used inside <useful_chunks> </useful_chunks>, "
    "for example <useful_chunks><CHUNK_2> <CHUNK_7></useful_chunks>. "
    "Finally, give the final answer inside <answer> </answer>."
)
# When the chat template already opens ``<think>`` (the released models' templates do), the prompt must not
# ask for a second one.
RELEASE_INSTRUCTION_THINK_OPENED = (
    "Your reasoning is already open: think step by step and close it with </think>. "
    "Then list the chunks that contain the evidence you used inside <useful_chunks> </useful_chunks>, "
    "for example <useful_chunks><CHUNK_2> <CHUNK_7></useful_chunks>. "
    "Finally, give the final answer inside <answer> </answer>."
)
RELEASE_DOCUMENT_HEAD = "Document:\n"
PROMPT_FORMATS = ("longrlvr", "release")
_RELEASE_TAG_RE = re.compile(r"<CHUNK_(\d{1,9})>")
_QUESTION_LABEL = "Question:"


def format_release_context(chunks: Sequence[str]) -> str:
    """``Document:`` then ``<CHUNK_i>text`` lines (the authors' inline format)."""
    return RELEASE_DOCUMENT_HEAD + "\n".join(f"{chunk_tag(i)}{text}" for i, text in enumerate(chunks))


def build_prompt(
    chunks: Sequence[str],
    question: str,
    *,
    instruction: str | None = None,
    preamble: str = DEFAULT_PREAMBLE,
    prompt_format: str = "longrlvr",
    think_opened: bool = False,
) -> str:
    """Build the user prompt: tagged document, question, output instructions.

    ``longrlvr`` (default): preamble and ``<CHUNK_i>\\n…\\n</CHUNK_i>`` blocks. ``release``: the released
    checkpoints' ``Document:\\n<CHUNK_0>text`` layout; ``think_opened`` says the chat template already opened
    ``<think>``, so the instruction only asks to close it.
    """
    if prompt_format == "longrlvr":
        text = instruction if instruction is not None else DEFAULT_INSTRUCTION
        return f"{preamble}\n\n{format_context(chunks)}\n\nQuestion: {question}\n\n{text}"
    if prompt_format == "release":
        default = RELEASE_INSTRUCTION_THINK_OPENED if think_opened else RELEASE_INSTRUCTION
        text = instruction if instruction is not None else default
        return f"{format_release_context(chunks)}\n\nQuestion: {question}\n\n{text}"
    raise ValueError(f"unknown prompt_format {prompt_format!r}; expected one of {PROMPT_FORMATS}")


def release_prompt_chunks(prompt: str, question: str | None = None) -> list[str] | None:
    """The chunk texts of a prompt in the release format (inverse of ``format_release_context``), or None.

    Tags must run ``<CHUNK_0>, <CHUNK_1>, …`` in order before the question; a tag out of sequence is chunk
    text. The last chunk ends where ``question`` (when given and found after it) starts, less a
    ``Question:`` label; else at the next blank line. A trailing ``</CHUNK_i>`` and the whitespace between
    chunks are not part of the text.
    """
    start = prompt.find(RELEASE_DOCUMENT_HEAD)
    if start < 0:
        return None
    cut = prompt.rfind(question) if question else -1
    limit = cut if cut > start else prompt.rfind("\n\n" + _QUESTION_LABEL)
    bounds: list[tuple[int, int]] = []
    for m in _RELEASE_TAG_RE.finditer(prompt, start, limit if limit > start else len(prompt)):
        if int(m.group(1)) == len(bounds):
            bounds.append((m.start(), m.end()))
    if not bounds:
        return None
    last = bounds[-1][1]
    if cut >= last:
        head = prompt[last:cut].rstrip()
        end = last + len(head) - (len(_QUESTION_LABEL) if head.endswith(_QUESTION_LABEL) else 0)
    else:
        blank = prompt.find("\n\n", last)
        end = blank if blank >= 0 else len(prompt)
    ends = [b[0] for b in bounds[1:]] + [end]
    texts = []
    for i, ((_, open_end), close) in enumerate(zip(bounds, ends, strict=True)):
        text = prompt[open_end:close].rstrip()
        closing = f"</CHUNK_{i}>"
        texts.append(text[: -len(closing)] if text.endswith(closing) else text)
    return texts


def prompt_chunk_ids(prompt: str) -> list[int]:
    """Ids of the chunk blocks opened in a prompt built by :func:`build_prompt`, in order."""
    return [int(m) for m in _CHUNK_BLOCK_OPEN_RE.findall(prompt)]


def prompt_chunks(prompt: str) -> dict[int, str]:
    """Map chunk id -> chunk text for a prompt built by :func:`build_prompt`."""
    out: dict[int, str] = {}
    for cid in prompt_chunk_ids(prompt):
        start = prompt.find(f"{chunk_tag(cid)}\n")
        end = prompt.find(f"\n</CHUNK_{cid}>", start)
        if start >= 0 and end >= 0:
            out[cid] = prompt[start + len(chunk_tag(cid)) + 1 : end]
    return out


def format_response(chunk_ids: Sequence[int], answer: str, think: str | None = None) -> str:
    """Write a well-formed response (used for warm-start SFT targets and tests)."""
    ids = ", ".join(chunk_tag(i) for i in chunk_ids)
    head = f"<think>{think}</think>\n" if think is not None else ""
    return f"{head}<useful_chunks>{ids}</useful_chunks>\n<answer>{answer}</answer>"


@dataclass(frozen=True)
class ParsedResponse:
    """A parsed response. ``chunk_ids`` keeps order and duplicates; ``format_error`` is None iff ok."""

    chunk_ids: tuple[int, ...] = ()
    answer: str | None = None
    think: str | None = None
    format_error: str | None = None
    out_of_range: tuple[int, ...] = field(default_factory=tuple)

    @property
    def format_ok(self) -> bool:
        return self.format_error is None


def _single_tag(body: str, tag: str) -> tuple[str | None, int]:
    """Contents of the single ``<tag>…</tag>`` in body (None if absent) and how many there are."""
    found = re.findall(rf"<{tag}>(.*?)</{tag}>", body, flags=re.DOTALL | re.IGNORECASE)
    return (found[0] if len(found) == 1 else None), len(found)


def parse_chunk_ids(text: str) -> tuple[int, ...] | None:
    """Chunk ids named in ``text`` (order and duplicates kept); None if the text names none readably."""
    ids = tuple(int(m) for m in CHUNK_ID_RE.findall(text))
    if ids:
        return ids
    stripped = text.strip()
    if stripped.lower() in _NONE_WORDS:
        return ()
    if _BARE_IDS_RE.match(stripped):
        return tuple(int(d) for d in re.findall(r"\d+", stripped))
    return None


def parse_response(text: object, num_chunks: int | None = None) -> ParsedResponse:
    """Parse a model response; never raises.

    The tags are read after the last ``</think>`` when there is one, so that a draft answer
    inside the reasoning does not count twice. Ids ``>= num_chunks`` (when known) stay in
    ``chunk_ids`` as wrong picks and are also listed in ``out_of_range``.
    """
    if not isinstance(text, str):
        return ParsedResponse(format_error="not_a_string")
    think = None
    body = text
    cut = text.rfind(_THINK_CLOSE)
    if cut >= 0:
        head = text[:cut]
        open_at = head.find("<think>")
        think = head[open_at + len("<think>") :] if open_at >= 0 else head
        body = text[cut + len(_THINK_CLOSE) :]

    answer, n_answer = _single_tag(body, "answer")
    chunks_text, n_chunks = _single_tag(body, "useful_chunks")
    error = None
    if n_answer == 0:
        error = "missing_answer"
    elif n_answer > 1:
        error = "multiple_answer"
    elif n_chunks == 0:
        error = "missing_chunks"
    elif n_chunks > 1:
        error = "multiple_chunks"
    ids: tuple[int, ...] = ()
    if chunks_text is not None:
        parsed = parse_chunk_ids(chunks_text)
        if parsed is None:
            error = error or "invalid_chunk_ids"
        else:
            ids = parsed
    out_of_range = tuple(i for i in ids if num_chunks is not None and i >= num_chunks)
    return ParsedResponse(
        chunk_ids=ids,
        answer=answer.strip() if answer is not None else None,
        think=think,
        format_error=error,
        out_of_range=out_of_range,
    )
