"""LLM access of the pipeline: the backend (endpoint client or offline vLLM), prompt files, strict JSON replies.

Every LLM stage calls :func:`ask`, which goes through ``backend.chat(messages, validate=...)``: a reply that
``validate`` rejects is retried by the backend; once its retries are spent the record (or sub-item) is skipped
with reason ``malformed_output`` (the replies kept failing validation: the model's answer, recorded), while a
transport or HTTP failure raises :class:`~data_gen.runner.Fail` (``llm_error``): the record stays unfinished
and a later run retries it. Error details are redacted (no header or key reaches disk).

Reply parsing is linear in the reply's length and never raises anything but ValueError.
"""

from __future__ import annotations

import asyncio
import itertools
import json
from collections.abc import Awaitable, Callable, Mapping, Sequence
from pathlib import Path
from string import Template
from typing import Any, Protocol, TypeVar

from data_gen.config import LLMSettings
from data_gen.runner import Fail, Skip
from longrlvr.llm.redact import redact

T = TypeVar("T")
Messages = Sequence[Mapping[str, Any]]
PROMPTS_DIR = Path(__file__).parent / "prompts"
_VLLM_SAMPLING_KEYS = ("temperature", "top_p", "top_k", "max_tokens", "seed", "stop", "presence_penalty")


class ChatBackend(Protocol):
    """What the stages need: ``AsyncLLMClient`` and :class:`VLLMChatBackend` both provide it."""

    async def chat(self, messages: Messages, *, validate: Callable[[str], T] | None = None, **params: Any) -> Any: ...

    async def aclose(self) -> None: ...


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


def skip_reason(error: Exception) -> str:
    """``malformed_output`` when the last attempt was rejected by ``validate``, else ``llm_error``."""
    return "malformed_output" if str(getattr(error, "reason", "")).startswith("reply rejected") else "llm_error"


async def ask(backend: ChatBackend, messages: Messages, validate: Callable[[str], T], **params: Any) -> T:
    """``backend.chat`` with ``validate``; once the backend's retries are spent raises :class:`Skip`
    (``malformed_output``) or :class:`Fail` (``llm_error``: retried by a later run)."""
    from longrlvr.llm import LLMError

    try:
        return await backend.chat(messages, validate=validate, **params)
    except LLMError as e:
        reason, detail = skip_reason(e), redact(str(e))[:300]
        if reason == "llm_error":  # "from None": the unredacted error must not reach a traceback or log
            raise Fail(reason, detail) from None
        raise Skip(reason, detail=detail) from None


async def gather_or_fail(*calls: Awaitable[Any]) -> list[Any]:
    """``asyncio.gather`` that lets every call finish, then raises the first exception raised (a :class:`Fail`,
    say); exceptions *returned* as values (a :class:`Skip` item) are results like any other."""
    tasks = [asyncio.ensure_future(call) for call in calls]
    if tasks:
        await asyncio.wait(tasks)
    errors = [task.exception() for task in tasks]  # retrieves every one (no "never retrieved" log)
    for error in errors:
        if error is not None:
            raise error
    return [task.result() for task in tasks]


def sampling_params(
    temperature: float,
    max_tokens: int,
    top_p: float = 1.0,
    top_k: int | None = None,
    enable_thinking: bool | None = None,
) -> dict:
    """Request fields for a chat call; ``top_k`` and ``chat_template_kwargs.enable_thinking`` only when set
    (not OpenAI fields; vLLM and SGLang servers accept them, as the authors' requests use them)."""
    params: dict[str, Any] = {"temperature": temperature, "max_tokens": max_tokens, "top_p": top_p}
    if top_k is not None:
        params["top_k"] = top_k
    if enable_thinking is not None:
        params["chat_template_kwargs"] = {"enable_thinking": enable_thinking}
    return params


class VLLMChatBackend:
    """Offline vLLM engine in this process (needs a GPU and ``pip install longrlvr[vllm]``).

    Same contract as ``AsyncLLMClient.chat``: the chat template of the model's tokenizer, vLLM's async engine
    (continuous batching of the concurrent calls), ``validate`` retried ``max_retries`` times with a fresh seed,
    then ``LLMError``. vLLM is imported here, never at module import.
    """

    def __init__(self, model: str, max_retries: int = 2, **engine_args: Any) -> None:
        try:
            from vllm import AsyncEngineArgs, AsyncLLMEngine, SamplingParams
        except ImportError as e:
            raise RuntimeError("llm.backend=vllm needs `pip install longrlvr[vllm]` and a GPU") from e
        from transformers import AutoTokenizer

        self.engine = AsyncLLMEngine.from_engine_args(AsyncEngineArgs(model=model, **engine_args))
        self.tokenizer = AutoTokenizer.from_pretrained(model)
        self.sampling = SamplingParams
        self.max_retries = max_retries
        self.ids = itertools.count()

    async def chat(self, messages: Messages, *, validate: Callable[[str], T] | None = None, **params: Any) -> Any:
        from longrlvr.llm import LLMError

        prompt = self.tokenizer.apply_chat_template(
            [dict(m) for m in messages],
            tokenize=False,
            add_generation_prompt=True,
            **dict(params.get("chat_template_kwargs") or {}),
        )
        base = {k: params[k] for k in _VLLM_SAMPLING_KEYS if k in params}
        reason = ""
        for _ in range(self.max_retries + 1):
            request_id = next(self.ids)
            sampling = self.sampling(**{**base, "seed": base.get("seed", 0) + request_id})
            final = None
            async for output in self.engine.generate(prompt, sampling, request_id=f"data-gen-{request_id}"):
                final = output
            text = final.outputs[0].text if final is not None and final.outputs else ""
            if validate is None:
                return text
            try:
                return validate(text)
            except ValueError as e:
                reason = f"reply rejected by validate: {e}"
        raise LLMError(reason, self.max_retries + 1)

    async def aclose(self) -> None:
        shutdown = getattr(self.engine, "shutdown", None)
        if callable(shutdown):
            shutdown()


def make_backend(settings: LLMSettings) -> ChatBackend:
    """The configured backend: ``openai`` (``longrlvr.llm.AsyncLLMClient``) or ``vllm`` (offline engine)."""
    if settings.backend == "openai":
        from longrlvr.llm import AsyncLLMClient, LLMConfig

        return AsyncLLMClient(LLMConfig.from_mapping(settings.client))
    if settings.backend == "vllm":
        options = dict(settings.vllm)
        if "model" not in options:
            raise ValueError("llm.vllm.model is required for llm.backend=vllm")
        return VLLMChatBackend(**options)
    raise ValueError(f"llm.backend must be 'openai' or 'vllm', got {settings.backend!r}")
