"""longrlvr.jsonl: whole-line appends, atomic rewrites, torn last lines tolerated and repaired."""

from __future__ import annotations

import os

import pytest

from longrlvr import jsonl
from longrlvr.errors import UserError


def test_append_then_read_round_trip(tmp_path):
    path = tmp_path / "sub" / "a.jsonl"
    assert jsonl.append(path, [{"id": 1, "text": "é\nx"}, {"id": 2}]) == 2
    jsonl.append(path, [{"id": 3}])
    assert jsonl.read(path) == [{"id": 1, "text": "é\nx"}, {"id": 2}, {"id": 3}]
    assert path.read_text(encoding="utf-8").count("\n") == 3


def test_torn_last_line_is_skipped_and_reported(tmp_path):
    path = tmp_path / "a.jsonl"
    path.write_bytes(b'{"id": 1}\n{"id": 2, "te')
    torn = []
    assert jsonl.read(path, on_torn=lambda line, text: torn.append((line, text))) == [{"id": 1}]
    assert torn == [(2, '{"id": 2, "te')]


def test_append_after_crash_cuts_the_torn_tail(tmp_path):
    path = tmp_path / "a.jsonl"
    path.write_bytes(b'{"id": 1}\n{"id": 2, "te')
    jsonl.append(path, [{"id": 3}])
    assert jsonl.read(path) == [{"id": 1}, {"id": 3}]
    assert path.read_bytes() == b'{"id": 1}\n{"id":3}\n'


def test_append_keeps_a_complete_last_record_without_newline(tmp_path):
    path = tmp_path / "a.jsonl"
    path.write_bytes(b'{"id": 1}')
    jsonl.append(path, [{"id": 2}])
    assert jsonl.read(path) == [{"id": 1}, {"id": 2}]


def test_bad_line_in_the_middle_names_file_and_line(tmp_path):
    path = tmp_path / "a.jsonl"
    path.write_bytes(b'{"id": 1}\nnot json\n{"id": 3}\n')
    with pytest.raises(UserError, match=r"a\.jsonl:2: invalid JSON"):
        jsonl.read(path)


def test_missing_file_is_named_unless_missing_ok(tmp_path):
    assert jsonl.read(tmp_path / "none.jsonl", missing_ok=True) == []
    with pytest.raises(UserError, match=r"none\.jsonl: no such file"):
        jsonl.read(tmp_path / "none.jsonl")


def test_rewrite_is_atomic_and_leaves_no_temp_file(tmp_path):
    path = tmp_path / "a.jsonl"
    jsonl.append(path, [{"id": 1}, {"id": 2}])
    assert jsonl.rewrite(path, [{"id": 9}]) == 1
    assert jsonl.read(path) == [{"id": 9}]
    assert os.listdir(tmp_path) == ["a.jsonl"]


def test_rewrite_failure_keeps_the_old_file(tmp_path):
    path = tmp_path / "a.jsonl"
    jsonl.rewrite(path, [{"id": 1}])

    def records():
        yield {"id": 2}
        raise RuntimeError("producer failed")

    with pytest.raises(RuntimeError):
        jsonl.rewrite(path, records())
    assert jsonl.read(path) == [{"id": 1}]
    assert os.listdir(tmp_path) == ["a.jsonl"]


@pytest.mark.parametrize(
    ("content", "after"),
    [
        (b'{"a": 1}\n{"a": 2', b'{"a": 1}\n'),  # torn: cut
        (b'{"a": 1}\n{"a": 2}', b'{"a": 1}\n{"a": 2}\n'),  # complete but unterminated: newline added
        (b'{"a": 1}\n', b'{"a": 1}\n'),
        (b'{"a": "\xc3', b""),  # torn inside a multi-byte character
        (b'{"a": 1}\n[1, 2', b'{"a": 1}\n'),  # not an object: torn
    ],
)
def test_append_repairs_the_tail_first(tmp_path, content, after):
    path = tmp_path / "p.jsonl"
    path.write_bytes(content)
    jsonl.append(path, [{"b": 2}])
    assert path.read_bytes() == after + b'{"b":2}\n'


