"""The toy LLM answers every pipeline prompt for any documents, from their own text, and never raises."""

from __future__ import annotations

import json

import pytest

from longrlvr.grammar import build_prompt, parse_response
from longrlvr.testing.toy_model import ScriptedPipelineModel, anchor, answer_after, words

TEXTS = [
    "The committee met in Geneva on a grey Tuesday; its chair, Ms. Okafor, opened with the budget and then "
    "turned to the harbour dredging plan that had stalled for three winters before anyone objected to it.",
    'Licensee shall "not" redistribute -- except as §4(b) allows -- any Derivative Work without notice, '
    "and every copy carries this notice in a form that a reader can find without special tools.",
    "短い 文章 です " * 20,
    "a b c d e f g h i j k l m n o p",  # no answer word of 3+ letters
    "",
]


def _ask(model, content):
    return model({"messages": [{"role": "user", "content": content}]})


@pytest.mark.parametrize("text", TEXTS)
def test_anchor_answer_is_in_the_text(text):
    found = anchor(text, salt=12345)
    if found is not None:
        quote, answer = found
        assert answer in text and answer_after(words(text), quote) == answer


def test_generation_probe_and_rating_agree_on_any_text():
    model = ScriptedPipelineModel()
    chunks = [t for t in TEXTS if t] + [
        f"Section {i}: " + " ".join(f"word{i}x{j}" for j in range(30)) for i in range(4)
    ]
    checked = 0
    prompt = "\n\n".join(f"### Chunk {i}\n{t.strip()}" for i, t in enumerate(chunks))  # the focused prompt
    for focus in range(len(chunks)):
        content = f"Chunks:\n\n{prompt}\n\nWrite exactly ONE question ... Start from Chunk {focus} and connect"
        reply = _ask(model, content)
        reply = _ask(model, content) if "evidence: [0, 1}" in reply else reply  # malformed first, fixed on retry
        if "SKIPPED" in reply or "evidence: [0, 1}" in reply:  # scripted skip / always-malformed variants
            continue
        qa = json.loads(reply)
        if "capital of France" in qa["question"] or qa["question"].startswith("What is it about"):
            continue
        assert qa["answer"] in chunks[qa["evidence"][0]]  # the answer is text of the cited focus chunk
        full = parse_response(_ask(model, build_prompt(chunks, qa["question"])))
        assert full.format_ok and qa["evidence"][0] in full.chunk_ids
        assert full.answer in (qa["answer"], "a word nobody wrote")
        checked += 1
    assert checked >= 2


@pytest.mark.parametrize(
    "content",
    [
        "Write exactly ONE question",
        "Generate exactly ONE question\n[Chunk 0]\n",
        "<CHUNK_0>\n\n</CHUNK_0>\n\nQuestion: \n\n",
        "**Question:** \n**Answer:** x\nrating the quality of question-answer pairs",
    ],
)
def test_degenerate_prompts_never_raise(content):
    assert isinstance(_ask(ScriptedPipelineModel(), content), str)
