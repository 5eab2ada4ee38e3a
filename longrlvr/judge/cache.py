"""Verdict cache keyed by sha256 of (question, reference, candidate): in-memory LRU plus an optional jsonl file.

The file is append-only. Loading skips and counts torn or corrupt lines (``skipped_lines``) instead of refusing
to start. A failed append keeps the verdict in memory and in a pending list that the next append retries, so a
verdict already obtained is never lost to a full disk or a vanished directory.
"""

from __future__ import annotations

import hashlib
import json
from collections import OrderedDict
from pathlib import Path


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
        self._pending: list[str] = []
        self._needs_newline = False
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
        self._pending.append(json.dumps({"key": key, "correct": correct}) + "\n")
        try:
            self.path.parent.mkdir(parents=True, exist_ok=True)
            with self.path.open("a", encoding="utf-8") as f:
                f.write(("\n" if self._needs_newline else "") + "".join(self._pending))
        except OSError:
            self.write_failures += 1
            return
        self._needs_newline = False
        self._pending.clear()

    def _remember(self, key: str, correct: bool) -> None:
        self._entries[key] = correct
        self._entries.move_to_end(key)
        while len(self._entries) > self.max_size:
            self._entries.popitem(last=False)

    def _load(self, path: Path) -> None:
        text = path.read_text(encoding="utf-8", errors="replace")
        self._needs_newline = bool(text) and not text.endswith("\n")  # a torn last line: start the next one fresh
        for line in text.splitlines():
            if not line.strip():
                continue
            try:
                record = json.loads(line)
                key, correct = record["key"], record["correct"]
            except (json.JSONDecodeError, KeyError, TypeError):
                self.skipped_lines += 1
                continue
            if not isinstance(correct, bool) or not isinstance(key, str):
                self.skipped_lines += 1
                continue
            self._remember(key, correct)
