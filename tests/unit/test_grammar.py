"""The one grammar: prompts and response parsing."""

from longrlvr.grammar import (
    build_prompt,
    format_response,
    parse_response,
    prompt_chunk_ids,
    prompt_chunks,
)


def test_prompt_tags_chunks_from_zero_in_order():
    prompt = build_prompt(["alpha text", "beta\ntext", "gamma"], "What is beta?")
    assert prompt_chunk_ids(prompt) == [0, 1, 2]
    assert prompt_chunks(prompt) == {0: "alpha text", 1: "beta\ntext", 2: "gamma"}
    assert prompt.index("<CHUNK_2>") < prompt.index("Question: What is beta?")
    for tag in ("<think>", "<useful_chunks>", "<answer>"):
        assert tag in prompt


def test_round_trip_of_a_well_formed_response():
    parsed = parse_response(format_response([2, 0, 2], "forty two", think="because"), num_chunks=3)
    assert parsed.format_ok
    assert (parsed.chunk_ids, parsed.answer, parsed.think) == ((2, 0, 2), "forty two", "because")


def test_out_of_range_ids_are_kept_and_listed():
    parsed = parse_response("<useful_chunks><CHUNK_1>, <CHUNK_9></useful_chunks><answer>a</answer>", num_chunks=3)
    assert parsed.chunk_ids == (1, 9) and parsed.out_of_range == (9,)


def test_a_draft_inside_the_reasoning_yields_to_the_final_tags():
    text = "<think>maybe <answer>draft</answer></think><useful_chunks>CHUNK_0</useful_chunks><answer>final</answer>"
    parsed = parse_response(text)
    assert parsed.format_ok and parsed.answer == "final"


def test_tags_only_inside_the_reasoning_are_read_as_the_authors_do():
    text = "<think>so <useful_chunks><CHUNK_2></useful_chunks><answer>Paris</answer></think>\nAnswer: Paris"
    parsed = parse_response(text)
    assert parsed.format_ok and parsed.answer == "Paris" and parsed.chunk_ids == (2,)


def test_the_whole_text_decides_when_after_think_is_ambiguous():
    # two answers after </think>: ambiguous there; the whole text has three: malformed
    text = "<think><answer>a</answer></think><useful_chunks>1</useful_chunks><answer>b</answer><answer>c</answer>"
    assert parse_response(text).format_error == "multiple_answer"
    # one answer inside, none after: the whole text has exactly one
    text = "<think><answer>a</answer></think><useful_chunks>1</useful_chunks>"
    assert parse_response(text).answer == "a"


def test_tag_scan_pairs_like_the_authors_regex():
    import re

    from longrlvr.grammar import tag_spans

    for text in [
        "<answer><answer>x</answer>",
        "<answer>a</answer>b</answer><answer>",
        "</answer><answer>a</answer>",
        "<answer>" * 5,
        "x<answer>1</answer><answer>2</answer><answer>3</answer>",
    ]:
        spans = tag_spans(text, "answer", limit=10)
        assert [text[s:e] for s, e in spans] == re.findall("<answer>(.*?)</answer>", text, re.DOTALL), text


def test_prefilled_think_without_opening_tag():
    parsed = parse_response("reasoning...</think><useful_chunks>1</useful_chunks><answer>x</answer>")
    assert parsed.think == "reasoning..." and parsed.chunk_ids == (1,)


def test_format_error_reasons():
    cases = {
        "<useful_chunks>1</useful_chunks>": "missing_answer",
        "<useful_chunks>1</useful_chunks><answer>a</answer><answer>b</answer>": "multiple_answer",
        "<answer>a</answer>": "missing_chunks",
        "<useful_chunks>1</useful_chunks><useful_chunks>2</useful_chunks><answer>a</answer>": "multiple_chunks",
    }
    for text, reason in cases.items():
        assert parse_response(text).format_error == reason, text
    assert parse_response(None).format_error == "not_a_string"


def test_empty_selection_is_well_formed():
    for empty in ("", " none ", "[]"):
        parsed = parse_response(f"<useful_chunks>{empty}</useful_chunks><answer>a</answer>")
        assert parsed.format_ok and parsed.chunk_ids == ()


def test_unreadable_chunk_list_is_not_a_format_error():
    parsed = parse_response("<useful_chunks>the second one</useful_chunks><answer>a</answer>")
    assert parsed.format_ok and not parsed.chunks_ok and parsed.chunk_ids == () and parsed.answer == "a"
