"""Final step ``export``: assembled rows -> train/val parquet, validated by ``longrlvr.data.validate_row``.

The split is by document (seeded hash of the document id), so no document appears in both files; when that
leaves val empty although ``val_fraction > 0``, :mod:`~longrlvr.data_gen.grounded.export_split` falls back (by
document, then by row) and says so in one line. Rows are ordered by question id (so a run whose failed records
were retried later gives the same files as an uninterrupted one) and get consecutive ``extra_info.index`` values
per split. An invalid row never costs the others: valid rows are written, the invalid ones are listed by question
id in the manifest (``export.<split>.invalid``) and counted in one line. No rows at all is an error.
"""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Any

from longrlvr.data_gen.config import ExportConfig
from longrlvr.data_gen.grounded.export_split import split_documents, split_rows
from longrlvr.data_gen.runner import record_seed

from longrlvr import jsonl
from longrlvr.data import validate_row, write_parquet
from longrlvr.errors import UserError
from longrlvr.rewards.registry import SourceSpec

MAX_LISTED = 10  # invalid row ids shown in the console line (the manifest lists all)


def in_val_split(doc_id: str, val_fraction: float, seed: int) -> bool:
    """Deterministic per-document split: True for about ``val_fraction`` of the documents."""
    return record_seed(seed, "split", doc_id) / 2**63 < val_fraction


def _val_ids(records: list[dict[str, Any]], cfg: ExportConfig, seed: int) -> tuple[set[str], str | None]:
    """Question ids that go to val, and the one-line note of a fallback (None when the hash split was used)."""
    docs, note = split_documents(
        [r["doc_id"] for r in records],
        cfg.val_fraction,
        key=lambda d: record_seed(seed, "split-fallback", d),
        in_val=lambda d: in_val_split(d, cfg.val_fraction, seed),
    )
    if docs or cfg.val_fraction <= 0 or len(records) < 2:
        return {r["id"] for r in records if r["doc_id"] in docs}, note
    return split_rows([r["id"] for r in records], cfg.val_fraction, key=lambda q: record_seed(seed, "split-row", q))


def export_rows(
    rows_path: str | Path,
    out_dir: str | Path,
    cfg: ExportConfig,
    seed: int = 0,
    sources: dict[str, SourceSpec] | None = None,
) -> dict[str, Any]:
    """Write the train (and non-empty val) parquet of the valid rows; returns the manifest entry.

    ``sources`` is the reward source table (built-ins + config), so a data source registered in the reward
    config is accepted. Invalid rows are left out and listed by question id under ``<split>.invalid``.
    """
    records = sorted(jsonl.iter_records(rows_path), key=lambda record: record["id"])
    if not records:
        raise UserError(f"{rows_path}: no rows to export (every question was dropped; see the manifest's skip counts)")
    val_ids, note = _val_ids(records, cfg, seed)
    if note:
        print(note, file=sys.stderr)
    splits: dict[str, list[dict[str, Any]]] = {"train": [], "val": []}
    invalid: dict[str, list[dict[str, Any]]] = {"train": [], "val": []}
    for record in records:
        split = "val" if record["id"] in val_ids else "train"
        row = record["row"]
        row["extra_info"] = {**row["extra_info"], "index": len(splits[split]), "split": split}
        errors = validate_row(len(splits[split]), row, sources)
        if errors:
            invalid[split] += [{"id": record["id"], "field": e.field, "message": e.message} for e in errors]
            continue
        splits[split].append(row)
    summary: dict[str, Any] = {"val_fallback": note} if note else {}
    for split, rows in splits.items():
        name = cfg.train_file if split == "train" else cfg.val_file
        path = write_parquet(rows, Path(out_dir) / name) if rows else None
        summary[split] = {"rows": len(rows), "path": str(path) if path else None, "invalid": invalid[split]}
    bad = sorted({e["id"] for errors in invalid.values() for e in errors})
    if bad:
        listed = ", ".join(bad[:MAX_LISTED]) + (f" and {len(bad) - MAX_LISTED} more" if len(bad) > MAX_LISTED else "")
        summary["left_out"] = f"export: {len(bad)} invalid row(s) left out ({listed}); see manifest export.*.invalid"
        print(summary["left_out"], file=sys.stderr)
    if not any(splits.values()):
        first = next(e for errors in invalid.values() for e in errors)
        raise UserError(f"{rows_path}: no valid row to export; {first['id']}: {first['field']}: {first['message']}")
    return summary
