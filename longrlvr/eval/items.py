"""The benchmark-neutral eval item and its prompt (our format or the released checkpoints' format)."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

from longrlvr.chunking import Chunk, split_into_chunks
from longrlvr.grammar import PROMPT_FORMATS, build_prompt

CHOICE_LETTERS = "ABCDE"


@dataclass(frozen=True)
class PromptSettings:
    """``format``: ``longrlvr`` (ours, default) or ``release``; ``think_opened``: the chat template already
    opens ``<think>`` (so the prompt must not ask for another)."""

    format: str = "longrlvr"
    think_opened: bool = False

    def __post_init__(self) -> None:
        if self.format not in PROMPT_FORMATS:
            raise ValueError(f"prompt_format {self.format!r} is not one of {PROMPT_FORMATS}")


def template_opens_think(tokenizer: Any) -> bool:
    """Whether the tokenizer's chat template ends the generation prompt with ``<think>`` (released models)."""
    if tokenizer is None or not getattr(tokenizer, "chat_template", None):
        return False
    rendered = tokenizer.apply_chat_template(
        [{"role": "user", "content": "x"}], tokenize=False, add_generation_prompt=True
    )
    return rendered.rstrip().endswith("<think>")


@dataclass
class EvalItem:
    """One question over a chunked document.

    ``id`` is unique within a task file (the resume key); ``task`` names the output file (``qa_1``,
    ``longbench_v2``...); ``length`` is the context-length bucket for reports; ``answers`` are the gold
    strings (a letter for multiple choice); ``ref_chunks`` the evidence chunks when known; ``meta`` holds
    the benchmark's own fields that its prediction format carries.
    """

    id: str
    task: str
    length: int | str
    chunks: list[str]
    question: str
    answers: list[str]
    ref_chunks: list[int] = field(default_factory=list)
    meta: dict[str, Any] = field(default_factory=dict)

    def messages(self, prompt: PromptSettings | None = None) -> list[dict[str, str]]:
        """The chat messages sent to the model: one user turn with the prompt in ``prompt.format``."""
        prompt = prompt or PromptSettings()
        text = build_prompt(self.chunks, self.question, prompt_format=prompt.format, think_opened=prompt.think_opened)
        return [{"role": "user", "content": text}]


def multiple_choice_question(question: str, choices: Sequence[str]) -> str:
    """The question with its options in the text, as ``(A) ...`` lines; the answer is the letter."""
    lines = [f"({CHOICE_LETTERS[i]}) {c}" for i, c in enumerate(choices)]
    return f"{question.strip()}\n\nChoices:\n" + "\n".join(lines) + "\n\nAnswer with the letter of the correct choice."


def chunk_document(text: str, tokenizer: Any, chunk_tokens: int) -> list[Chunk]:
    """The project chunker; kept as one call site so every loader chunks alike."""
    return split_into_chunks(text, tokenizer, chunk_tokens)


def overlapping_chunks(chunks: Sequence[Chunk], spans: Sequence[tuple[int, int]]) -> list[int]:
    """Ids of the chunks whose character range overlaps any of ``spans``."""
    return [i for i, c in enumerate(chunks) if any(c.start < end and start < c.end for start, end in spans)]


def truncate_middle(chunks: list[Chunk], max_tokens: int | None) -> tuple[list[Chunk], int]:
    """Drop middle chunks until the kept ones fit ``max_tokens`` (LongBench's middle truncation, chunk-wise).

    Returns the kept chunks and the number dropped (RULER/LongBench record it as ``truncation``).
    """
    if max_tokens is None or sum(c.num_tokens for c in chunks) <= max_tokens:
        return chunks, 0
    head, tail, budget = [], [], max_tokens
    lo, hi = 0, len(chunks) - 1
    take_head = True
    while lo <= hi:
        chunk = chunks[lo] if take_head else chunks[hi]
        if chunk.num_tokens > budget:
            break
        budget -= chunk.num_tokens
        if take_head:
            head.append(chunk)
            lo += 1
        else:
            tail.append(chunk)
            hi -= 1
        take_head = not take_head
    kept = head + tail[::-1]
    return kept, len(chunks) - len(kept)
