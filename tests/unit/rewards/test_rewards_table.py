"""Hand-computed reward cases, checked to the digit (paper defaults: a + 0.1·F + 0.9·a·F, β = 2)."""

import pytest

from longrlvr.grammar import format_response
from longrlvr.rewards import RewardConfig, Scorer, ScoreRequest, compute_score, context_score, fbeta_score

REF = {"ref_chunks": [1, 2], "num_chunks": 5}


def resp(ids: list[int], answer: str = "Paris") -> str:
    return format_response(ids, answer, think="reasoning")


CASES = [
    # name, response, extra_info, (score, answer_acc, precision, recall, fbeta, format_ok)
    ("perfect", resp([1, 2]), REF, (2.0, 1.0, 1.0, 1.0, 1.0, 1.0)),
    # P = 2/4, R = 1: F = 5·0.5 / (4·0.5 + 1) = 5/6
    ("partial_precision", resp([1, 2, 3, 4]), REF, (1 + 0.1 * 5 / 6 + 0.9 * 5 / 6, 1.0, 0.5, 1.0, 5 / 6, 1.0)),
    # P = 1, R = 1/4: F = 5·0.25 / (4 + 0.25) = 5/17
    (
        "partial_recall",
        resp([1]),
        {"ref_chunks": [1, 2, 3, 4], "num_chunks": 5},
        (1 + 0.1 * 5 / 17 + 0.9 * 5 / 17, 1.0, 1.0, 0.25, 5 / 17, 1.0),
    ),
    # duplicates count in the precision denominator: P = 2/3, R = 1, F = (10/3)/(11/3) = 10/11
    ("duplicates", resp([1, 1, 2]), REF, (1 + 0.1 * 10 / 11 + 0.9 * 10 / 11, 1.0, 2 / 3, 1.0, 10 / 11, 1.0)),
    # id 7 >= 5 chunks is a wrong pick: P = 1/2, R = 1/2 -> F = 5·0.25/(2 + 0.5) = 0.5; wrong answer -> 0.1·F
    ("out_of_range_wrong_answer", resp([1, 7], "Rome"), REF, (0.05, 0.0, 0.5, 0.5, 0.5, 1.0)),
    ("wrong_answer_right_chunks", resp([1, 2], "Rome"), REF, (0.1, 0.0, 1.0, 1.0, 1.0, 1.0)),
    ("right_answer_no_chunks", resp([]), REF, (1.0, 1.0, 0.0, 0.0, 0.0, 1.0)),
    ("no_tags", "The answer is Paris.", REF, (0.0, 0.0, 0.0, 0.0, 0.0, 0.0)),
    ("two_answers", resp([1, 2]) + "<answer>Paris</answer>", REF, (0.0, 0.0, 0.0, 0.0, 0.0, 0.0)),
]


@pytest.mark.parametrize("name,response,extra,expected", CASES, ids=[c[0] for c in CASES])
def test_reward_table(name, response, extra, expected):
    out = compute_score("longrlvr", response, "paris", extra)
    got = tuple(out[k] for k in ("score", "answer_acc", "precision", "recall", "fbeta", "format_ok"))
    assert got == pytest.approx(expected, abs=1e-12), name


@pytest.mark.parametrize(
    "written", ["<CHUNK_3>", "CHUNK_3", "CHUNK 3", "Chunk_3", "chunk-3", "<CHUNK_3></CHUNK_3>", "3"]
)
def test_each_id_variant_is_read(written):
    response = f"<useful_chunks>{written}</useful_chunks><answer>x</answer>"
    out = compute_score("longrlvr", response, "x", {"ref_chunks": [3], "num_chunks": 5})
    assert out["fbeta"] == 1.0 and out["score"] == 2.0


def test_format_errors_are_named():
    assert compute_score("longrlvr", "no tags", "x", REF)["format_error"] == "missing_answer"
    two = "<useful_chunks>1</useful_chunks><answer>a</answer><answer>b</answer>"
    assert compute_score("longrlvr", two, "x", REF)["format_error"] == "multiple_answer"
    assert compute_score("longrlvr", "<answer>x</answer>", "x", REF)["format_error"] == "missing_chunks"


def test_dedup_option_counts_duplicates_once():
    assert context_score([1, 1, 2], [1, 2], dedup=True).fbeta == 1.0
    assert compute_score("longrlvr", resp([1, 1, 2]), "paris", REF, dedup=True)["score"] == 2.0


def test_modes():
    partial = resp([1, 2, 3, 4])
    assert compute_score("longrlvr", partial, "paris", REF, mode="outcome_only")["score"] == 1.0
    assert compute_score("longrlvr", partial, "paris", REF, mode="context_only")["score"] == pytest.approx(5 / 6)
    weights = {"answer_weight": 0.5, "context_weight": 0.5, "joint_weight": 0.0}
    assert compute_score("longrlvr", partial, "paris", REF, **weights)["score"] == pytest.approx(0.5 + 0.5 * 5 / 6)


def test_malformed_score_is_configurable():
    assert compute_score("longrlvr", "garbage", "x", REF, format_score=-1.0)["score"] == -1.0


def test_fbeta_formula():
    assert fbeta_score(0.5, 1.0, beta=1.0) == pytest.approx(2 / 3)
    assert fbeta_score(0.0, 0.0) == 0.0


def test_overlong_penalty_follows_dapo():
    cfg = {"overlong_buffer_cfg": {"enable": True, "len": 20, "penalty_factor": 1.0}, "max_resp_len": 100}
    perfect = resp([1, 2])
    assert compute_score("longrlvr", perfect, "paris", REF, response_length=80, **cfg)["score"] == 2.0
    assert compute_score("longrlvr", perfect, "paris", REF, response_length=90, **cfg)["score"] == pytest.approx(1.5)


def test_sources_without_reference_chunks_score_the_answer_only():
    out = compute_score("longbench_v2", "<useful_chunks></useful_chunks><answer>(C) text</answer>", "C")
    assert (out["score"], out["answer_acc"], out["fbeta"]) == (1.0, 1.0, 0.0)


class _Yes:
    correct, failed, source = True, False, "llm"


class _AlwaysYes:
    async def judge(self, question, reference, candidate, ref_chunks_text=None):
        return _Yes()


def test_judge_verdict_overrides_rule():
    request = ScoreRequest("longrlvr", resp([1, 2], "the French capital"), "paris", REF)
    assert Scorer.from_config({}).score(request).score == 0.1
    result = Scorer.from_config({}, judge=_AlwaysYes()).score(request)
    assert (result.score, result.judge_asked, result.answer_source) == (2.0, 1.0, "judge:llm")


def test_closing_tags_are_not_ids():
    # the authors' reader counts <CHUNK_i> only; a closing tag would otherwise halve precision
    out = compute_score(
        "longrlvr",
        "<useful_chunks><CHUNK_1></CHUNK_1></useful_chunks><answer>x</answer>",
        "x",
        {"ref_chunks": [1], "num_chunks": 5},
    )
    assert (out["precision"], out["num_chunks_named"], out["score"]) == (1.0, 1.0, 2.0)


def test_bad_config_is_rejected():
    with pytest.raises(ValueError, match="mode"):
        RewardConfig(mode="nope")
    with pytest.raises(ValueError, match="answer_scorer"):
        compute_score("longrlvr", resp([1]), "paris", REF, answer_scorer="nope")
