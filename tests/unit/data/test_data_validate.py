"""Dataset rows: parquet round trip and the validator catching each kind of bad row with its index."""

import copy

import pytest

from longrlvr.cli import main
from longrlvr.data import make_row, read_parquet, validate_rows, write_parquet

CHUNKS = ["The code of alpha is 7.", "Beta lives in Rome.", "Gamma is blue."]


def good_row(index: int = 0) -> dict:
    return make_row(chunks=CHUNKS, question="What is the code of alpha?", answer="7", ref_chunks=[0], index=index)


def test_round_trip_keeps_rows(tmp_path):
    rows = [good_row(i) for i in range(3)]
    path = write_parquet(rows, tmp_path / "d" / "train.parquet")
    back = read_parquet(path)
    assert back == rows
    assert validate_rows(back) == []


def broken(mutate) -> dict:
    row = copy.deepcopy(good_row())
    mutate(row)
    return row


BAD = {
    "missing_ground_truth": (lambda r: r["reward_model"].update(ground_truth=""), "reward_model.ground_truth"),
    "ref_out_of_range": (lambda r: r["extra_info"].update(ref_chunks=[0, 5]), "extra_info.ref_chunks"),
    "ref_empty": (lambda r: r["extra_info"].update(ref_chunks=[]), "extra_info.ref_chunks"),
    "prompt_not_grammar": (lambda r: r["prompt"][0].update(content="just a question"), "prompt"),
    "num_chunks_wrong": (lambda r: r["extra_info"].update(num_chunks=9), "extra_info.num_chunks"),
    "ref_text_mismatch": (lambda r: r["extra_info"].update(ref_chunks_text=["other"]), "extra_info.ref_chunks_text"),
    "question_missing": (lambda r: r["extra_info"].update(question=""), "extra_info.question"),
    "missing_column": (lambda r: r.pop("data_source"), "data_source"),
    "unknown_source": (lambda r: r.update(data_source="mystery"), "data_source"),
    "gt_none_in_dict": (lambda r: r.update(reward_model={"style": "rule"}), "reward_model.ground_truth"),
    "gt_nan": (lambda r: r["reward_model"].update(ground_truth=float("nan")), "reward_model.ground_truth"),
    "gt_dict": (lambda r: r["reward_model"].update(ground_truth={"a": 1}), "reward_model.ground_truth"),
    "gt_empty_list": (lambda r: r["reward_model"].update(ground_truth=[]), "reward_model.ground_truth"),
    "refs_string": (lambda r: r["extra_info"].update(ref_chunks="0"), "extra_info.ref_chunks"),
    "refs_floats": (lambda r: r["extra_info"].update(ref_chunks=[0.5]), "extra_info.ref_chunks"),
    "refs_none": (lambda r: r["extra_info"].update(ref_chunks=None), "extra_info.ref_chunks"),
    "num_chunks_nan": (lambda r: r["extra_info"].update(num_chunks=float("nan")), "extra_info.num_chunks"),
    "num_chunks_text": (lambda r: r["extra_info"].update(num_chunks="three"), "extra_info.num_chunks"),
    "reward_model_list": (lambda r: r.update(reward_model=["7"]), "reward_model"),
    "extra_info_list": (lambda r: r.update(extra_info=[1]), "extra_info"),
    "ref_text_string": (lambda r: r["extra_info"].update(ref_chunks_text="x"), "extra_info.ref_chunks_text"),
}


@pytest.mark.parametrize("kind", sorted(BAD))
def test_validator_names_row_and_field(kind):
    mutate, field = BAD[kind]
    errors = validate_rows([good_row(0), broken(mutate), good_row(2)])
    assert errors, kind
    assert {e.row for e in errors} == {1}
    assert field in {e.field for e in errors}


def test_reference_free_sources_need_no_ref_chunks():
    row = make_row(
        chunks=CHUNKS, question="Q? A) x B) y", answer="A", ref_chunks=[], index=0, data_source="longbench_v2"
    )
    assert validate_rows([row]) == []


def test_cli_validate_exit_codes(tmp_path, capsys):
    good = write_parquet([good_row()], tmp_path / "good.parquet")
    bad = write_parquet([good_row(), broken(BAD["ref_out_of_range"][0])], tmp_path / "bad.parquet")
    assert main(["data", "validate", str(good)]) == 0
    assert main(["data", "validate", str(bad)]) == 1
    err = capsys.readouterr().err
    assert "row 1: extra_info.ref_chunks" in err
    assert main(["data", "validate", str(tmp_path / "missing.parquet")]) == 2  # bad input, like every command


def test_a_file_with_no_rows_is_rejected(tmp_path, capsys):
    import pyarrow as pa
    import pyarrow.parquet as pq

    empty = tmp_path / "empty.parquet"
    pq.write_table(pa.Table.from_pylist([good_row()]).slice(0, 0), empty)
    assert main(["data", "validate", str(empty)]) == 1
    assert "has no rows" in capsys.readouterr().err


REWARD_DATA_ERRORS = {
    "missing_ground_truth",
    "gt_none_in_dict",
    "gt_nan",
    "gt_dict",
    "gt_empty_list",
    "ref_empty",
    "refs_string",
    "refs_floats",
    "refs_none",
    "num_chunks_nan",
    "num_chunks_text",
}


@pytest.mark.parametrize("kind", sorted(BAD))
def test_bad_row_data_never_raises_in_the_reward_and_never_earns_credit(kind):
    from longrlvr.rewards import compute_score

    row = broken(BAD[kind][0])
    if kind in ("missing_column", "unknown_source", "reward_model_list", "extra_info_list"):
        return  # verl cannot hand these to a reward function / a wiring error raised with its name
    perfect = "<useful_chunks><CHUNK_0></useful_chunks><answer>7</answer>"
    out = compute_score(row["data_source"], perfect, row["reward_model"].get("ground_truth"), row["extra_info"])
    assert 0.0 <= out["score"] <= 2.0
    if kind in REWARD_DATA_ERRORS:
        assert (out["score"], out["data_ok"]) == (0.0, 0.0) and out["data_error"], kind
