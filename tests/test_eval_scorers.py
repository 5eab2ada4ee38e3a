"""Official-style scorers against hand-computed expectations."""

from __future__ import annotations

import csv
import json

import pytest

from longrlvr.cli import main
from longrlvr.eval.choice import extract_answer_grammar, extract_answer_official, score_longbench_v2, score_longreason
from longrlvr.eval.ruler import postprocess_pred, score_records, score_task_dir, string_match_part
from longrlvr.eval.scoring import write_jsonl
from longrlvr.grammar import format_response


def test_postprocess_replaces_control_chars_and_strips():
    assert postprocess_pred("  Paris\x00\x07France\t \n") == "Paris\n\nFrance"


def test_string_match_part_multiple_golds_and_case():
    # item 1: second gold matches (case-insensitive); item 2: none; item 3: first gold.
    preds = ["it is the EIFFEL tower", "nothing", "Berlin"]
    refs = [["Louvre", "eiffel tower"], ["x"], ["berlin", "bonn"]]
    assert string_match_part(preds, refs) == 66.67


def _ruler_rec(i, pred, outputs, length=4096):
    return {"index": i, "pred": pred, "outputs": outputs, "others": {}, "truncation": -1, "length": length}


def test_ruler_variants_and_nulls():
    recs = [
        _ruler_rec(0, format_response([1], "Paris") + " not london", ["london"]),
        _ruler_rec(1, "\x00 \n", ["rome"]),
        _ruler_rec(2, format_response([0], "Rome"), ["rome"], length=8192),
    ]
    raw = score_records(recs, "raw")
    assert raw["score"] == 66.67 and raw["nulls"] == 1 and raw["n"] == 3
    assert raw["by_length"] == {"4096": 50.0, "8192": 100.0}
    ans = score_records(recs, "answer_only")
    assert ans["score"] == 33.33 and ans["nulls"] == 1


def test_ruler_task_dir_writes_summary_and_submission(tmp_path):
    preds = tmp_path / "pred"
    preds.mkdir()
    write_jsonl([_ruler_rec(0, "a b", ["b"]), _ruler_rec(1, "", ["c"])], preds / "qa_1.jsonl")
    write_jsonl([_ruler_rec(0, "C", ["c"])], preds / "qa_2.jsonl")
    out = tmp_path / "out"
    res = score_task_dir(preds, "raw", out)
    assert res["qa_1"]["score"] == 50.0 and res["qa_2"]["score"] == 100.0
    rows = list(csv.reader(open(out / "summary.csv")))
    assert rows == [["Tasks", "qa_1", "qa_2"], ["Score", "50.0", "100.0"], ["Nulls", "1/2", "0/1"]]
    sub = list(csv.reader(open(out / "submission.csv")))
    assert sub[0] == ["Task", "ID", "Prediction"] and sub[1:] == [
        ["qa_1", "0", "a b"],
        ["qa_1", "1", ""],
        ["qa_2", "0", "C"],
    ]


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("The correct answer is (B)", "B"),
        ("**The correct answer is C**", "C"),
        ("The correct answer is **(D)**", "D"),
        ("the correct answer is (B)", None),  # official regex is case-sensitive
        ("The correct answer is (b)", None),
        ("<answer>C</answer>", None),
        ("The correct answer is (E)", None),
    ],
)
def test_official_extraction(text, expected):
    assert extract_answer_official(text) == expected


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        (format_response([0], "C"), "C"),
        (format_response([0], "(B)"), "B"),
        (format_response([0], "a. the first"), "A"),
        (format_response([0], "**D**"), "D"),
        ("The correct answer is (B)", "B"),
        ("nothing here", None),
    ],
)
def test_grammar_extraction(text, expected):
    assert extract_answer_grammar(text) == expected


def _lb(i, response, answer, difficulty="easy", length="short"):
    return {"_id": str(i), "difficulty": difficulty, "length": length, "answer": answer, "response": response}


def test_longbench_v2_breakdowns_and_writeback():
    recs = [
        _lb(0, "The correct answer is (A)", "A"),
        _lb(1, format_response([1], "B"), "B", "hard", "long"),
        _lb(2, "The correct answer is C", "D", "hard", "medium"),
        _lb(3, "no idea", "A", "easy", "long"),
    ]
    res = score_longbench_v2(recs, judged=[None, None, None, True])
    assert res["score"] == 25.0 and res["nulls"] == 2
    assert res["score_grammar"] == 50.0 and res["nulls_grammar"] == 1
    assert res["score_judge"] == 75.0 and res["judge_failed"] == 3
    assert res["difficulty"] == {"easy": 50.0, "hard": 0.0}
    assert res["length"] == {"long": 0.0, "medium": 0.0, "short": 100.0}
    assert res["grammar"]["difficulty"] == {"easy": 50.0, "hard": 50.0}
    assert [r["pred"] for r in recs] == ["A", None, "C", None]
    assert [r["judge"] for r in recs] == [True, False, False, False]


def test_longreason_per_split():
    recs = [
        {"example_idx": 0, "split": "8k", "response": "The correct answer is (E)", "answer": "E"},
        {"example_idx": 1, "split": "8k", "response": format_response([0], "e"), "answer": "E"},
        {"example_idx": 2, "split": "16k", "response": "The correct answer is A", "answer": "B"},
    ]
    res = score_longreason(recs)
    assert res["score"] == 33.33 and res["split"] == {"16k": 0.0, "8k": 50.0}
    assert res["score_grammar"] == 66.67 and res["grammar"]["split"] == {"16k": 0.0, "8k": 100.0}


def test_cli_score_prints_one_json_with_grounding(tmp_path, capsys):
    path = tmp_path / "p.jsonl"
    write_jsonl(
        [
            {**_ruler_rec(0, format_response([0, 2], "x"), ["x"]), "ref_chunks": [0]},
            {**_ruler_rec(1, format_response([1], "y"), ["z"]), "ref_chunks": [1, 3]},
        ],
        path,
    )
    assert main(["eval", "score", "--benchmark", "ruler", "--input", str(path), "--variant", "answer_only"]) == 0
    out = json.loads(capsys.readouterr().out)
    assert out["score"] == 50.0 and out["n"] == 2 and out["nulls"] == 0
    assert out["grounding"]["precision"] == 75.0 and out["grounding"]["recall"] == 75.0


def test_bad_jsonl_names_file_and_line(tmp_path):
    path = tmp_path / "bad.jsonl"
    path.write_text('{"index": 0}\nnot json\n')
    with pytest.raises(ValueError, match=r"bad.jsonl:2"):
        main(["eval", "score", "--benchmark", "ruler", "--input", str(path)])
