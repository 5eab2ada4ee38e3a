"""Final step ``export``: assembled rows -> train/val parquet, validated by ``longrlvr.data.validate_rows``.

The split is by document (seeded hash of the document id), so no document appears in both files; rows are
ordered by question id (so a run whose failed records were retried later gives the same files as an
uninterrupted one) and get consecutive ``extra_info.index`` values per split. No rows at all is an error.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from longrlvr.data_gen.config import ExportConfig
from longrlvr.data_gen.runner import record_seed

from longrlvr import jsonl
from longrlvr.data import validate_rows, write_parquet
from longrlvr.errors import UserError


def in_val_split(doc_id: str, val_fraction: float, seed: int) -> bool:
    """Deterministic per-document split: True for about ``val_fraction`` of the documents."""
    return record_seed(seed, "split", doc_id) / 2**63 < val_fraction


def export_rows(rows_path: str | Path, out_dir: str | Path, cfg: ExportConfig, seed: int = 0) -> dict[str, Any]:
    """Write the train (and non-empty val) parquet; an invalid row is an error naming the question id."""
    splits: dict[str, list[dict[str, Any]]] = {"train": [], "val": []}
    ids: dict[str, list[str]] = {"train": [], "val": []}
    records = sorted(jsonl.iter_records(rows_path), key=lambda record: record["id"])
    if not records:
        raise UserError(f"{rows_path}: no rows to export (every question was dropped; see the manifest's skip counts)")
    for record in records:
        split = "val" if in_val_split(record["doc_id"], cfg.val_fraction, seed) else "train"
        row = record["row"]
        row["extra_info"] = {**row["extra_info"], "index": len(splits[split]), "split": split}
        splits[split].append(row)
        ids[split].append(record["id"])
    summary: dict[str, Any] = {}
    for split, rows in splits.items():
        errors = validate_rows(rows)
        if errors:
            listed = "; ".join(f"{ids[split][e.row]}: {e.field}: {e.message}" for e in errors[:10])
            raise UserError(f"{rows_path}: {len(errors)} invalid {split} row(s): {listed}")
        name = cfg.train_file if split == "train" else cfg.val_file
        path = write_parquet(rows, Path(out_dir) / name) if rows else None
        summary[split] = {"rows": len(rows), "path": str(path) if path else None}
    return summary
