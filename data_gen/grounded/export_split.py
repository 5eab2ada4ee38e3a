"""The train/val split of ``export``: by document, with one fallback said in one line when val comes out empty.

First the seeded per-document hash (no document in both files). When that leaves val empty although
``val_fraction > 0`` (the held-out documents gave no questions), the split is redone by document over the
documents that have rows (``ceil(val_fraction * docs)``, at least one, never all); with rows from a single
document only, a row-level split is the last resort (that document is then in both files). Pure; linear.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Sequence


def split_documents(
    doc_ids: Sequence[str], val_fraction: float, key: Callable[[str], int], in_val: Callable[[str], bool]
) -> tuple[set[str], str | None]:
    """``(val document ids, note)``; ``note`` is the one line printed when a fallback was used."""
    docs = sorted(set(doc_ids))
    val = {d for d in docs if in_val(d)}
    if val or val_fraction <= 0 or len(docs) < 2:
        return val, None
    count = min(len(docs) - 1, max(1, math.ceil(val_fraction * len(docs))))
    val = set(sorted(docs, key=key)[:count])
    return val, (
        f"export: the held-out documents gave no rows; val = {count} of the {len(docs)} documents that have rows "
        f"(by document, seeded; val_fraction {val_fraction})"
    )


def split_rows(row_ids: Sequence[str], val_fraction: float, key: Callable[[str], int]) -> tuple[set[str], str]:
    """Row-level last resort (one document only): ``ceil(val_fraction * rows)`` rows, at least one, never all."""
    count = min(len(row_ids) - 1, max(1, math.ceil(val_fraction * len(row_ids))))
    val = set(sorted(row_ids, key=key)[:count])
    return val, (
        f"export: all rows come from one document; val = {count} of its {len(row_ids)} rows by row (that document "
        "is in both files)"
    )
