"""Property tests: the reward never raises and stays in range on any input."""

from hypothesis import given, settings
from hypothesis import strategies as st

from longrlvr.grammar import parse_response
from longrlvr.rewards import compute_score

TAGS = st.sampled_from(
    ["<answer>", "</answer>", "<useful_chunks>", "</useful_chunks>", "<think>", "</think>", "<CHUNK_1>", "CHUNK 2",
     "chunk_99", ",", " ", "\n", "Paris", "7"]
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
    out = compute_score(data_source, response, ["Paris", "7"], {"ref_chunks": refs, "num_chunks": num_chunks},
                        mode=mode, dedup=dedup)
    assert 0.0 <= out["score"] <= 2.0
    for key in ("answer_acc", "precision", "recall", "fbeta", "format_ok"):
        assert 0.0 <= out[key] <= 1.0, key


@given(st.one_of(st.none(), st.integers(), st.binary(), st.text()))
def test_parser_never_raises(value):
    parsed = parse_response(value)
    assert parsed.format_ok == (parsed.format_error is None)
