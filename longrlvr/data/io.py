"""Parquet reading and writing of dataset rows (pyarrow)."""

from __future__ import annotations

from pathlib import Path
from typing import Any, Iterable

import pyarrow as pa
import pyarrow.parquet as pq


def write_parquet(rows: Iterable[dict[str, Any]], path: str | Path) -> Path:
    """Write rows to parquet (parent folders created). Returns the path."""
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    pq.write_table(pa.Table.from_pylist(list(rows)), path)
    return path


def read_parquet(path: str | Path) -> list[dict[str, Any]]:
    """Read parquet rows as plain Python dicts and lists; a file with no rows is a ValueError."""
    path = Path(path)
    if not path.exists():
        raise FileNotFoundError(f"dataset file not found: {path}")
    rows = pq.read_table(path).to_pylist()
    if not rows:
        raise ValueError(f"{path}: the file has no rows")
    return rows
