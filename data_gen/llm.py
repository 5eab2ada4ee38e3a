"""LLM access of the pipeline: prompt files, sampling settings, strict JSON replies over a chat backend.

The backend is ``longrlvr.llm.backends.make_backend(config.llm)`` (an endpoint, HF or vLLM in this process).
Every LLM stage calls :func:`ask`, which goes through ``backend.generate(messages, sampling, validate=...)``:
a reply that ``validate`` rejects is retried by the backend; once its retries are spent the record is skipped
with reason ``malformed_output`` (the replies kept failing validation: the model's answer, recorded), while a
transport or HTTP failure raises :class:`~longrlvr.data_gen.runner.Fail` (``llm_error``): the record stays unfinished
and a later run retries it. Error details are redacted (no header or key reaches disk).

Reply parsing is linear in the reply's length and never raises anything but ValueError.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Sequence
from pathlib import Path
from string import Template
from typing import Any, TypeVar

from longrlvr.data_gen.runner import Fail, Skip

from longrlvr.llm import ChatBackend, LLMError, Sampling
from longrlvr.llm.chat import Messages
from longrlvr.llm.redact import redact

T = TypeVar("T")
PROMPTS_DIR = Path(__file__).parent / "prompts"


def load_prompt(name: str) -> Template:
    """``data_gen/prompts/<name>.txt`` as a ``string.Template`` (``$field`` placeholders; JSON braces stay)."""
    return Template((PROMPTS_DIR / f"{name}.txt").read_text(encoding="utf-8"))


def user_message(template: Template, **fields: Any) -> list[dict[str, str]]:
    """One user message from a prompt template; a missing field is a KeyError naming it."""
    return [{"role": "user", "content": template.substitute({k: str(v) for k, v in fields.items()})}]


def format_cluster_chunks(chunks: Sequence[str], style: str = "focused") -> str:
    """Chunks with their cluster-local ids (what the LLM answers with): ``[Chunk i]`` blocks as the authors'
    generation prompt writes them (``paper``), ``### Chunk i`` headers (``focused``), or the bare texts joined
    by blank lines as the authors' judge prompts show them (``plain``)."""
    if style == "paper":
        return "".join(f"[Chunk {i}]\n{text}\n\n" for i, text in enumerate(chunks))
    if style == "plain":
        return "\n\n".join(chunks)
    return "\n\n".join(f"### Chunk {i}\n{text.strip()}" for i, text in enumerate(chunks))


def parse_rating(text: str) -> float:
    """The ``[[x]]`` rating (0-10) of a reply after any ``</think>``, in linear time; ValueError when absent.

    Like the authors' parser the first ``[[number]]`` counts and is clamped to 0-10; unlike it there is no
    fallback to the first bare number (a reply without the format is malformed and retried).
    """
    body = check_encodable(strip_thinking(text))
    pos = 0
    while (end := body.find("]]", pos)) >= 0:  # each "]]" with the nearest "[[" before it: every char seen once
        start = body.rfind("[[", pos, end)
        candidate = body[start + 2 : end].strip() if start >= 0 else ""
        if 0 < len(candidate) <= 16 and candidate.replace(".", "", 1).isdigit() and candidate.isascii():
            return max(0.0, min(10.0, float(candidate)))
        pos = end + 2
    raise ValueError("no [[rating]] in the reply")


def strip_thinking(text: str) -> str:
    """The reply after its last ``</think>`` (thinking models that inline their reasoning), else all of it."""
    end = text.rfind("</think>")
    return text[end + len("</think>") :] if end >= 0 else text


def check_encodable(text: str) -> str:
    """``text`` when it is valid UTF-8 text; ValueError (a malformed reply) for a lone surrogate."""
    try:
        text.encode("utf-8")
    except UnicodeEncodeError as e:
        raise ValueError(f"reply has an un-encodable character at {e.start}") from None
    return text


def parse_json_object(text: str) -> dict[str, Any]:
    """The JSON object of a reply (optionally in a ```json fence); ValueError when there is none.

    Linear time: the object is the text from its first ``{`` to its last ``}`` (fences and prose around it are
    thus ignored), after any ``</think>``; a lone surrogate, a huge integer or deep nesting is a ValueError.
    """
    body = check_encodable(strip_thinking(text))
    start, end = body.find("{"), body.rfind("}")
    if start < 0 or end < start:
        raise ValueError("no JSON object in the reply")
    try:
        value = json.loads(body[start : end + 1])
    except ValueError as e:  # JSONDecodeError, or an integer of more than 4300 digits
        raise ValueError(f"invalid JSON: {getattr(e, 'msg', e)}") from None
    except RecursionError:
        raise ValueError("invalid JSON: nested too deeply") from None
    if not isinstance(value, dict):
        raise ValueError("the reply's JSON is not an object")
    check_encodable(json.dumps(value, ensure_ascii=False))  # an escaped lone surrogate in the JSON
    return value


async def ask(backend: ChatBackend, messages: Messages, validate: Callable[[str], T], sampling: Sampling) -> T:
    """One validated reply; once the backend's retries are spent raises :class:`Skip` (``malformed_output``)
    or :class:`Fail` (``llm_error``: retried by a later run)."""
    try:
        [reply] = await backend.generate(messages, sampling, validate=validate)
    except LLMError as e:
        detail = redact(str(e))[:300]
        if not e.rejected:  # "from None": the unredacted error must not reach a traceback or log
            raise Fail("llm_error", detail) from None
        raise Skip("malformed_output", detail=detail) from None
    return reply


def sampling_params(
    temperature: float,
    max_tokens: int,
    top_p: float = 1.0,
    top_k: int | None = None,
    enable_thinking: bool | None = None,
) -> Sampling:
    """One reply's sampling; ``top_k`` and ``enable_thinking`` (``chat_template_kwargs``) are sent only when set
    (not OpenAI fields; vLLM and SGLang servers accept them, as the authors' requests use them)."""
    return Sampling(
        max_tokens=max_tokens, temperature=temperature, top_p=top_p, top_k=top_k, enable_thinking=enable_thinking
    )
