"""Files for the door checks: a valid LongRLVR parquet pair, a tiny model directory (built, not downloaded) and fake
model directories with the real dimensions of the paper's base models (tests/data/models, no weights)."""

from __future__ import annotations

import shutil
from pathlib import Path

from longrlvr.data import make_row, write_parquet
from tests.helpers.models import save_tiny_model

MODELS = Path(__file__).resolve().parents[1] / "data" / "models"
TRAIN_ROWS = 64  # two batches of the recipe's 32 prompts: the door refuses fewer rows than one batch
CHUNKS = ["The code of alpha is 7.", "Beta lives in Rome.", "Gamma is blue."]


def good_rows(n: int = 4) -> list[dict]:
    return [
        make_row(chunks=CHUNKS, question="What is the code of alpha?", answer="7", ref_chunks=[0], index=i)
        for i in range(n)
    ]


def write_dataset(directory: Path, train_rows: int = TRAIN_ROWS) -> tuple[str, str]:
    """(train, val) parquet paths with valid rows."""
    return (
        str(write_parquet(good_rows(train_rows), directory / "train.parquet")),
        str(write_parquet(good_rows(2), directory / "val.parquet")),
    )


def write_tiny_model(directory: Path) -> str:
    """The tests' one tiny saved model (tests/helpers/models.py), as the path string the door settings take."""
    return str(save_tiny_model(directory))


def write_fake_model(directory: Path, name: str) -> str:
    """tests/data/models/<name>/config.json (the real dimensions) next to the project's tiny tokenizer: what the
    door opens of a model, without its weights."""
    from longrlvr.local.tiny import build_tiny_tokenizer

    directory.mkdir(parents=True, exist_ok=True)
    shutil.copy(MODELS / name / "config.json", directory / "config.json")
    build_tiny_tokenizer().save_pretrained(directory)
    return str(directory)
