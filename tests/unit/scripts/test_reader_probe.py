"""scripts/reader_probe.py runs end to end for both models and reports greedy accuracies in [0, 1]."""

import argparse
import random
import re
import subprocess
import sys
from pathlib import Path

import pytest

from longrlvr.grammar import parse_response, prompt_chunks
from longrlvr.local.synthetic import binding

ROOT = Path(__file__).resolve().parents[3]


QUOTE = " {k}{v} {k}\n</CHUNK_{i}>"


@pytest.mark.parametrize(
    ("arch", "layout", "extra"),
    [
        ("qwen2", "block", ["--quote", " {k}"]),
        ("lfm2", "inline", ["--quote", " {k}"]),
        ("lfm2", "block", ["--quote", QUOTE, "--tag-pieces", "--conv-kernel", "4", "--distinct-values"]),
    ],
)
def test_probe_reports_greedy_accuracies(arch, layout, extra):
    cmd = [
        sys.executable,
        str(ROOT / "scripts" / "reader_probe.py"),
        "--arch",
        arch,
        "--layout",
        layout,
        *extra,
        "--train-n",
        "2",
        "3",
        "--eval-n",
        "3",
        "--steps",
        "2",
        "--every",
        "2",
        "--eval-rows",
        "4",
    ]
    out = subprocess.run(cmd, capture_output=True, text=True, check=True, cwd=ROOT).stdout
    line = next(line for line in out.splitlines() if line.startswith("step 2 "))
    chunk, answer = map(float, re.search(r"N=3: chunk ([\d.]+) answer ([\d.]+)", line).groups())
    assert 0.0 <= chunk <= 1.0 and 0.0 <= answer <= 1.0


def _probe_module():
    import importlib.util

    spec = importlib.util.spec_from_file_location("reader_probe", ROOT / "scripts" / "reader_probe.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


@pytest.mark.parametrize("layout", ["block", "block-qfirst", "inline", "inline-vk"])
def test_every_layout_names_the_chunk_that_holds_the_asked_key(layout):
    probe = _probe_module()
    task = probe.Task(
        argparse.Namespace(layout=layout, quote=" {k}", keys=59, text=binding("{k}", "{v}"), distinct_values=False)
    )
    for seed in range(20):
        prompt, target = task.example(random.Random(seed), 5)
        parsed = parse_response(target)
        key = prompt.rsplit("What goes with ", 1)[1].split("?")[0]
        assert target.startswith(f"<think> {key}</think>\n<useful_chunks>")
        (ref,) = parsed.chunk_ids
        if layout.startswith("inline"):
            line = next(x for x in prompt.splitlines() if x.startswith(f"<CHUNK_{ref}> "))
            pair = f"{parsed.answer} {key}" if layout == "inline-vk" else f"{key} {parsed.answer}"
            assert line == f"<CHUNK_{ref}> {pair}"
        else:
            assert f"<CHUNK_{ref}>\n{binding(key, parsed.answer)}\n</CHUNK_{ref}>" in prompt
            assert prompt.startswith(f"Question: What goes with {key}?") is (layout == "block-qfirst")


def test_dense_mode_targets_follow_their_keys_and_each_key_is_asked_once():
    import argparse
    import random

    probe = _probe_module()
    args = argparse.Namespace(dense=8, target="closer", chunk_text="vk", keys=59)
    pieces = probe.dense_example(random.Random(3), 6, args)
    doc = pieces[0][0]
    queries = [(pieces[i][0], pieces[i + 1][0]) for i in range(1, len(pieces), 3)]
    assert len(queries) == 6 and len({k for k, _ in queries}) == 6  # min(K, N) lookups, no repeats
    for key, closer in queries:
        assert pieces[[p[0] for p in pieces].index(closer)][1] is True
        assert f"{key}\n{closer}" in doc  # the closer of the chunk whose text ends with the key
    subprocess.run(
        [
            sys.executable,
            str(ROOT / "scripts" / "reader_probe.py"),
            "--arch",
            "lfm2",
            "--dense",
            "4",
            "--train-n",
            "4",
            "--eval-n",
            "4",
            "--steps",
            "2",
            "--every",
            "2",
            "--eval-rows",
            "4",
        ],
        check=True,
        capture_output=True,
        cwd=ROOT,
    )


def test_default_quote_and_distinct_values_match_the_engine_task():
    """``--quote`` with the engine's template quotes the reference chunk and its closing tag, as the engine's
    reference response does; ``--distinct-values`` puts no digit twice in a document."""
    probe = _probe_module()
    args = argparse.Namespace(layout="block", quote=QUOTE, keys=59, text=binding("{k}", "{v}"), distinct_values=True)
    for seed in range(10):
        prompt, target = probe.Task(args).example(random.Random(seed), 6)
        (ref,) = parse_response(target).chunk_ids
        chunks = prompt_chunks(prompt)
        assert target.startswith(f"<think>{chunks[ref]}\n</CHUNK_{ref}></think>")
        digits = [text.strip()[-5] for text in chunks.values()]  # " bak7 bak": the digit before " bak"
        assert len(set(digits)) == len(digits) == 6
