"""Rows in the authors' released inline format (``Document:`` + ``<CHUNK_i>text``) convert into ours and validate."""

from __future__ import annotations

import pytest

from longrlvr.cli import main
from longrlvr.data import read_parquet, validate_rows, write_parquet
from longrlvr.data.convert import ConvertError, convert_row
from longrlvr.grammar import parse_response, prompt_chunks

CHUNKS = [
    "Marxism is a tradition of thought associated with left Hegelianism.",
    "The ion converter turns the station's waste fluids into ion streams.",
    "How will Penn State do at NCAAs this year?\n\nThe team race may hinge on health.",
]


def released_row(index: int, refs: list[int], texts: list[str] | None = None) -> dict:
    """A verl row as the authors' reward manager reads it; the document inline as in their eval files."""
    question = "What do the station's waste fluids become?"
    document = "Document:\n" + "\n".join(f"<CHUNK_{i}>{c}" for i, c in enumerate(CHUNKS))
    content = f"{document}\n\nQuestion: {question}\n\nOutput the <think>, <useful_chunks> and <answer> tags."
    return {
        "data_source": "longrlvr",
        "prompt": [{"role": "user", "content": content}],
        "ability": "long_context_qa",
        "reward_model": {"style": "rule", "ground_truth": "ion streams"},
        "extra_info": {
            "index": index,
            "question": question,
            "ref_chunks": refs,
            "ref_chunks_text": texts if texts is not None else [CHUNKS[r] for r in refs],
        },
    }


def test_released_rows_fail_validation_as_they_are_then_convert_and_validate(tmp_path, capsys):
    src = write_parquet([released_row(7, [1]), released_row(8, [0, 2])], tmp_path / "released.parquet")
    assert main(["data", "validate", str(src)]) == 1  # our validator does not read the inline format
    capsys.readouterr()
    out = tmp_path / "ours.parquet"
    assert main(["data", "convert", str(src), "--out", str(out)]) == 0
    assert "2 rows converted, 0 invalid" in capsys.readouterr().out
    assert main(["data", "validate", str(out)]) == 0
    rows = read_parquet(out)
    assert [r["extra_info"]["index"] for r in rows] == [7, 8]
    assert [r["extra_info"]["ref_chunks"] for r in rows] == [[1], [0, 2]]
    assert rows[1]["extra_info"]["ref_chunks_text"] == [CHUNKS[0], CHUNKS[2]]
    assert prompt_chunks(rows[1]["prompt"][0]["content"]) == dict(enumerate(CHUNKS))
    assert rows[0]["extra_info"]["num_chunks"] == 3 and rows[0]["extra_info"]["source_format"] == "release"
    assert validate_rows(rows) == []


def test_converted_row_scores_like_the_original_ids():
    row = convert_row(released_row(1, [1]), 0)
    response = "ok\n</think>\n<useful_chunks><CHUNK_1></useful_chunks><answer>ion streams</answer>"
    assert parse_response(response, row["extra_info"]["num_chunks"]).chunk_ids == tuple(row["extra_info"]["ref_chunks"])


@pytest.mark.parametrize(
    ("row", "message"),
    [
        (released_row(0, [5], ["x"]), r"row 0: extra_info.ref_chunks: ids \[5\] out of range for 3 chunks"),
        (released_row(0, [1], ["some other text"]), "row 0: extra_info.ref_chunks_text: the text given for id 1"),
        ({**released_row(0, [1]), "prompt": [{"role": "user", "content": "no document"}]}, "not the release format"),
    ],
)
def test_bad_rows_name_row_and_field(row, message):
    with pytest.raises(ConvertError, match=message):
        convert_row(row, 0)


def test_cli_convert_bad_row_is_one_line_and_exit_2(tmp_path, capsys):
    src = write_parquet([released_row(0, [1]), released_row(1, [9], ["x"])], tmp_path / "bad.parquet")
    assert main(["data", "convert", str(src), str(tmp_path / "out.parquet")]) == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and "row 1: extra_info.ref_chunks" in err
    assert not (tmp_path / "out.parquet").exists()
