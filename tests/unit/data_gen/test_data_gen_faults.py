"""Faults that must neither lose nor leak data: failed records stay unfinished, per-record problems stay per
record, bad inputs and corrupt files are named, replies are parsed in linear time, nothing secret is stored."""

import json
import re

import pytest
from longrlvr.data_gen.grounded.generate_qa import parse_generated
from longrlvr.data_gen.grounded.pipeline import guard_settings
from longrlvr.data_gen.llm import parse_json_object, parse_rating
from longrlvr.data_gen.runner import Fail, Skip, run_stage

from longrlvr import jsonl
from longrlvr.llm.redact import redact, redact_obj
from tests.helpers.data_gen import data_main as main

INPUTS = [{"id": f"r{i}", "x": i} for i in range(12)]


def flaky(down: set[int]):
    def handler(record, ctx):
        if record["x"] in down:
            raise Fail("llm_error", "endpoint down")
        return [{"x": record["x"]}]

    return handler


def test_failed_records_stay_unfinished_and_a_rerun_completes_them(tmp_path):
    out = tmp_path / "out.jsonl"
    stats = run_stage("s", flaky({2, 5, 9}), INPUTS, out, progress=False)
    assert stats.failed == {"llm_error": 3} and set(stats.failures) == {"r2", "r5", "r9"}
    assert "3 record(s) failed (llm_error: 3)" in stats.summary() and "r2 (llm_error: endpoint down)" in stats.summary()
    assert {e["id"] for e in jsonl.read(f"{out}.done")} == {f"r{i}" for i in range(12)} - {"r2", "r5", "r9"}
    again = run_stage("s", flaky(set()), INPUTS, out, progress=False)
    assert again.resumed == 9 and again.done == 12 and not again.failed
    uninterrupted = tmp_path / "ref.jsonl"
    run_stage("s", flaky(set()), INPUTS, uninterrupted, progress=False)
    assert sorted(out.read_text().splitlines()) == sorted(uninterrupted.read_text().splitlines())


def test_an_unencodable_output_fails_its_record_alone(tmp_path):
    def handler(record, ctx):
        return [{"text": "bad \ud800 text" if record["x"] == 3 else "fine"}]

    out = tmp_path / "out.jsonl"
    stats = run_stage("s", handler, INPUTS, out, progress=False, sync_every_s=100.0)  # one commit batch
    assert stats.failed == {"unencodable_text": 1} and list(stats.failures) == ["r3"]
    assert len(list(jsonl.read(out))) == 11  # the batch around it was written


def test_ledgered_details_are_redacted(tmp_path):
    def handler(record, ctx):
        raise Skip("malformed_output", detail="HTTP 500 {'Authorization': 'Bearer sk-live-abcdefgh12345678'}")

    out = tmp_path / "out.jsonl"
    run_stage("s", handler, INPUTS[:2], out, progress=False)
    assert "sk-live" not in out.with_name("out.jsonl.done").read_text()


@pytest.mark.parametrize(
    "text",
    [
        "Authorization: Bearer sk-abcdef123456",
        '{"headers": {"authorization": "Bearer tok_ABCDEF1234"}}',
        "http://alice:s3cr3tpw@host:8000/v1/chat/completions failed",
        "https://host/v1?api_key=K3YVALUE&x=1",
        "{'X-Api-Key': 'K3YVALUE'}",
    ],
)
def test_redact_masks_credentials(text):
    masked = redact(text)
    assert not any(s in masked for s in ("sk-abcdef123456", "tok_ABCDEF1234", "s3cr3tpw", "alice", "K3YVALUE"))
    assert "***" in masked


def test_redact_masks_literal_secrets_everywhere():
    value = {"url http://h/v1": ["plain LITERALSECRET here"], "n": 3}
    assert "LITERALSECRET" not in json.dumps(redact_obj(value, ["LITERALSECRET"]))


