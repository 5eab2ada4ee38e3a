"""Verdict cache keyed by sha256 of (question, reference, candidate): in-memory LRU plus an optional jsonl file.

The file is append-only (:mod:`longrlvr.jsonl`). Loading skips and counts torn or corrupt lines
(``skipped_lines``) instead of refusing to start; the next append cuts a torn last line off. A failed append
keeps the verdict in memory and in a pending list that the next append retries, so a verdict already obtained
is never lost to a full disk or a vanished directory.
"""

from __future__ import annotations

import hashlib
import json
from collections import OrderedDict
from pathlib import Path

from longrlvr import jsonl


def verdict_key(question: str, reference: str, candidate: str) -> str:
    """The cache key of one judgement (unambiguous: the three texts are JSON-encoded together)."""
    payload = json.dumps([question, reference, candidate], ensure_ascii=False)
    return hashlib.sha256(payload.encode("utf-8")).hexdigest()


class VerdictCache:
    """LRU of ``key -> correct``; with ``path`` every new verdict is appended to a jsonl file that the next
    run loads (use one file per judge model and prompt)."""

    def __init__(self, max_size: int = 100_000, path: str | Path | None = None) -> None:
        if max_size < 1:
            raise ValueError(f"judge cache_size must be >= 1, got {max_size}")
        self.max_size = max_size
        self.path = Path(path) if path else None
        self.skipped_lines = 0
        self.write_failures = 0
        self._entries: OrderedDict[str, bool] = OrderedDict()
        self._pending: list[dict[str, str | bool]] = []
        if self.path is not None and self.path.exists():
            self._load(self.path)

    def __len__(self) -> int:
        return len(self._entries)

    @property
    def unwritten(self) -> int:
        """Verdicts held in memory whose append to the file has not succeeded yet."""
        return len(self._pending)

    def get(self, key: str) -> bool | None:
        if key not in self._entries:
            return None
        self._entries.move_to_end(key)
        return self._entries[key]

    def put(self, key: str, correct: bool) -> None:
        """Remember a verdict and append it (with any earlier unwritten ones) to the file; never raises for I/O."""
        self._remember(key, correct)
        if self.path is None:
            return
        self._pending.append({"key": key, "correct": correct})
        try:
            jsonl.append(self.path, self._pending)
        except OSError:
            self.write_failures += 1
            return
        self._pending.clear()

    def _remember(self, key: str, correct: bool) -> None:
        self._entries[key] = correct
        self._entries.move_to_end(key)
        while len(self._entries) > self.max_size:
            self._entries.popitem(last=False)

    def _load(self, path: Path) -> None:
        for record in jsonl.iter_records(path, on_torn=self._skip, on_bad=self._skip):
            key, correct = record.get("key"), record.get("correct")
            if isinstance(key, str) and isinstance(correct, bool):
                self._remember(key, correct)
            else:
                self.skipped_lines += 1

    def _skip(self, line: int, text: str) -> None:
        self.skipped_lines += 1
