"""Parquet reading and writing of dataset rows (pyarrow).

:func:`iter_rows` streams a file in record batches (``ParquetFile.iter_batches`` on a buffered stream, no
pre-buffering): peak memory is one batch as Python objects plus a page per column, whatever the file's row
groups. :func:`write_parquet` writes bounded row groups, so the files this project writes stream by row group too.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from pathlib import Path
from typing import Any

import pyarrow as pa
import pyarrow.parquet as pq

ROW_GROUP_ROWS = 1024  # rows per row group written
BATCH_ROWS = 256  # rows per batch read by iter_rows
READ_BUFFER_BYTES = 1 << 20


def write_parquet(rows: Iterable[dict[str, Any]], path: str | Path, row_group_size: int = ROW_GROUP_ROWS) -> Path:
    """Write rows to parquet in row groups of ``row_group_size`` rows (parent folders created). Returns the path."""
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    pq.write_table(pa.Table.from_pylist(list(rows)), path, row_group_size=row_group_size)
    return path


class EmptyDataset(ValueError):
    """A parquet file that opens but holds no rows (a data problem, not a path or format problem)."""


def _parquet_file(path: str | Path) -> pq.ParquetFile:
    path = Path(path)
    if not path.exists():
        raise FileNotFoundError(f"dataset file not found: {path}")
    pf = pq.ParquetFile(path, pre_buffer=False, buffer_size=READ_BUFFER_BYTES, memory_map=False)
    if pf.metadata.num_rows == 0:
        raise EmptyDataset(f"{path}: the file has no rows")
    return pf


def iter_rows(path: str | Path, batch_rows: int = BATCH_ROWS) -> Iterator[dict[str, Any]]:
    """The rows of ``path`` as plain dicts, ``batch_rows`` decoded at a time; errors as :func:`read_parquet`."""
    pf = _parquet_file(path)  # opened (and checked) before the first row is asked for
    return (row for batch in pf.iter_batches(batch_size=batch_rows, use_threads=False) for row in batch.to_pylist())


def read_parquet(path: str | Path) -> list[dict[str, Any]]:
    """Read parquet rows as plain Python dicts and lists; a file with no rows is a ValueError."""
    return list(iter_rows(path))
