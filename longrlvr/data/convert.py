"""Convert rows in the authors' released inline format into ours, ids and reference chunks intact.

The released rows are verl rows whose prompt holds the document as ``Document:\\n<CHUNK_0>text\\n<CHUNK_1>…``
(no closing tags), then the question; ``extra_info`` carries ``question``, ``ref_chunks`` and
``ref_chunks_text`` (what the authors' reward manager reads). Conversion reads the chunks back with
:func:`longrlvr.grammar.release_prompt_chunks`, checks that every reference chunk text matches the chunk
its id names, and rebuilds the prompt with :func:`longrlvr.grammar.build_prompt` (our format). A row whose
document repeats a ``<CHUNK_k>`` marker (a marker inside a chunk's text) splits two ways and is refused; a single
out-of-sequence marker stays text, escaped in our prompt. Everything
else in the row is kept; ``extra_info.num_chunks`` and ``extra_info.source_format = "release"`` are set.
"""

from __future__ import annotations

import copy
from collections.abc import Iterable
from typing import Any

from longrlvr.data.validate import prompt_messages_error
from longrlvr.grammar import build_prompt, duplicated_release_tags, escape_chunk, release_prompt_chunks

SOURCE_FORMAT = "release"


class ConvertError(ValueError):
    """A row that cannot be converted; the message names the row and the field."""


def _user_turn(row: dict[str, Any], i: int) -> dict[str, Any]:
    prompt = row.get("prompt")
    problem = prompt_messages_error(prompt)
    if problem is not None:
        raise ConvertError(f"row {i}: prompt: {problem}")
    return prompt[-1]


def _same_text(a: str, b: str) -> bool:
    return " ".join(a.split()) == " ".join(b.split())


def convert_row(row: dict[str, Any], i: int, data_source: str | None = None) -> dict[str, Any]:
    """One released row in our format; raises :class:`ConvertError` naming row and field."""
    out = copy.deepcopy(row)
    info = out.get("extra_info")
    if not isinstance(info, dict):
        raise ConvertError(f"row {i}: extra_info: must be a dict")
    question = info.get("question")
    if not isinstance(question, str) or not question.strip():
        raise ConvertError(f"row {i}: extra_info.question: missing or empty")
    turn = _user_turn(out, i)
    repeated = duplicated_release_tags(turn["content"], question)
    if repeated:
        tags = ", ".join(f"<CHUNK_{k}>" for k in repeated[:5])
        raise ConvertError(
            f"row {i}: prompt: chunk marker(s) {tags} occur more than once in the document, so the chunk split "
            "is ambiguous; fix or drop the row"
        )
    chunks = release_prompt_chunks(turn["content"], question)
    if chunks is None:
        raise ConvertError(
            f"row {i}: prompt: no 'Document:' followed by <CHUNK_0>, <CHUNK_1>, ... (not the release format)"
        )
    refs = list(info.get("ref_chunks") if info.get("ref_chunks") is not None else [])
    bad = [r for r in refs if not isinstance(r, int) or not 0 <= r < len(chunks)]
    if bad:
        raise ConvertError(f"row {i}: extra_info.ref_chunks: ids {bad[:5]} out of range for {len(chunks)} chunks")
    texts = info.get("ref_chunks_text")
    if texts is not None:
        texts = list(texts)
        if len(texts) != len(refs):
            raise ConvertError(f"row {i}: extra_info.ref_chunks_text: {len(texts)} texts for {len(refs)} ids")
        for r, t in zip(refs, texts, strict=True):
            if not _same_text(str(t), chunks[r]):
                raise ConvertError(f"row {i}: extra_info.ref_chunks_text: the text given for id {r} is not chunk {r}")
    turn["content"] = build_prompt(chunks, question)
    info["ref_chunks_text"] = [escape_chunk(chunks[r]) for r in refs]  # as the prompt shows them
    info["num_chunks"] = len(chunks)
    info["source_format"] = SOURCE_FORMAT
    if data_source is not None:
        out["data_source"] = data_source
    return out


def convert_rows(rows: Iterable[dict[str, Any]], data_source: str | None = None) -> list[dict[str, Any]]:
    """Every row converted; any bad row raises one :class:`ConvertError` counting them and naming the first."""
    out: list[dict[str, Any]] = []
    bad: list[tuple[int, str]] = []
    for i, row in enumerate(rows):
        try:
            out.append(convert_row(row, i, data_source))
        except ConvertError as exc:
            bad.append((i, str(exc)))
    if bad:
        others = f" (also rows {', '.join(str(i) for i, _ in bad[1:11])}{'...' if len(bad) > 11 else ''})"
        raise ConvertError(f"{len(bad)} row(s) cannot be converted; {bad[0][1]}" + (others if len(bad) > 1 else ""))
    return out