def test_write_json_and_read_json_round_trip_and_name_a_bad_file(tmp_path):
    path = tmp_path / "d" / "manifest.json"
    jsonl.write_json(path, {"a": [1, "é"]})
    assert jsonl.read_json(path) == {"a": [1, "é"]} and os.listdir(path.parent) == ["manifest.json"]
    path.write_bytes(b'{"a": ')
    with pytest.raises(UserError, match=r"manifest\.json: corrupt JSON"):
        jsonl.read_json(path)
    with pytest.raises(UserError, match=r"none\.json: no such file"):
        jsonl.read_json(tmp_path / "none.json")


def test_a_crash_before_the_rename_keeps_the_old_document(tmp_path, monkeypatch):
    path = tmp_path / "latest"
    jsonl.write_json(path, {"step": 1})

    def killed(src, dst):
        raise OSError("killed before the rename")

    monkeypatch.setattr(os, "replace", killed)
    with pytest.raises(OSError):
        jsonl.write_json(path, {"step": 2})
    with pytest.raises(OSError):
        jsonl.rewrite(tmp_path / "a.jsonl", [{"id": 1}])
    assert jsonl.read_json(path) == {"step": 1} and os.listdir(tmp_path) == ["latest"]


def test_scan_gives_line_numbers_and_offsets_for_random_access(tmp_path):
    path = tmp_path / "a.jsonl"
    path.write_bytes(b'{"id": "x"}\n\n{"id": "\xc3\xa9"}\n{"id": "to')
    torn = []
    lines = list(jsonl.scan(path, on_torn=lambda n, text: torn.append(n)))
    assert [(line.number, line.record["id"]) for line in lines] == [(1, "x"), (3, "é")] and torn == [4]
    assert jsonl.read_at(path, lines[1].offset) == {"id": "é"}


def test_on_bad_reports_and_skips_instead_of_raising(tmp_path):
    path = tmp_path / "a.jsonl"
    path.write_bytes(b'{"id": 1}\nnot json\n"a string"\n\xff\xfe\n{"id": 5}\n')
    bad = []
    assert jsonl.read(path, on_bad=lambda n, text: bad.append(n)) == [{"id": 1}, {"id": 5}]
    assert bad == [2, 3, 4]


@pytest.mark.parametrize(
    ("line", "problem"),
    [(b"\xff\n", "not UTF-8"), (b'"text"\n', "expected a JSON object, got str"), (b"[" * 100_000 + b"\n", "invalid")],
)
def test_bad_lines_never_crash_the_reader(tmp_path, line, problem):
    path = tmp_path / "a.jsonl"
    path.write_bytes(b'{"id": 1}\n' + line)
    with pytest.raises(UserError, match=rf"a\.jsonl:2: {problem}"):
        jsonl.read(path)


def test_keep_first_cuts_after_n_complete_lines(tmp_path):
    path = tmp_path / "a.jsonl"
    path.write_bytes(b'{"id": 1}\n{"id": 2}\n{"id": 3}\n{"id": 4')
    assert jsonl.keep_first(path) == 3 and path.read_bytes() == b'{"id": 1}\n{"id": 2}\n{"id": 3}\n'
    assert jsonl.keep_first(path, 1) == 1 and path.read_bytes() == b'{"id": 1}\n'
    assert jsonl.keep_first(path, 5) == 1 and jsonl.keep_first(tmp_path / "none", 2) == 0


def test_encode_refuses_a_lone_surrogate_unless_ascii():
    with pytest.raises(UnicodeEncodeError):
        jsonl.encode([{"t": "\ud800"}])
    assert jsonl.encode([{"t": "\ud800é"}], ascii=True) == b'{"t":"\\ud800\\u00e9"}\n'


def test_concurrent_appends_from_processes_never_interleave(tmp_path):
    import multiprocessing

    path = tmp_path / "a.jsonl"
    ctx = multiprocessing.get_context("fork")
    workers = [ctx.Process(target=_append_many, args=(path, w)) for w in range(3)]
    for w in workers:
        w.start()
    for w in workers:
        w.join()
    records = jsonl.read(path)
    assert sorted((r["w"], r["i"]) for r in records) == [(w, i) for w in range(3) for i in range(100)]


def _append_many(path, worker):
    for i in range(100):
        jsonl.append(path, [{"w": worker, "i": i, "pad": "x" * 5000}])
