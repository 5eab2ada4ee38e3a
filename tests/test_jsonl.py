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
