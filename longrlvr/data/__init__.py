"""Dataset rows: schema, parquet IO, validation."""

from longrlvr.data.io import iter_rows, read_parquet, write_parquet
from longrlvr.data.schema import DEFAULT_ABILITY, REQUIRED_COLUMNS, make_row
from longrlvr.data.validate import RowError, validate_row, validate_rows

__all__ = [
    "DEFAULT_ABILITY",
    "REQUIRED_COLUMNS",
    "RowError",
    "iter_rows",
    "make_row",
    "read_parquet",
    "validate_row",
    "validate_rows",
    "write_parquet",
]
