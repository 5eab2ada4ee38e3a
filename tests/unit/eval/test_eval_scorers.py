"""Scoring variants against hand-computed expectations, on small files in our and the authors' formats."""

from __future__ import annotations

import csv
import json
from pathlib import Path

import pytest

from longrlvr import jsonl
from longrlvr.cli import main
from longrlvr.eval.benchmarks import get as benchmark
from longrlvr.eval.choice import answer_letter, extract_answer_official
from longrlvr.eval.ruler import postprocess_pred, score_records, score_task_dir, string_match_part
from longrlvr.eval.scoring import score_path
from longrlvr.grammar import format_response
from tests.helpers.eval import authors_longbench_rows, authors_longreason_rows, write_authors_ruler


def test_postprocess_replaces_control_chars_and_strips():
    assert postprocess_pred("  Paris\x00\x07France\t \n") == "Paris\n\nFrance"


def test_string_match_part_multiple_golds_and_case():
    # item 1: second gold matches (case-insensitive); item 2: none; item 3: first gold.
    preds = ["it is the EIFFEL tower", "nothing", "Berlin"]
    refs = [["Louvre", "eiffel tower"], ["x"], ["berlin", "bonn"]]
    assert string_match_part(preds, refs) == 66.67


def _ruler_rec(i, pred, outputs, length=4096):
    return {"index": i, "pred": pred, "outputs": outputs, "others": {}, "truncation": -1, "length": length}


def test_ruler_variants_nulls_and_length_breakdown():
    recs = [
        _ruler_rec(0, format_response([1], "Paris") + " not london", ["london"]),
        _ruler_rec(1, "\x00 \n", ["rome"]),
        _ruler_rec(2, format_response([0], "Rome"), ["rome"], length=8192),
    ]
    res = score_records(recs)["variants"]
    assert res["official"]["score"] == 66.67 and res["official"]["nulls"] == 1 and res["official"]["n"] == 3
    assert res["official"]["by"]["length"] == {"4096": 50.0, "8192": 100.0}
    assert res["answer"]["score"] == 33.33 and res["answer"]["nulls"] == 1
    assert [r["correct_answer"] for r in recs] == [False, False, True]


def test_ruler_authors_dir_reproduces_their_summary_and_scores_each_variant(tmp_path):
    root = write_authors_ruler(tmp_path / "qwen")
    out = score_path("ruler", root, tmp_path / "scored")
    qa_1 = out["lengths"]["32768"]["qa_1"]["variants"]
    # official = whole response: item 1 counts because the reasoning quotes the gold string
    assert qa_1["official"]["score"] == 66.67 and qa_1["official"]["by"]["length"] == {"32768": 66.67}
    published = list(csv.reader(open(root / "32768/pred/summary.csv")))
    assert published[2] == ["Score", str(qa_1["official"]["score"])]
    assert qa_1["answer"]["score"] == 33.33 and qa_1["answer"]["nulls"] == 1
    assert qa_1["release"]["score"] == 33.33  # the authors' own extracted answers (submission.csv)
    assert out["mean"] == {"official": 66.67, "answer": 33.33, "release": 33.33}
    scored = [json.loads(line) for line in open(tmp_path / "scored/qa_1.jsonl")]
    assert [r["pred_answer"] for r in scored] == ["Answer: France", "Answer: Greenwich Village", ""]
    rows = list(csv.reader(open(tmp_path / "scored/summary.csv")))
    assert rows == [["Tasks", "qa_1"], ["Score", "66.67"], ["Nulls", "0/3"]]


def test_ruler_single_length_dir_and_file(tmp_path):
    root = write_authors_ruler(tmp_path / "m", length=65536)
    by_dir = score_path("ruler", root / "65536" / "pred")
    by_file = score_path("ruler", root / "65536" / "pred" / "qa_1.jsonl")
    assert by_dir["lengths"]["pred"]["qa_1"]["variants"]["official"]["score"] == 66.67
    assert by_file["variants"]["official"]["by"]["length"] == {"65536": 66.67}  # bucket from the folder name


def test_ruler_answer_variant_reads_tags_inside_the_reasoning():
    # the released models sometimes write the tags before closing </think> (or never close it): the reward
    # path's reader takes them, so the answer variant does too; RULER's official score is unaffected
    recs = [
        _ruler_rec(
            0, "Chunk 1 says Rollo.\n<useful_chunks><CHUNK_1></useful_chunks>\n<answer>Rollo</answer>", ["Rollo"]
        ),
        _ruler_rec(
            1,
            "<answer>draft: Paris</answer> hmm\n</think>\n<useful_chunks>1</useful_chunks><answer>Rome</answer>",
            ["rome"],
        ),
    ]
    res = score_records(recs)["variants"]
    assert [r["pred_answer"] for r in recs] == ["Rollo", "Rome"]
    assert res["answer"]["score"] == 100.0 and res["official"]["score"] == 100.0


def test_failed_item_files_are_not_task_files(tmp_path):
    jsonl.rewrite(tmp_path / "qa_2.jsonl", [_ruler_rec(0, "C", ["c"])])
    jsonl.rewrite(tmp_path / "qa_2.failed.jsonl", [{"id": "1", "error": "HTTP 400"}])
    assert list(score_task_dir(tmp_path)) == ["qa_2"]


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
        ("D", "D"),
        ("(D)", "D"),
        ("D. Ion streams", "D"),
        ("Option D", "D"),
        ("option (d): text", "D"),
        ("**D**", "D"),
        ("Answer: D", "D"),
        ("The correct answer is (D)", "D"),
        ("The option that best fits is C. Cutting off toes to fit into shoes.", "C"),
        ("The attitude is somewhat skeptical (A). The document says", "A"),
        ('It is best described by option A: "whether to exploit"', "A"),
        ("Not B. but maybe D. instead", None),  # two different markers: ambiguous
        ("The minimum number of weighings is 3.", None),
        ("A bird in the hand", None),
        ("Ion streams", None),
        ("E. five", None),  # not an option of a four-letter question
        (None, None),
    ],
)
def test_answer_letter(text, expected):
    assert answer_letter(text, "ABCD") == expected


