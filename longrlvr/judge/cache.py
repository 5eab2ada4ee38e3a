"""Verdict cache keyed by sha256 of (question, reference, candidate): in-memory LRU plus an optional jsonl file."""

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
        self._entries: OrderedDict[str, bool] = OrderedDict()
        if self.path is not None and self.path.exists():
            self._load(self.path)

    def __len__(self) -> int:
        return len(self._entries)

    def get(self, key: str) -> bool | None:
        if key not in self._entries:
            return None
        self._entries.move_to_end(key)
        return self._entries[key]

    def put(self, key: str, correct: bool) -> None:
        self._remember(key, correct)
        if self.path is not None:
            self.path.parent.mkdir(parents=True, exist_ok=True)
            with self.path.open("a", encoding="utf-8") as f:
                f.write(json.dumps({"key": key, "correct": correct}) + "\n")

    def _remember(self, key: str, correct: bool) -> None:
        self._entries[key] = correct
        self._entries.move_to_end(key)
        while len(self._entries) > self.max_size:
            self._entries.popitem(last=False)

    def _load(self, path: Path) -> None:
        with path.open(encoding="utf-8") as f:
            for line_no, line in enumerate(f, 1):
                if not line.strip():
                    continue
                try:
                    record = json.loads(line)
                    key, correct = record["key"], record["correct"]
                except (json.JSONDecodeError, KeyError, TypeError) as exc:
                    if line.endswith("\n"):
                        raise ValueError(f"{path}:{line_no}: not a verdict cache record ({exc})") from exc
                    break  # a torn last line from an interrupted run
                if not isinstance(correct, bool):
                    raise ValueError(f"{path}:{line_no}: field 'correct' must be true/false, got {correct!r}")
                self._remember(str(key), correct)
