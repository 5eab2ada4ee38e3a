"""Property tests: the reward never raises and stays in range on any input."""

from hypothesis import given, settings
from hypothesis import strategies as st

from longrlvr.grammar import parse_response
from longrlvr.rewards import compute_score

TAGS = st.sampled_from(
    [
        "<answer>",
        "</answer>",
        "<useful_chunks>",
        "</useful_chunks>",
        "<think>",
        "</think>",
        "<CHUNK_1>",
        "CHUNK 2",
        "chunk_99",
        ",",
        " ",
        "\n",
        "Paris",
        "7",
    ]
)
RESPONSES = st.one_of(st.text(), st.lists(st.one_of(TAGS, st.text(max_size=5)), max_size=30).map("".join))


@settings(max_examples=300, deadline=None)
@given(
    response=RESPONSES,
    refs=st.lists(st.integers(0, 20), max_size=5),
    num_chunks=st.one_of(st.none(), st.integers(0, 30)),
    data_source=st.sampled_from(["longrlvr", "keychain", "longbench_v2", "ruler_qa", "niah"]),
    mode=st.sampled_from(["longrlvr", "outcome_only", "context_only"]),
    dedup=st.booleans(),
)
def test_any_response_scores_in_range(response, refs, num_chunks, data_source, mode, dedup):
    out = compute_score(
        data_source, response, ["Paris", "7"], {"ref_chunks": refs, "num_chunks": num_chunks}, mode=mode, dedup=dedup
    )
    assert 0.0 <= out["score"] <= 2.0
    for key in ("answer_acc", "precision", "recall", "fbeta", "format_ok"):
        assert 0.0 <= out[key] <= 1.0, key


@given(st.one_of(st.none(), st.integers(), st.binary(), st.text()))
def test_parser_never_raises(value):
    parsed = parse_response(value)
    assert parsed.format_ok == (parsed.format_error is None)


HOSTILE = st.sampled_from(
    [
        "<answer>",
        "</answer>",
        "<useful_chunks>",
        "</useful_chunks>",
        "</think>",
        "<CHUNK_",
        "9" * 50,
        "</CHUNK_1>",
        " or ",
        ", ",
        "[[Yes]]",
        "\u200b",
        "ＹＥＳ",
        "A",
        " " * 40,
    ]
)
BAD_DATA = st.one_of(
    st.none(),
    st.floats(allow_nan=True),
    st.text(max_size=5),
    st.dictionaries(st.text(max_size=3), st.integers(), max_size=2),
    st.lists(st.one_of(st.integers(-3, 30), st.floats(), st.none()), max_size=4),
)


@settings(max_examples=300, deadline=None)
@given(
    response=st.lists(st.one_of(HOSTILE, st.text(max_size=8)), max_size=40).map("".join),
    ground_truth=st.one_of(st.just("Paris"), st.lists(st.text(max_size=6), max_size=3), BAD_DATA),
    refs=st.one_of(st.lists(st.integers(0, 20), max_size=5), BAD_DATA),
    num_chunks=st.one_of(st.none(), st.integers(-1, 30), BAD_DATA),
    data_source=st.sampled_from(
        [
            "longrlvr",
            "synthetic",
            "keychain",
            "ruler_qa",
            "niah_single",
            "contextrl_select",
            "longbench_v2",
            "longreason",
        ]
    ),
)
def test_any_string_and_any_row_data_score_in_zero_two(response, ground_truth, refs, num_chunks, data_source):
    out = compute_score(data_source, response, ground_truth, {"ref_chunks": refs, "num_chunks": num_chunks})
    assert 0.0 <= out["score"] <= 2.0
    if out["data_error"]:
        assert out["score"] == 0.0
