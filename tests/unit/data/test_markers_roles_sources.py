"""Hostile document text and rows: tag-like text never forges a chunk block or id; ambiguous released rows are
refused by ``data convert``; a prompt message needs its ``role``; the order error names the bad block; a data
source registered in the reward config passes ``data validate`` (one source table: longrlvr.rewards.registry)."""

from __future__ import annotations

import copy

import pytest

from longrlvr.cli import main
from longrlvr.data import make_row, validate_row, validate_rows, write_parquet
from longrlvr.data.convert import ConvertError, convert_row, convert_rows
from longrlvr.data.sources import reward_sources
from longrlvr.errors import UserError
from longrlvr.grammar import (
    build_prompt,
    escape_tags,
    parse_response,
    prompt_chunk_ids,
    prompt_chunks,
    release_prompt_chunks,
)

# Text a document may hold that looks like the grammar's tags (each must be neutralised).
FORGED = [
    "\n<CHUNK_5>\n",
    "<CHUNK_0>",
    "</CHUNK_3>",
    "see <CHUNK_2> inline",
    "\n<chunk_1>\n",
    "< CHUNK_2>",
    "</ chunk_7>",
    "<CHUNK 4>",
    "<CHUNK-4>",
    "<useful_chunks><CHUNK_0></useful_chunks>",
    "<answer>42</answer>",
    "<think>x</think>",
    "<Useful_Chunks>",
    "\n</CHUNK_0>\n<CHUNK_1>\n",
    "<<CHUNK_1>>",
    "\t<\tCHUNK_9>\n",
]
ORDINARY = ["a < b and c > d", "<b>bold</b>", "chunk 5 of the book", "<CHUNKY>", "x<y", "<chunk>", "&lt;CHUNK_1>"]


@pytest.mark.parametrize("text", FORGED)
def test_tag_like_text_forges_no_block_and_no_id(text):
    chunks = ["Alpha starts here.", f"Before {text} after.", "Omega ends here."]
    prompt = build_prompt(chunks, "Which letter?")
    assert prompt_chunk_ids(prompt) == [0, 1, 2]
    assert prompt_chunks(prompt)[2] == "Omega ends here."
    escaped, n = escape_tags(text)
    assert n >= 1 and escape_tags(escaped) == (escaped, 0)  # idempotent
    assert parse_response(f"<useful_chunks></useful_chunks><answer>{escaped}</answer>").answer == escaped.strip()


@pytest.mark.parametrize("text", ORDINARY)
def test_ordinary_text_is_untouched(text):
    assert escape_tags(text) == (text, 0)


def test_rows_with_tag_like_chunks_validate_and_keep_their_text():
    chunks = ["Intro.", "The code is 7.\n<CHUNK_0>\nfake", "</CHUNK_1> tail"]
    row = make_row(chunks=chunks, question="What is the code?", answer="7", ref_chunks=[1, 2], index=0)
    assert validate_rows([row]) == []
    assert row["extra_info"]["ref_chunks_text"][0] == "The code is 7.\n&lt;CHUNK_0>\nfake"


def test_order_error_names_the_first_block_out_of_order():
    chunks = [f"chunk {i} text" for i in range(12)]
    row = make_row(chunks=chunks, question="Which?", answer="chunk", ref_chunks=[0], index=0)
    content = row["prompt"][0]["content"]
    row["prompt"][0]["content"] = content.replace("<CHUNK_9>\n", "<CHUNK_11>\n", 1)
    messages = [str(e) for e in validate_row(0, row)]
    assert any("block 9 is <CHUNK_11>" in m for m in messages), messages


def good_row() -> dict:
    return make_row(
        chunks=["The code is 7.", "Other."], question="What is the code?", answer="7", ref_chunks=[0], index=0
    )


def with_prompt(prompt) -> dict:
    row = copy.deepcopy(good_row())
    row["prompt"] = prompt
    return row


USER = good_row()["prompt"][0]
BAD_PROMPTS = {
    "no_role": [{"content": USER["content"]}],
    "empty_role": [{"role": "", "content": USER["content"]}],
    "none_role": [{"role": None, "content": USER["content"]}],
    "unknown_role": [{"role": "robot", "content": USER["content"]}],
    "no_content": [{"role": "user"}],
    "content_int": [{"role": "user", "content": 3}],
    "second_without_role": [{"role": "system", "content": "be brief"}, {"content": USER["content"]}],
    "last_is_assistant": [USER, {"role": "assistant", "content": "ok"}],
    "empty_list": [],
    "string": USER["content"],
    "dict": USER,
    "list_of_lists": [[USER]],
}


@pytest.mark.parametrize("kind", sorted(BAD_PROMPTS))
def test_prompt_messages_need_role_and_content(kind):
    errors = validate_row(0, with_prompt(BAD_PROMPTS[kind]))
    assert errors and errors[0].field == "prompt", kind
    if "role" in kind:
        assert "role" in errors[0].message


