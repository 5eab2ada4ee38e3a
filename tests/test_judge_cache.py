"""VerdictCache: LRU eviction, jsonl persistence, torn and corrupt files."""

from __future__ import annotations

import pytest

from longrlvr.judge import VerdictCache, verdict_key


def test_key_is_unambiguous_and_stable():
    assert verdict_key("a", "bc", "d") != verdict_key("ab", "c", "d")
    assert verdict_key("q", "r", "c") == verdict_key("q", "r", "c") and len(verdict_key("q", "r", "c")) == 64


def test_lru_evicts_the_least_recently_used():
    cache = VerdictCache(max_size=2)
    cache.put("a", True)
    cache.put("b", False)
    assert cache.get("a") is True  # touch a
    cache.put("c", True)
    assert cache.get("b") is None and cache.get("a") is True and cache.get("c") is True and len(cache) == 2


def test_jsonl_round_trip_and_a_torn_last_line(tmp_path):
    path = tmp_path / "cache" / "verdicts.jsonl"
    first = VerdictCache(path=path)
    first.put("k1", True)
    first.put("k2", False)
    with path.open("a") as f:
        f.write('{"key": "k3", "corr')  # an interrupted run
    reloaded = VerdictCache(path=path)
    assert (reloaded.get("k1"), reloaded.get("k2"), reloaded.get("k3")) == (True, False, None)


def test_a_corrupt_line_names_file_and_line(tmp_path):
    path = tmp_path / "verdicts.jsonl"
    path.write_text('{"key": "k1", "correct": true}\nnot json\n{"key": "k2", "correct": false}\n')
    with pytest.raises(ValueError, match=r"verdicts.jsonl:2"):
        VerdictCache(path=path)
    path.write_text('{"key": "k1", "correct": "yes"}\n')
    with pytest.raises(ValueError, match=r":1: field 'correct'"):
        VerdictCache(path=path)
