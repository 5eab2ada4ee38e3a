"""Small benchmark files in each official format, and a tiny saved model, for the eval tests."""

from __future__ import annotations

import json
from pathlib import Path

from longrlvr.local.tiny import build_tiny_model, build_tiny_tokenizer

CITIES = ["Paris", "Rome", "Berlin", "Madrid", "Lisbon", "Vienna", "Prague", "Dublin", "Oslo", "Athens"]


def tiny_tokenizer():
    return build_tiny_tokenizer([f"The capital of country {i} is {c}." for i, c in enumerate(CITIES)], vocab_size=512)


def save_tiny_model(directory: Path) -> Path:
    tok = tiny_tokenizer()
    build_tiny_model(tok, hidden_size=32, num_layers=1, intermediate_size=64).save_pretrained(directory)
    tok.save_pretrained(directory)
    return directory


def write_squad(path: Path) -> Path:
    """Two articles; every third question is unanswerable (SQuAD v2 ``is_impossible``)."""
    paragraphs = [
        {
            "context": f"Country {i} is a land of rivers. The capital of country {i} is {c}.",
            "qas": [
                {
                    "id": f"q{i}",
                    "question": f"What is the capital of country {i}?",
                    "answers": [{"text": c, "answer_start": 0}, {"text": c.lower(), "answer_start": 0}],
                    "is_impossible": i % 3 == 2,
                }
            ],
        }
        for i, c in enumerate(CITIES)
    ]
    data = {
        "version": "v2.0",
        "data": [{"title": "a", "paragraphs": paragraphs[:5]}, {"title": "b", "paragraphs": paragraphs[5:]}],
    }
    path.write_text(json.dumps(data))
    return path


def write_hotpotqa(path: Path) -> Path:
    items = [
        {
            "_id": f"h{i}",
            "question": f"Which city is the capital of the country next to country {i}?",
            "answer": CITIES[(i + 1) % len(CITIES)],
            "supporting_facts": [[f"Country {i}", 0], [f"Country {i + 1}", 0]],
            "context": [
                [
                    f"Country {j}",
                    [f"Country {j} borders country {j + 1}. ", f"Its capital is {CITIES[j % len(CITIES)]}."],
                ]
                for j in range(i, i + 4)
            ],
        }
        for i in range(4)
    ]
    path.write_text(json.dumps(items))
    return path


def write_longbench_v2(path: Path, n: int = 3) -> Path:
    items = [
        {
            "_id": f"lb{i}",
            "domain": "Single-Document QA",
            "sub_domain": "Legal",
            "difficulty": "easy" if i % 2 == 0 else "hard",
            "length": ["short", "medium", "long"][i % 3],
            "question": f"Which city is the capital of country {i}?",
            "choice_A": CITIES[i],
            "choice_B": CITIES[i + 1],
            "choice_C": CITIES[i + 2],
            "choice_D": CITIES[i + 3],
            "answer": "A",
            "context": " ".join(f"The capital of country {j} is {CITIES[j]}." for j in range(10)),
        }
        for i in range(n)
    ]
    path.write_text(json.dumps(items))
    return path


def write_longreason(path: Path) -> Path:
    rows = [
        {
            "example_idx": i,
            "split": "8k",
            "context": " ".join(f"The capital of country {j} is {CITIES[j]}." for j in range(10)),
            "question": f"Which city is the capital of country {i}?",
            "choices": CITIES[i : i + 5],
            "answer": "A",
        }
        for i in range(2)
    ]
    path.write_text("".join(json.dumps(r) + "\n" for r in rows))
    return path


def write_niah(path: Path) -> Path:
    rec = {
        "id": "niah-64-0.5-0",
        "length": 64,
        "depth": 0.5,
        "actual_depth": 0.5,
        "num_tokens": 40,
        "question": "What is the special magic number for river?",
        "answers": ["1234567"],
        "needle": "The special magic number for river is 1234567.",
        "chunks": ["Hay hay hay. ", "The special magic number for river is 1234567. ", "Hay again."],
        "ref_chunks": [1],
    }
    path.write_text(json.dumps(rec) + "\n")
    return path