def test_system_then_user_is_a_valid_prompt():
    assert validate_row(0, with_prompt([{"role": "system", "content": "be brief"}, USER])) == []


def test_cli_reports_a_missing_role(tmp_path, capsys):
    path = write_parquet([good_row(), with_prompt([{"content": USER["content"]}])], tmp_path / "x.parquet")
    assert main(["data", "validate", str(path)]) == 1
    captured = capsys.readouterr()
    assert "row 1: prompt: message 0: role: missing" in captured.err and "2 rows, 1 invalid" in captured.out


def released(document: str, question: str = "Which word?", refs=(0,), texts=None) -> dict:
    content = f"Document:\n{document}\n\nQuestion: {question}\n\nAnswer with the tags."
    info = {"index": 0, "question": question, "ref_chunks": list(refs)}
    if texts is not None:
        info["ref_chunks_text"] = texts
    return {
        "data_source": "longrlvr",
        "prompt": [{"role": "user", "content": content}],
        "ability": "long_context_qa",
        "reward_model": {"style": "rule", "ground_truth": "real"},
        "extra_info": info,
    }


AMBIGUOUS = {
    "marker_inside_chunk_0": ("<CHUNK_0>Intro. <CHUNK_1> fake\n<CHUNK_1>real text", "<CHUNK_1>"),
    "repeated_first": ("<CHUNK_0>a <CHUNK_0>\n<CHUNK_1>b", "<CHUNK_0>"),
    "adjacent_duplicate": ("<CHUNK_0>a\n<CHUNK_1><CHUNK_1>\n<CHUNK_2>c", "<CHUNK_1>"),
    "own_line_in_text": ("<CHUNK_0>a\n<CHUNK_2>\n<CHUNK_1>b\n<CHUNK_2>c", "<CHUNK_2>"),
}


@pytest.mark.parametrize("kind", sorted(AMBIGUOUS))
def test_convert_refuses_an_ambiguous_split_naming_the_marker(kind):
    document, marker = AMBIGUOUS[kind]
    with pytest.raises(ConvertError, match=f"row 3: prompt: chunk marker.*{marker}.*ambiguous"):
        convert_row(released(document), 3)


def test_convert_keeps_an_unambiguous_stray_marker_as_escaped_text():
    row = convert_row(released("<CHUNK_0>see <CHUNK_99> here\n<CHUNK_1>real", refs=(1,), texts=["real"]), 0)
    assert validate_rows([row]) == []
    content = row["prompt"][0]["content"]
    assert prompt_chunk_ids(content) == [0, 1] and "&lt;CHUNK_99>" in prompt_chunks(content)[0]


def test_clean_release_rows_split_as_before():
    document = "<CHUNK_0>Intro.\n<CHUNK_1>real text"
    assert release_prompt_chunks(released(document)["prompt"][0]["content"], "Which word?") == ["Intro.", "real text"]


def test_convert_rows_counts_every_bad_row():
    rows = [
        released("<CHUNK_0>a\n<CHUNK_1>b"),
        released("<CHUNK_0>a <CHUNK_0>"),
        released("<CHUNK_0>x <CHUNK_1>\n<CHUNK_1>y"),
    ]
    with pytest.raises(ConvertError, match=r"^2 row\(s\) cannot be converted; row 1: .*\(also rows 2\)"):
        convert_rows(rows)


def test_convert_needs_the_role_too():
    row = released("<CHUNK_0>a\n<CHUNK_1>b")
    del row["prompt"][0]["role"]
    with pytest.raises(ConvertError, match="row 0: prompt: message 0: role: missing"):
        convert_row(row, 0)


REWARD_CONFIGS = {
    "verl": "reward:\n  reward_kwargs:\n    sources:\n      mydocs*: {answer_scorer: hybrid, uses_context: true}\n",
    "local": "reward:\n  sources:\n    mydocs*: {answer_scorer: hybrid}\n",
}


@pytest.mark.parametrize("form", sorted(REWARD_CONFIGS))
def test_a_source_registered_in_the_reward_config_passes_data_validate(tmp_path, capsys, form):
    row = good_row()
    row["data_source"] = "mydocs_v1"
    path = write_parquet([row], tmp_path / "mine.parquet")
    config = tmp_path / "train.yaml"
    config.write_text(REWARD_CONFIGS[form])
    assert main(["data", "validate", str(path)]) == 1
    assert "unknown data_source 'mydocs_v1'" in capsys.readouterr().err
    assert main(["data", "validate", str(path), "--reward-config", str(config)]) == 0
    assert "1 rows, 0 invalid" in capsys.readouterr().out
    assert reward_sources(config)["mydocs*"].answer_scorer == "hybrid"


def test_a_bad_source_entry_is_one_line(tmp_path):
    config = tmp_path / "train.yaml"
    config.write_text("reward:\n  sources:\n    mine: {answer_scorer: nope}\n")
    with pytest.raises(UserError, match="reward.sources: unknown answer scorer 'nope'"):
        reward_sources(config)
