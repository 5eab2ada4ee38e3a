"""``longrlvr`` benchmark: a held-out LongRLVR parquet, the row's own prompt, the one scorer."""

from __future__ import annotations

from longrlvr.data import make_row, write_parquet
from longrlvr.eval import benchmarks
from longrlvr.eval.items import PromptSettings
from longrlvr.grammar import format_response


def _parquet(tmp_path):
    rows = [
        make_row(
            chunks=[f"chunk {i} text" for i in range(10)], question=f"q{k}?", answer=str(k), ref_chunks=[k, 9], index=k
        )
        for k in range(3)
    ]
    return write_parquet(rows, tmp_path / "val.parquet"), rows


def test_load_keeps_the_rows_own_prompt_and_scores_with_the_reward(tmp_path):
    path, rows = _parquet(tmp_path)
    bench = benchmarks.get("longrlvr")
    items = bench.load({"path": str(path)}, tokenizer=None)
    assert [bench.messages(i, PromptSettings()) for i in items] == [r["prompt"] for r in rows]
    responses = [format_response([0, 9], "0"), format_response([1], "wrong"), "no tags at all"]
    records = [bench.record(i, t) for i, t in zip(items, responses, strict=True)]
    result = bench.score_records(records, path, None)
    assert result["variants"]["answer"]["score"] == 33.33
    assert result["format_rate"] == 66.67
    assert records[0]["fbeta"] == 1.0 and records[1]["recall"] == 0.5