def test_reply_parsing_only_raises_value_error():
    """Hostile replies: only ValueError (their parse time: ``python benchmarks/bench_data_gen.py --parse``)."""
    hostile = [
        "```" + "\n " * 4000 + "x",  # was cubic with the fence regex
        "```json" + " \n" * 50_000,
        "{" * 100_000 + "}" * 100_000,
        '{"question": 1' + "0" * 5000 + "}",
        '{"question": "a\\ud800b", "answer": "1", "evidence": [0, 1]}',
        "[[" * 50_000 + "]]",
    ]
    for text in hostile:
        for parse in (parse_json_object, parse_generated, parse_rating):
            with pytest.raises(ValueError):
                parse(text)


def test_paper_replies_parse():
    reply = (
        '<think>{"question": "draft"}</think>\n{"question": "Q?", "answer": {"text": "A", "evidence": [0, 2], '
        '"explanation": "because"}}'
    )
    assert parse_generated(reply) == {"question": "Q?", "answer": "A", "evidence": [0, 2], "explanation": "because"}
    assert parse_generated('{"question": "SKIPPED", "answer": null}') is None
    assert parse_rating("<think>maybe [[3]]</think> [[7.5]]") == 7.5
    assert parse_rating("[[12]]") == 10.0
    with pytest.raises(ValueError):
        parse_rating("Rating: 8")


def test_json_files_are_written_atomically_and_corrupt_ones_named(tmp_path):
    path = tmp_path / "manifest.json"
    jsonl.write_json(path, {"a": 1})
    assert jsonl.read_json(path) == {"a": 1} and [p.name for p in tmp_path.iterdir()] == ["manifest.json"]
    path.write_text('{"a": ')
    with pytest.raises(ValueError, match="manifest.json: corrupt JSON"):
        jsonl.read_json(path)
    out = tmp_path / "qa.jsonl"
    out.write_text("")
    (tmp_path / "qa.jsonl.settings.json").write_text("{")
    with pytest.raises(ValueError, match=r"qa\.jsonl\.settings\.json: corrupt JSON"):
        guard_settings(out, "generate_qa", {"k": 1}, [])


def write_toy_config(tmp_path, input_path):
    config = tmp_path / "c.yaml"
    config.write_text(
        json.dumps(
            {"input": str(input_path), "workdir": str(tmp_path / "w"), "chunk": {"max_tokens": 64, "min_chunks": 1}}
        )
    )
    return config


@pytest.mark.parametrize(
    ("content", "exit_code", "message"),
    [
        (b'{"id": "a", "text": "fine"}\n{"id": "b", "text": "caf\xe9"}\n', 2, r"docs\.jsonl:2: not UTF-8"),
        (b"", 2, r"docs\.jsonl: no records"),
        (b'{"id": "a", "text": "fine"}\n{"id": "b", "text": 12345}\n', 1, r"chunk: 1 record.*b \(bad_text: .*int"),
        (b'{"id": "a", "text": "fine"}\n{"id": "c", "text": "x \\ud800 y"}\n', 1, r"c \(unencodable_text: "),
    ],
)
def test_bad_inputs_are_one_clear_line(tmp_path, capsys, content, exit_code, message):
    docs = tmp_path / "docs.jsonl"
    docs.write_bytes(content)
    assert main(["stage", "chunk", "--config", str(write_toy_config(tmp_path, docs)), "--no-progress"]) == exit_code
    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) == 1 and re.search(message, err[0]), err
    if exit_code == 1:  # the good document was chunked; the bad one is not recorded as done
        assert [e["id"] for e in jsonl.read(tmp_path / "w" / "chunks.jsonl.done")] == ["a"]
        manifest = jsonl.read_json(tmp_path / "w" / "manifest.json")
        assert sum(manifest["stages"]["chunk"]["failed"].values()) == 1


def test_a_corrupt_manifest_is_named(tmp_path, capsys):
    docs = tmp_path / "docs.jsonl"
    docs.write_text('{"id": "a", "text": "fine"}\n')
    (tmp_path / "w").mkdir()
    (tmp_path / "w" / "manifest.json").write_text('{"stages": {')
    assert main(["stage", "chunk", "--config", str(write_toy_config(tmp_path, docs)), "--no-progress"]) == 2
    assert "manifest.json: corrupt JSON" in capsys.readouterr().err
