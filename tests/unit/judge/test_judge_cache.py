"""VerdictCache: LRU eviction, jsonl persistence, torn and corrupt files."""

from __future__ import annotations

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


def test_torn_and_corrupt_lines_are_skipped_and_counted(tmp_path):
    path = tmp_path / "verdicts.jsonl"
    path.write_text(
        '{"key": "k1", "correct": true}\nnot json\n{"key": "k2", "correct": "yes"}\n[1]\n'
        '{"key": "k3", "correct": false}\n{"key": "k4", "cor'
    )
    cache = VerdictCache(path=path)
    assert (cache.get("k1"), cache.get("k2"), cache.get("k3"), cache.get("k4")) == (True, None, False, None)
    assert cache.skipped_lines == 4
    cache.put("k5", True)  # the append cuts the torn last line off first; k5 is not glued to it
    assert path.read_text().endswith('{"key": "k3", "correct": false}\n{"key":"k5","correct":true}\n')
    reloaded = VerdictCache(path=path)
    assert reloaded.get("k5") is True and reloaded.skipped_lines == 3


def test_a_failed_write_never_loses_a_verdict(tmp_path):
    blocker = tmp_path / "not_a_dir"
    blocker.write_text("a file where the cache directory should be")
    cache = VerdictCache(path=blocker / "verdicts.jsonl")
    cache.put("k1", True)  # the write fails: the verdict stays in memory and pending
    assert cache.get("k1") is True and cache.write_failures == 1 and cache.unwritten == 1
    blocker.unlink()
    cache.put("k2", False)  # the next write succeeds and flushes both
    assert cache.unwritten == 0
    reloaded = VerdictCache(path=blocker / "verdicts.jsonl")
    assert (reloaded.get("k1"), reloaded.get("k2")) == (True, False)
