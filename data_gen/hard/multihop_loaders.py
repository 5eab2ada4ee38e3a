"""Loaders for multi-hop QA in HotpotQA, MuSiQue (answerable only) and 2WikiMultihopQA formats.

Each loader reads ``.jsonl`` (one item a line) or ``.json`` (a list of items) and yields
:class:`MultiHopItem` with the question, its acceptable answers and its paragraphs, the supporting
ones flagged. HotpotQA and 2WikiMultihopQA share a layout (``context: [[title, [sentences]]]``,
``supporting_facts: [[title, sent_id]]``); MuSiQue has ``paragraphs: [{title, paragraph_text,
is_supporting}]`` and an ``answerable`` flag (unanswerable items are skipped).
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from longrlvr import jsonl


@dataclass(frozen=True)
class Paragraph:
    title: str
    text: str
    supporting: bool = False

    def render(self) -> str:
        """``title: text``, the passage text used in a context."""
        return f"{self.title}: {self.text}" if self.title else self.text


@dataclass(frozen=True)
class MultiHopItem:
    id: str
    question: str
    answers: tuple[str, ...]
    paragraphs: tuple[Paragraph, ...]

    @property
    def supporting(self) -> list[Paragraph]:
        return [p for p in self.paragraphs if p.supporting]

    @property
    def others(self) -> list[Paragraph]:
        return [p for p in self.paragraphs if not p.supporting]


def read_records(path: str | Path) -> Iterator[tuple[str, dict[str, Any]]]:
    """``(location, record)`` pairs from a ``.jsonl`` or ``.json`` file; location names file and line/index."""
    path = Path(path)
    if path.suffix == ".json":
        data = jsonl.read_json(path)
        if not isinstance(data, list):
            raise ValueError(f"{path}: expected a JSON list of items")
        for i, rec in enumerate(data):
            yield f"{path}[{i}]", rec
        return
    for line in jsonl.scan(path):
        yield f"{path}:{line.number}", line.record


def _field(rec: dict[str, Any], where: str, *names: str) -> Any:
    for name in names:
        if name in rec:
            return rec[name]
    raise ValueError(f"{where}: missing field {'/'.join(names)}")


def parse_hotpot(rec: dict[str, Any], where: str = "item") -> MultiHopItem:
    """One HotpotQA / 2WikiMultihopQA record (same layout)."""
    support = {str(title) for title, _ in _field(rec, where, "supporting_facts")}
    paragraphs = []
    for entry in _field(rec, where, "context"):
        if not (isinstance(entry, (list, tuple)) and len(entry) == 2):
            raise ValueError(f"{where}: context entries must be [title, [sentences]]")
        title, sentences = entry
        text = " ".join(s.strip() for s in sentences) if isinstance(sentences, list) else str(sentences)
        paragraphs.append(Paragraph(str(title), text, str(title) in support))
    aliases = rec.get("answer_aliases") or []
    return MultiHopItem(
        id=str(_field(rec, where, "_id", "id")),
        question=str(_field(rec, where, "question")),
        answers=(str(_field(rec, where, "answer")), *map(str, aliases)),
        paragraphs=tuple(paragraphs),
    )


def parse_musique(rec: dict[str, Any], where: str = "item") -> MultiHopItem:
    """One MuSiQue record."""
    paragraphs = tuple(
        Paragraph(str(p.get("title", "")), str(_field(p, where, "paragraph_text")), bool(p.get("is_supporting")))
        for p in _field(rec, where, "paragraphs")
    )
    return MultiHopItem(
        id=str(_field(rec, where, "id")),
        question=str(_field(rec, where, "question")),
        answers=(str(_field(rec, where, "answer")), *map(str, rec.get("answer_aliases") or [])),
        paragraphs=paragraphs,
    )


def _load(path: str | Path, parse: Callable[[dict[str, Any], str], MultiHopItem], keep: Callable[[dict], bool]):
    items = [parse(rec, where) for where, rec in read_records(path) if keep(rec)]
    for item in items:
        if not item.supporting:
            raise ValueError(f"{path}: item {item.id} has no supporting paragraph")
    return items


def load_hotpotqa(path: str | Path) -> list[MultiHopItem]:
    return _load(path, parse_hotpot, lambda rec: True)


def load_2wiki(path: str | Path) -> list[MultiHopItem]:
    return _load(path, parse_hotpot, lambda rec: True)


def load_musique(path: str | Path) -> list[MultiHopItem]:
    """Answerable MuSiQue items only (``answerable`` missing counts as answerable, as in MuSiQue-Ans)."""
    return _load(path, parse_musique, lambda rec: bool(rec.get("answerable", True)))


LOADERS: dict[str, Callable[[str | Path], list[MultiHopItem]]] = {
    "hotpotqa": load_hotpotqa,
    "musique": load_musique,
    "2wiki": load_2wiki,
}


def load_multihop(path: str | Path, fmt: str) -> list[MultiHopItem]:
    """Load ``path`` in format ``fmt`` (one of :data:`LOADERS`)."""
    if fmt not in LOADERS:
        raise ValueError(f"unknown multi-hop format {fmt!r}; expected one of {sorted(LOADERS)}")
    return LOADERS[fmt](path)
