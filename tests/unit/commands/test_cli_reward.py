"""``longrlvr reward score`` from the command line and from a jsonl file."""

import json

from longrlvr.cli import main


def test_score_one_response(capsys):
    code = main(
        [
            "reward",
            "score",
            "--response",
            "<useful_chunks>CHUNK_1</useful_chunks><answer>Paris</answer>",
            "--ground-truth",
            "paris",
            "--ref-chunks",
            "1,2",
        ]
    )
    assert code == 0
    out = json.loads(capsys.readouterr().out)
    assert out["recall"] == 0.5 and out["fbeta"] == 5 / 9 and out["score"] == 1 + 0.1 * 5 / 9 + 0.9 * 5 / 9


def test_score_jsonl_reports_bad_lines(tmp_path, capsys):
    path = tmp_path / "r.jsonl"
    good = {"response": "<useful_chunks>1</useful_chunks><answer>x</answer>", "ground_truth": "x", "ref_chunks": [1]}
    path.write_text(json.dumps(good) + "\n" + json.dumps({"response": "x"}) + "\n")
    assert main(["reward", "score", "--jsonl", str(path)]) == 2
    assert f"{path}:2: missing field(s) ['ground_truth']" in capsys.readouterr().err
    path.write_text(json.dumps(good) + "\n")
    assert main(["reward", "score", "--jsonl", str(path), "--mode", "outcome_only"]) == 0
    assert json.loads(capsys.readouterr().out)["score"] == 1.0


def test_unknown_data_source_is_one_clear_line(tmp_path, capsys):
    path = tmp_path / "r.jsonl"
    item = {
        "response": "<useful_chunks>1</useful_chunks><answer>x</answer>",
        "ground_truth": "x",
        "ref_chunks": [1],
        "data_source": "mystery",
    }
    path.write_text(json.dumps(item) + "\n")
    assert main(["reward", "score", "--jsonl", str(path)]) == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and "unknown data_source 'mystery'" in err and "Traceback" not in err
