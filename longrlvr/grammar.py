"""The one prompt/response grammar of LongRLVR.

Prompt: the document as consecutive ``<CHUNK_i>`` blocks (i from 0), the question, then the
output instructions. Response: optional ``<think>…</think>``, exactly one
``<useful_chunks>…</useful_chunks>`` naming chunk ids, exactly one ``<answer>…</answer>``.

Everything that reads or writes this format (rewards, data, local engine, eval) goes through
this module. The parser (:func:`parse_response`, rule documented above it and in docs/judge.md)
accepts every response the authors' reader accepts, runs in linear time and never raises: it
returns a :class:`ParsedResponse` with a ``format_error`` reason instead.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass, field

DEFAULT_INSTRUCTION = (
    "First, think step by step inside <think> </think>. "
    "Then list the ids of every chunk that contains evidence you used inside "
    "<useful_chunks> </useful_chunks>, for example <useful_chunks><CHUNK_2>, <CHUNK_7></useful_chunks>. "
    "Finally, give a concise final answer inside <answer> </answer>."
)
DEFAULT_PREAMBLE = (
    "Read the following document, which is split into chunks marked <CHUNK_i>, and answer the question after it."
)

_CHUNK_BLOCK_OPEN_RE = re.compile(r"^<CHUNK_(\d{1,9})>$", re.MULTILINE)
_THINK_CLOSE = "</think>"


def chunk_tag(index: int) -> str:
    """The tag that opens chunk ``index``: ``<CHUNK_index>``."""
    return f"<CHUNK_{index}>"


# "<" + optional "/" + spaces + a grammar tag name, any case; bounded lookahead, no nesting: linear time.
_TAG_LIKE_RE = re.compile(
    r"<(?=[ \t]{0,8}/?[ \t]{0,8}(?:chunk[ \t_-]{0,4}\d|useful[ \t_-]?chunks|answer|think))", re.IGNORECASE
)
ESCAPED_LT = "&lt;"


def escape_tags(text: str) -> tuple[str, int]:
    """``(text, n)``: every ``<`` that opens something looking like a grammar tag (``<CHUNK_5>``, ``</chunk 5>``,
    ``<useful_chunks>``, ``<answer>``, ``<think>``, any case and spacing) becomes ``&lt;``, so chunk text can never
    open or close a block nor be read as a chunk id. Idempotent; ``n`` counts the escaped tags."""
    return _TAG_LIKE_RE.subn(ESCAPED_LT, text)


def escape_chunk(text: str) -> str:
    """The chunk text as it stands in a prompt (:func:`escape_tags`, no count)."""
    return _TAG_LIKE_RE.sub(ESCAPED_LT, text)


def chunk_order_error(ids: Sequence[int]) -> str | None:
    """None when ``ids`` is 0..n-1 in order; else a message naming the first block out of order."""
    for position, cid in enumerate(ids):
        if cid != position:
            return f"chunk blocks must be <CHUNK_0>..<CHUNK_n-1> in order: block {position} is <CHUNK_{cid}>"
    return None


def format_context(chunks: Sequence[str]) -> str:
    """Render chunks as consecutive tagged blocks ``<CHUNK_i>\\ntext\\n</CHUNK_i>`` (tag-like text escaped)."""
    return "\n".join(f"{chunk_tag(i)}\n{escape_chunk(text)}\n</CHUNK_{i}>" for i, text in enumerate(chunks))


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
    """``Document:`` then ``<CHUNK_i>text`` lines (the authors' inline format, text verbatim as theirs: an
    out-of-sequence tag in a text stays text for their reader; ``data convert`` refuses a repeated one)."""
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


def duplicated_release_tags(prompt: str, question: str | None = None) -> list[int]:
    """Ids whose ``<CHUNK_k>`` occurs more than once in a release-format prompt's document (the region that
    :func:`release_prompt_chunks` reads): the chunk split is then ambiguous."""
    start = prompt.find(RELEASE_DOCUMENT_HEAD)
    if start < 0:
        return []
    cut = prompt.rfind(question) if question else -1
    limit = cut if cut > start else prompt.rfind("\n\n" + _QUESTION_LABEL)
    seen: dict[int, int] = {}
    for m in _RELEASE_TAG_RE.finditer(prompt, start, limit if limit > start else len(prompt)):
        seen[int(m.group(1))] = seen.get(int(m.group(1)), 0) + 1
    return sorted(k for k, count in seen.items() if count > 1)


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
    """A parsed response. ``chunk_ids`` keeps order and duplicates; ``format_error`` is None iff ok.

    ``chunks_ok`` is False when the chunk list is missing or names no id readably (the context score is then 0).
    """

    chunk_ids: tuple[int, ...] = ()
    answer: str | None = None
    think: str | None = None
    format_error: str | None = None
    out_of_range: tuple[int, ...] = field(default_factory=tuple)
    chunks_ok: bool = False

    @property
    def format_ok(self) -> bool:
        return self.format_error is None


# ---------------------------------------------------------------------------------------------------
# Response parser.
#
# The rule (the authors' reader, recipe/dapo/longrl_reward_manager.py, made a little smarter, never
# stricter): a response is well-formed when it holds exactly one ``<useful_chunks>…</useful_chunks>``
# and exactly one ``<answer>…</answer>`` (case-sensitive tags, non-overlapping left-to-right pairs,
# anywhere, also inside ``<think>``). When the text after the last ``</think>`` holds exactly one of a
# tag, that one is used, so a draft inside the reasoning does not make the response ambiguous. Ids are
# the ``<CHUNK_i>`` tags (and the looser ``CHUNK_i``/``chunk i``/bare-number lists) of the chunk list;
# closing tags ``</CHUNK_i>`` are not ids. An empty or unreadable chunk list is not a format error: the
# context score is 0 and the answer is still scored. Scanning is ``str.find`` based: linear on any input.
# ---------------------------------------------------------------------------------------------------

_THINK_OPEN = "<think>"
_ID_RE = re.compile(r"(</\s*)?\bchunk[ \t_\-]*(\d++)(?!\w)", re.IGNORECASE)
_DIGITS_RE = re.compile(r"\d+")
_BARE_IDS_RE = re.compile(r"[\s\d,;\[\]()]*")
_NONE_WORDS = {"", "none", "n/a", "null", "[]", "no chunks"}
MAX_ID_DIGITS = 9  # longer ids cannot name a chunk; int() of > 4300 digits would raise
BAD_ID = -1  # stands for an id that cannot exist (too many digits): a wrong pick

FORMAT_ERRORS = ("not_a_string", "missing_answer", "multiple_answer", "missing_chunks", "multiple_chunks")


def tag_spans(text: str, tag: str, limit: int = 2) -> list[tuple[int, int]]:
    """Content spans of up to ``limit`` non-overlapping ``<tag>…</tag>`` pairs, left to right.

    The same pairs as ``re.finditer('<tag>(.*?)</tag>', text, re.DOTALL)``, found with ``str.find`` in
    linear time: once an opening tag has no closing tag after it, no later one has either.
    """
    open_tag, close_tag = f"<{tag}>", f"</{tag}>"
    spans: list[tuple[int, int]] = []
    pos = 0
    while len(spans) < limit:
        start = text.find(open_tag, pos)
        if start < 0:
            break
        end = text.find(close_tag, start + len(open_tag))
        if end < 0:
            break
        spans.append((start + len(open_tag), end))
        pos = end + len(close_tag)
    return spans


def _single(text: str, body_at: int, tag: str) -> tuple[str | None, str | None]:
    """``(content, error)`` of the one ``<tag>`` pair: after ``body_at`` if exactly one is there, else in the
    whole text."""
    if body_at > 0:
        after = tag_spans(text[body_at:], tag)
        if len(after) == 1:
            s, e = after[0]
            return text[body_at + s : body_at + e], None
    spans = tag_spans(text, tag)
    if len(spans) == 1:
        s, e = spans[0]
        return text[s:e], None
    return None, ("missing_" if not spans else "multiple_") + ("answer" if tag == "answer" else "chunks")


def _as_id(digits: str) -> int:
    return int(digits) if len(digits) <= MAX_ID_DIGITS else BAD_ID


def parse_chunk_ids(text: str) -> tuple[int, ...] | None:
    """Chunk ids named in ``text`` (order and duplicates kept); ``()`` for an explicit "none"; None if unreadable.

    ``</CHUNK_i>`` closing tags are skipped; an id of more than :data:`MAX_ID_DIGITS` digits is :data:`BAD_ID`.
    """
    ids = tuple(_as_id(m.group(2)) for m in _ID_RE.finditer(text) if m.group(1) is None)
    if ids:
        return ids
    stripped = text.strip()
    if stripped.lower() in _NONE_WORDS:
        return ()
    if _BARE_IDS_RE.fullmatch(stripped):
        found = tuple(_as_id(d) for d in _DIGITS_RE.findall(stripped))
        return found or None
    return None


def parse_response(text: object, num_chunks: int | None = None) -> ParsedResponse:
    """Parse a model response by the rule above; never raises, linear time.

    Ids ``>= num_chunks`` (when known) or :data:`BAD_ID` stay in ``chunk_ids`` as wrong picks and are also
    listed in ``out_of_range``.
    """
    if not isinstance(text, str):
        return ParsedResponse(format_error="not_a_string")
    think = None
    cut = text.rfind(_THINK_CLOSE)
    body_at = 0
    if cut >= 0:
        open_at = text.find(_THINK_OPEN, 0, cut)
        think = text[open_at + len(_THINK_OPEN) : cut] if open_at >= 0 else text[:cut]
        body_at = cut + len(_THINK_CLOSE)
    answer, answer_error = _single(text, body_at, "answer")
    chunks_text, chunks_error = _single(text, body_at, "useful_chunks")
    ids: tuple[int, ...] = ()
    chunks_ok = False
    if chunks_text is not None:
        parsed = parse_chunk_ids(chunks_text)
        chunks_ok = parsed is not None
        ids = parsed or ()
    out_of_range = tuple(i for i in ids if i == BAD_ID or (num_chunks is not None and i >= num_chunks))
    return ParsedResponse(
        chunk_ids=ids,
        answer=answer.strip() if answer is not None else None,
        think=think,
        format_error=answer_error or chunks_error,
        out_of_range=out_of_range,
        chunks_ok=chunks_ok,
    )
