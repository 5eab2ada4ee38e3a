"""Small benchmark files in each official format, and a tiny saved model, for the eval tests."""

from __future__ import annotations

import csv
import json
from pathlib import Path

from longrlvr.local.tiny import build_tiny_tokenizer
from tests.helpers import models

CITIES = ["Paris", "Rome", "Berlin", "Madrid", "Lisbon", "Vienna", "Prague", "Dublin", "Oslo", "Athens"]


def tiny_tokenizer():
    return build_tiny_tokenizer([f"The capital of country {i} is {c}." for i, c in enumerate(CITIES)], vocab_size=512)


def save_tiny_model(directory: Path) -> Path:
    """The tests' one tiny saved model (tests/helpers/models.py) with the eval tokenizer (city names)."""
    return models.save_tiny_model(directory, tiny_tokenizer())


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


# --- Small files in the authors' released formats (eval_results/ of real-absolute-AI/LongRLVR) ---------------
# The released models' chat template opens <think>, so responses start inside the reasoning.

RULER_AUTHORS_QA_1 = [
    # tags after </think>; the answer is right
    {
        "pred": "I check <CHUNK_3>: Normandy is in France.\n</think>\n<useful_chunks>\n<CHUNK_3>\n</useful_chunks>\n"
        "<answer>\nAnswer: France\n</answer>",
        "outputs": ["France", "France"],
    },
    # the reasoning quotes the chunk that holds the gold string; the <answer> is shorter than the gold
    {
        "pred": "<CHUNK_47> says the director is based in Greenwich Village, New York City.\n</think>\n"
        "<useful_chunks>\n<CHUNK_47>\n</useful_chunks>\n<answer>\nAnswer: Greenwich Village\n</answer>",
        "outputs": ["Greenwich Village, New York City"],
    },
    # ran out of tokens inside the reasoning
    {"pred": "Let me look at <CHUNK_1> and <CHUNK_2> again", "outputs": ["911"]},
]
RULER_AUTHORS_SUBMISSION = ["Answer: France", "Answer: Greenwich Village", ""]


def write_authors_ruler(root: Path, length: int = 32768) -> Path:
    """``root/<length>/pred/{qa_1.jsonl, submission.csv, summary.csv}`` as in the authors' eval_results."""
    pred = root / str(length) / "pred"
    pred.mkdir(parents=True)
    rows = [
        {"index": i, **r, "others": {}, "truncation": -1, "length": length - 100 - i}
        for i, r in enumerate(RULER_AUTHORS_QA_1)
    ]
    (pred / "qa_1.jsonl").write_text("".join(json.dumps(r) + "\n" for r in rows))
    with open(pred / "submission.csv", "w", newline="") as f:
        w = csv.writer(f)
        w.writerow(["Task", "ID", "Prediction"])
        w.writerows(["qa_1", i, p] for i, p in enumerate(RULER_AUTHORS_SUBMISSION))
    (pred / "summary.csv").write_text("0,1\nTasks,qa_1\nScore,66.67\nNulls,0/3\n")
    return root


def authors_longbench_rows() -> list[dict]:
    """LongBench v2 rows with the authors' ``pred`` and LLM-rescued ``judge`` fields."""
    think = "The document says several things.\n</think>\n"
    base = {"domain": "Single-Document QA", "sub_domain": "Legal", "question": "Which one?"}
    choices = {f"choice_{x}": f"option {x.lower()}" for x in "ABCD"}
    rows = [
        (
            "easy",
            "short",
            "D",
            "D",
            True,
            think + "<useful_chunks>\n<CHUNK_2>\n</useful_chunks>\n<answer>\nThe correct answer is (D)\n</answer>",
        ),
        ("hard", "medium", "A", "B", True, think + "The correct answer is B."),  # judged right, letter wrong
        ("hard", "long", "C", None, True, think + "<useful_chunks><CHUNK_0></useful_chunks>\n<answer>**C**</answer>"),
        (
            "easy",
            "short",
            "B",
            None,
            False,
            think + "<answer>Option A</answer><useful_chunks><CHUNK_1></useful_chunks>",
        ),
    ]
    return [
        {
            "_id": f"lb{i}",
            **base,
            "difficulty": d,
            "length": ln,
            **choices,
            "answer": a,
            "response": resp,
            "pred": p,
            "judge": j,
        }
        for i, (d, ln, a, p, j, resp) in enumerate(rows)
    ]


def authors_longreason_rows() -> list[dict]:
    """LongReason rows: ``pred`` = text after ``</think>``, ``judge`` = gold letter anywhere in ``pred``."""
    rows = [
        (
            "D",
            "Ion streams are named in <CHUNK_60>.\n</think>\n",
            "<useful_chunks>\n<CHUNK_60>\n</useful_chunks>\n<answer>\nD. Ion streams\n</answer>",
        ),
        (
            "C",
            "Both chunks agree.\n</think>\n",  # wrong letter A, but "C" is in "<CHUNK_3>"
            "<useful_chunks>\n<CHUNK_3> <CHUNK_9>\n</useful_chunks>\n<answer>\nA. Controllable\n</answer>",
        ),
        ("A", "Hmm.\n</think>\n", "<useful_chunks>\n<chunk_5>\n</useful_chunks>\n<answer>\n(B) Stable\n</answer>"),
    ]
    return [
        {
            "example_idx": f"ex{i}",
            "split": "32k",
            "response": head + tail,
            "pred": tail,
            "answer": gold,
            "judge": gold in tail,
            "context": "Document:\n<CHUNK_0>How will Penn State do at NCAAs this year? The",
        }
        for i, (gold, head, tail) in enumerate(rows)
    ]
