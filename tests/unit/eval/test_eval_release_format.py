"""The release prompt format (what the authors' files show for the released checkpoints): golden strings."""

from __future__ import annotations

import asyncio

import pytest

from longrlvr.eval.items import EvalItem, PromptSettings, template_opens_think
from longrlvr.eval.runner import GenerationSettings, run_items
from longrlvr.grammar import build_prompt, parse_response, release_prompt_chunks
from tests.helpers.eval import tiny_tokenizer

CHUNKS = ["Marie Curie was born in Warsaw.", "She discovered radium in 1898."]
QUESTION = "Where was Marie Curie born?"

GOLDEN_RELEASE = (
    "Document:\n"
    "<CHUNK_0>Marie Curie was born in Warsaw.\n"
    "<CHUNK_1>She discovered radium in 1898.\n"
    "\n"
    "Question: Where was Marie Curie born?\n"
    "\n"
    "Think step by step inside <think> </think>. Then list the chunks that contain the evidence you used inside "
    "<useful_chunks> </useful_chunks>, for example <useful_chunks><CHUNK_2> <CHUNK_7></useful_chunks>. "
    "Finally, give the final answer inside <answer> </answer>."
)
GOLDEN_RELEASE_THINK_OPENED = GOLDEN_RELEASE.replace(
    "Think step by step inside <think> </think>.",
    "Your reasoning is already open: think step by step and close it with </think>.",
)
GOLDEN_OURS = (
    "Read the following document, which is split into chunks marked <CHUNK_i>, and answer the question after it.\n"
    "\n"
    "<CHUNK_0>\nMarie Curie was born in Warsaw.\n</CHUNK_0>\n"
    "<CHUNK_1>\nShe discovered radium in 1898.\n</CHUNK_1>\n"
    "\n"
    "Question: Where was Marie Curie born?\n"
    "\n"
    "First, think step by step inside <think> </think>. Then list the ids of every chunk that contains evidence "
    "you used inside <useful_chunks> </useful_chunks>, for example <useful_chunks><CHUNK_2>, <CHUNK_7>"
    "</useful_chunks>. Finally, give a concise final answer inside <answer> </answer>."
)
THINKING_TEMPLATE = (
    "{% for m in messages %}<|user|>{{ m['content'] }}{% endfor %}"
    "{% if add_generation_prompt %}<|assistant|>\n<think>\n{% endif %}"
)


def test_golden_prompt_strings():
    assert build_prompt(CHUNKS, QUESTION, prompt_format="release") == GOLDEN_RELEASE
    assert build_prompt(CHUNKS, QUESTION, prompt_format="release", think_opened=True) == GOLDEN_RELEASE_THINK_OPENED
    assert build_prompt(CHUNKS, QUESTION) == GOLDEN_OURS  # ours stays the default


def test_think_opened_prompt_asks_for_no_second_think():
    prompt = build_prompt(CHUNKS, QUESTION, prompt_format="release", think_opened=True)
    assert "<think>" not in prompt and "</think>" in prompt


def test_unknown_format_is_an_error():
    with pytest.raises(ValueError, match="prompt_format"):
        build_prompt(CHUNKS, QUESTION, prompt_format="relase")
    with pytest.raises(ValueError, match="prompt_format"):
        PromptSettings("relase")


def test_release_prompt_round_trips_to_its_chunks():
    prompt = build_prompt([*CHUNKS, "A tag <CHUNK_9> inside text."], QUESTION, prompt_format="release")
    assert release_prompt_chunks(prompt, QUESTION) == [*CHUNKS, "A tag <CHUNK_9> inside text."]
    assert release_prompt_chunks(prompt) == [*CHUNKS, "A tag <CHUNK_9> inside text."]
    assert release_prompt_chunks(GOLDEN_OURS) is None


def test_template_that_opens_think_is_detected():
    tok = tiny_tokenizer()
    tok.chat_template = THINKING_TEMPLATE
    assert template_opens_think(tok) is True
    tok.chat_template = "{% for m in messages %}{{ m['content'] }}{% endfor %}"
    assert template_opens_think(tok) is False
    assert template_opens_think(None) is False


def test_parser_reads_the_response_with_or_without_the_opening_think():
    # with a template that opens <think>, the generated text starts inside the reasoning
    tail = "Chunk 0 says Warsaw.\n</think>\n<useful_chunks>\n<CHUNK_0>\n</useful_chunks>\n<answer>\nWarsaw\n</answer>"
    opened, full = parse_response(tail), parse_response("<think>" + tail)
    assert opened.answer == full.answer == "Warsaw" and opened.chunk_ids == full.chunk_ids == (0,)
    assert opened.format_ok and full.format_ok


def test_run_sends_prompts_in_the_configured_format(tmp_path):
    seen = []

    class Recorder:
        async def generate(self, messages, sampling, *, validate=None):
            seen.append(messages[-1]["content"])
            return ["<answer>Warsaw</answer>"] * sampling.n

    item = EvalItem("0", "niah", 64, CHUNKS, QUESTION, ["Warsaw"])
    settings, prompt = GenerationSettings(batch_size=1), PromptSettings("release", think_opened=True)
    asyncio.run(run_items("niah", [item], Recorder(), tmp_path, settings, prompt))
    assert seen == [GOLDEN_RELEASE_THINK_OPENED]


@pytest.mark.parametrize(
    "path",
    [
        "configs/eval/release/ruler_qa.yaml",
        "configs/eval/release/longbench_v2.yaml",
        "configs/eval/release/longreason.yaml",
        "configs/eval/ruler_qa.yaml",
        "configs/eval/longbench_v2.yaml",
        "configs/eval/longreason.yaml",
    ],
)
def test_eval_configs_load_and_the_release_ones_use_the_release_format(path):
    from longrlvr.cli import build_parser
    from longrlvr.commands.eval import load_eval_config

    args = build_parser().parse_args(["eval", "run", "--config", path, "--model", "m", "--out", "x"])
    cfg = load_eval_config(args)
    release = "/release/" in path
    assert cfg.prompt_format == ("release" if release else "longrlvr")
    if release:
        gen = cfg.generation
        assert gen.max_new_tokens == 4096 and (gen.temperature, gen.top_p) == (0.6, 0.9)
    if release and cfg.benchmark == "ruler":
        assert cfg.data["chunk_tokens"] == 128


def test_misspelled_config_key_is_an_error(tmp_path):
    from longrlvr.cli import build_parser
    from longrlvr.commands.eval import load_eval_config
    from longrlvr.errors import UserError

    argv = ["eval", "run", "--config", "configs/eval/release/ruler_qa.yaml", "--model", "m", "--out", "x"]
    args = build_parser().parse_args([*argv, "--set", "prompt_fromat=release"])
    with pytest.raises(UserError, match="unknown key 'prompt_fromat' \\(did you mean 'prompt_format'\\?\\)"):
        load_eval_config(args)
