"""Files for the door checks: a valid LongRLVR parquet pair and a tiny model directory (built, not downloaded)."""

from __future__ import annotations

from pathlib import Path

from longrlvr.data import make_row, write_parquet

CHUNKS = ["The code of alpha is 7.", "Beta lives in Rome.", "Gamma is blue."]


def good_rows(n: int = 4) -> list[dict]:
    return [
        make_row(chunks=CHUNKS, question="What is the code of alpha?", answer="7", ref_chunks=[0], index=i)
        for i in range(n)
    ]


def write_dataset(directory: Path) -> tuple[str, str]:
    """(train, val) parquet paths with valid rows."""
    return (
        str(write_parquet(good_rows(), directory / "train.parquet")),
        str(write_parquet(good_rows(2), directory / "val.parquet")),
    )


def write_tiny_model(directory: Path) -> str:
    """A tiny random Qwen2 model + tokenizer saved as an HF directory."""
    from longrlvr.local.tiny import build_tiny_model, build_tiny_tokenizer

    tokenizer = build_tiny_tokenizer()
    build_tiny_model(
        tokenizer, hidden_size=32, num_layers=1, num_heads=2, num_kv_heads=1, intermediate_size=64
    ).save_pretrained(directory)
    tokenizer.save_pretrained(directory)
    return str(directory)
