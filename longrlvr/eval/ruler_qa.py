"""RULER's QA tasks built locally: qa_1 from SQuAD v2, qa_2 from HotpotQA (RULER ``synthetic/qa.py`` recipe).

Every unique paragraph is a document. A question keeps its own paragraph(s) (HotpotQA: all ten of its
paragraphs, as RULER does) and is padded with random other documents until the token budget is used; the
documents are shuffled, numbered ``Document i:`` and joined with blank lines. Here the joined text is
then chunked with the project chunker, and the chunks covering the gold paragraph(s) become ``ref_chunks``.
"""

from __future__ import annotations

import random
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from tqdm.auto import tqdm

from longrlvr import jsonl
from longrlvr.chunking import count_tokens, count_tokens_batch
from longrlvr.eval.items import EvalItem, chunk_document, overlapping_chunks

TASKS = {"qa_1": "squad", "qa_2": "hotpotqa"}
_DOC_PROMPT = "Document {i}:\n{document}"


@dataclass(frozen=True)
class QA:
    """A question with its gold answers, its own documents, and which of them hold the evidence."""

    query: str
    outputs: list[str]
    context: list[int]
    gold: list[int]
    more_context: tuple[int, ...] = ()


def read_squad(path: str | Path) -> tuple[list[QA], list[str]]:
    """RULER ``read_squad``: answerable questions; other paragraphs of the same article come first as padding."""
    data = jsonl.read_json(path)
    try:
        docs = sorted({p["context"] for d in data["data"] for p in d["paragraphs"]})
        index = {c: i for i, c in enumerate(docs)}
        qas = []
        for d in data["data"]:
            article = [index[p["context"]] for p in d["paragraphs"]]
            for p in d["paragraphs"]:
                own = index[p["context"]]
                for q in p["qas"]:
                    if not q.get("is_impossible", False):
                        more = tuple(i for i in article if i != own)
                        qas.append(QA(q["question"], [a["text"] for a in q["answers"]], [own], [own], more))
    except (KeyError, TypeError) as e:
        raise ValueError(f"{path}: not SQuAD v2 format (missing {e})") from e
    return qas, docs


def read_hotpotqa(path: str | Path) -> tuple[list[QA], list[str]]:
    """RULER ``read_hotpotqa``: documents are ``title\\n`` + sentences; gold = supporting-fact titles."""
    data = jsonl.read_json(path)
    try:
        docs = sorted({f"{t}\n{''.join(p)}" for d in data for t, p in d["context"]})
        index = {c: i for i, c in enumerate(docs)}
        qas = []
        for d in data:
            own = [index[f"{t}\n{''.join(p)}"] for t, p in d["context"]]
            titles = {t for t, _ in d.get("supporting_facts", [])}
            gold = [index[f"{t}\n{''.join(p)}"] for t, p in d["context"] if t in titles] or own
            qas.append(QA(d["question"], [d["answer"]], own, gold))
    except (KeyError, TypeError, ValueError) as e:
        raise ValueError(f"{path}: not HotpotQA format ({e})") from e
    return qas, docs


def _pick_docs(qa: QA, doc_tokens: list[int], budget: int, rng: random.Random) -> list[int]:
    """Own documents, then the article's others, then random documents, while they fit ``budget``."""
    picked = list(qa.context)
    used = sum(doc_tokens[i] for i in picked)
    taken = {*picked, *qa.more_context}
    rest = [i for i in range(len(doc_tokens)) if i not in taken]
    smallest = min(doc_tokens)
    for i in [*qa.more_context, *rng.sample(rest, len(rest))]:
        if used + smallest > budget:
            break
        if used + doc_tokens[i] > budget:
            continue
        picked.append(i)
        used += doc_tokens[i]
    return picked


def _build_context(docs: list[str], order: list[int], gold: set[int]) -> tuple[str, list[tuple[int, int]]]:
    parts, spans, pos = [], [], 0
    for n, i in enumerate(order):
        text = _DOC_PROMPT.format(i=n + 1, document=docs[i])
        if i in gold:
            spans.append((pos, pos + len(text)))
        parts.append(text)
        pos += len(text) + 2
    return "\n\n".join(parts), spans


def build_ruler_qa(
    task: str,
    path: str | Path,
    tokenizer: Any,
    length: int,
    *,
    num_samples: int = 100,
    chunk_tokens: int = 512,
    reserve_tokens: int = 1024,
    seed: int = 42,
) -> list[EvalItem]:
    """``num_samples`` RULER QA items for ``task`` (qa_1 | qa_2) whose document fits ``length - reserve_tokens``.

    ``reserve_tokens`` covers the grammar template, chunk tags and the generated answer (RULER subtracts its
    template and ``tokens_to_generate`` the same way).
    """
    if task not in TASKS:
        raise ValueError(f"unknown RULER QA task {task!r}; expected one of {sorted(TASKS)}")
    qas, docs = (read_squad if TASKS[task] == "squad" else read_hotpotqa)(path)
    budget = length - reserve_tokens
    doc_tokens = [n + 6 for n in count_tokens_batch(docs, tokenizer)]  # + "Document i:\n" and the separator
    items = []
    for index, qa in enumerate(tqdm(qas[:num_samples], desc=f"{task}@{length}", leave=False)):
        rng = random.Random(f"{seed}-{task}-{length}-{index}")
        picked = _pick_docs(qa, doc_tokens, budget, rng)
        rng.shuffle(picked)
        text, spans = _build_context(docs, picked, set(qa.gold))
        while count_tokens(text, tokenizer) > budget and len(picked) > len(qa.context):
            picked.remove(next(i for i in reversed(picked) if i not in qa.context))
            text, spans = _build_context(docs, picked, set(qa.gold))
        chunks = chunk_document(text, tokenizer, chunk_tokens)
        items.append(
            EvalItem(
                id=str(index),
                task=task,
                length=length,
                chunks=[c.text for c in chunks],
                question=qa.query,
                answers=qa.outputs,
                ref_chunks=overlapping_chunks(chunks, spans),
                meta={"num_docs": len(picked)},
            )
        )
    return items