def test_longbench_v2_authors_file_every_variant():
    rows = authors_longbench_rows()
    res = benchmark("longbench_v2").score_records(rows, Path("lb.jsonl"), None)["variants"]
    assert list(res) == ["official", "answer", "release_field"]
    assert res["official"]["score"] == 25.0 and res["official"]["nulls"] == 2
    assert res["answer"]["score"] == 50.0 and res["answer"]["nulls"] == 1
    # the published number: the authors' LLM-rescued judge field, which accepted a wrong letter
    assert res["release_field"]["score"] == 75.0 and res["release_field"]["accepted_wrong_letters"] == 1
    assert res["official"]["by"]["difficulty"] == {"easy": 50.0, "hard": 0.0}
    assert res["answer"]["by"]["length"] == {"short": 50.0, "medium": 0.0, "long": 100.0}
    assert res["answer"]["by"]["gold"] == {"A": 0.0, "B": 0.0, "C": 100.0, "D": 100.0}
    assert [r["pred_answer"] for r in rows] == ["D", None, "C", "A"]
    assert [r["correct_official"] for r in rows] == [True, False, False, False]


def test_longbench_v2_judged_variant_from_verdicts():
    rows = authors_longbench_rows()
    res = benchmark("longbench_v2").score_records(rows, Path("lb.jsonl"), [True, None, True, False])["variants"]
    assert res["judged"]["score"] == 50.0 and res["judged"]["failed"] == 1
    assert [r["correct_judged"] for r in rows] == [True, False, True, False]


def test_longreason_release_rule_and_its_letter_bias(tmp_path):
    rows = authors_longreason_rows()
    res = benchmark("longreason").score_records(rows, Path("lr.jsonl"), None)["variants"]
    assert res["official"]["score"] == 0.0 and res["official"]["nulls"] == 3
    assert res["answer"]["score"] == 33.33
    # release = "gold letter anywhere in pred": gold C is counted right because <CHUNK_3> contains a C
    assert res["release"]["score"] == 66.67 == res["release_field"]["score"]
    assert res["release"]["by"]["gold"] == {"A": 0.0, "C": 100.0, "D": 100.0}
    assert res["answer"]["by"]["gold"] == {"A": 0.0, "C": 0.0, "D": 100.0}
    # without the authors' pred field the rule is recomputed from the text after </think>
    for r in rows:
        del r["pred"], r["judge"]
    res = benchmark("longreason").score_records(rows, Path("lr.jsonl"), None)["variants"]
    assert res["release"]["score"] == 66.67 and "release_field" not in res


def test_cli_score_prints_one_json_with_every_variant_and_grounding(tmp_path, capsys):
    path = tmp_path / "p.jsonl"
    jsonl.rewrite(
        path,
        [
            {**_ruler_rec(0, format_response([0, 2], "x"), ["x"]), "ref_chunks": [0]},
            {**_ruler_rec(1, format_response([1], "y"), ["z"]), "ref_chunks": [1, 3]},
        ],
    )
    assert main(["eval", "score", "--benchmark", "ruler", "--input", str(path)]) == 0
    out = json.loads(capsys.readouterr().out)
    assert out["variants"]["answer"]["score"] == 50.0 and out["n"] == 2
    assert out["grounding"]["precision"] == 75.0 and out["grounding"]["recall"] == 75.0


def test_cli_score_authors_longreason_file(tmp_path, capsys):
    path = tmp_path / "qwen2.5_7b_1m_longrlvr_32k.jsonl"
    jsonl.rewrite(path, authors_longreason_rows())
    assert main(["eval", "score", "--benchmark", "longreason", "--input", str(path), "--out", str(tmp_path / "o")]) == 0
    out = json.loads(capsys.readouterr().out)
    assert set(out["variants"]) == {"official", "answer", "release", "release_field"}
    assert out["variants"]["answer"]["by"]["split"] == {"32k": 33.33}
    scored = [json.loads(line) for line in open(tmp_path / "o" / path.name)]
    assert [r["correct_release"] for r in scored] == [True, True, False]


def test_torn_last_line_is_skipped_when_scoring(tmp_path):
    path = tmp_path / "qa_1.jsonl"
    path.write_text(json.dumps(_ruler_rec(0, "Rome", ["rome"])) + "\n" + '{"index": 1, "pred": "Par')
    assert score_path("ruler", path)["n"] == 1


@pytest.mark.parametrize(
    ("content", "message"),
    [
        ('{"index": 0}\nnot json\n{"index": 2}\n', "bad.jsonl:2: invalid JSON"),
        ('{"index": 0, "pred": "x"}\n', "bad.jsonl: record 1: missing field(s) outputs"),
    ],
)
def test_bad_file_is_one_clear_line_and_exit_2(tmp_path, capsys, content, message):
    path = tmp_path / "bad.jsonl"
    path.write_text(content)
    assert main(["eval", "score", "--benchmark", "ruler", "--input", str(path)]) == 2
    err = capsys.readouterr().err
    assert message in err and err.count("\n") == 1
