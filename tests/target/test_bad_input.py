"""Bad input through the real CLI: a clear error naming the line, or a per-record rejection.

Never a traceback, never a silent drop: a line that is not a Singer message stops the run with
`line N: …` at ERROR and exit code 1, after the states before it were emitted; values a mapping cannot
use are rejected one record at a time into the reject file while the run goes on.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

from ..stops.clean_stop import assert_clean_stop
from .cli import SCHEMA, STREAM, Run, run_target
from .test_person import person_mapping

PEOPLE = person_mapping()


def line(message: dict[str, Any]) -> str:
    return json.dumps(message) + "\n"


def identify(email: str, name: Any) -> dict[str, Any]:
    return {
        "type": "RECORD",
        "stream": STREAM,
        "record": {"type": "identify", "traits": {"email": email, "name": name}},
    }


def state(offset: int) -> dict[str, Any]:
    return {"type": "STATE", "value": {"bookmarks": {STREAM: {"offset": offset}}}}


def assert_stopped_cleanly(run: Run, expected: str) -> None:
    """Exit 1, the message at ERROR, no traceback anywhere, the summary logged (the shared check)."""
    assert_clean_stop(run, expected, summary=True)


@pytest.fixture
def config(base_config: dict[str, Any]) -> dict[str, Any]:
    return base_config | {"mappings": [PEOPLE]}


def test_malformed_json_stops_at_its_line_after_the_state_before_it(tmp_path, sandbox, config):
    text = line(SCHEMA) + line(identify("a@x.io", "A")) + line(state(1)) + '{"type": "RECORD", "str\n'
    text += line(identify("b@x.io", "B")) + line(state(2))
    run = run_target(tmp_path, config, text)
    assert_stopped_cleanly(run, "line 4: not JSON (")
    assert run.states == [{"bookmarks": {STREAM: {"offset": 1}}}]
    assert [p["name"] for p in sandbox.entities("persons")] == ["A"]
    # The summary is still logged: the records before the bad line are accounted for.
    assert run.summary()["written"] == 1


def test_record_before_schema_names_the_stream_and_line(tmp_path, sandbox, config):
    run = run_target(tmp_path, config, line(state(0)) + line(identify("a@x.io", "A")))
    assert_stopped_cleanly(run, f"line 2: RECORD of stream {STREAM!r} before any SCHEMA")
    assert run.states == [{"bookmarks": {STREAM: {"offset": 0}}}]
    assert sandbox.entities("persons") == []


@pytest.mark.parametrize(
    ("record", "kind"), [([1, 2], "an array"), ("identify", "a string"), (None, "null"), (7, "an integer")]
)
def test_a_record_that_is_not_an_object_stops_the_run(tmp_path, sandbox, config, record, kind):
    text = line(SCHEMA) + line({"type": "RECORD", "stream": STREAM, "record": record})
    run = run_target(tmp_path, config, text)
    assert_stopped_cleanly(run, f"line 2: RECORD of stream {STREAM!r}: the record is {kind}, not an object")


@pytest.mark.parametrize(
    ("bad_line", "expected"),
    [
        ("[1, 2]", "line 2: not a Singer message: an array, where an object was expected"),
        ('"RECORD"', "line 2: not a Singer message: a string"),
        ('{"stream": "segment_events"}', 'line 2: not a Singer message: it has no "type"'),
        ('{"type": "FOO"}', "line 2: unknown message type 'FOO'"),
        ('{"type": ["RECORD"]}', "line 2: unknown message type ['RECORD']"),
        (
            '{"type": "RECORD", "stream": "segment_events"}',
            "line 2: RECORD of stream 'segment_events' has no \"record\"",
        ),
        ('{"type": "RECORD", "record": {}}', 'line 2: RECORD message without a "stream" name'),
        ('{"type": "STATE"}', 'line 2: STATE message has no "value"'),
        ('{"type": "SCHEMA", "stream": "s", "schema": {"type": "object"}}', 'with "properties"'),
        (
            '{"type": "SCHEMA", "schema": {"properties": {}}}',
            'line 2: SCHEMA message without a "stream" name',
        ),
        ("[" * 100_000, "line 2: not JSON (nested too deeply)"),
        (
            '{"type": "STATE", "value": {"a": 1, "a": 2}}',
            "line 2: $.value has the key 'a' 2 times: JSON keeps",
        ),
        (
            '{"type": "SCHEMA", "stream": "s", "stream": "t", "schema": {"properties": {}}}',
            "line 2: $ has the key 'stream' 2 times: JSON keeps only the last value of a repeated key, "
            "so this SCHEMA message cannot be read as the tap meant; the tap must write each key once",
        ),
    ],
)
def test_a_line_that_is_not_a_usable_message_stops_the_run(tmp_path, sandbox, config, bad_line, expected):
    run = run_target(tmp_path, config, line(SCHEMA) + bad_line + "\n" + line(identify("a@x.io", "A")))
    assert_stopped_cleanly(run, expected)
    assert sandbox.entities("persons") == []


LONG = "9" * 5000  # more digits than Python's int() reads (4,300)


def raw_identify(email: str, traits: str) -> str:
    """A RECORD line with traits spelled by hand: some values have no JSON spelling in Python."""
    return (
        f'{{"type": "RECORD", "stream": "{STREAM}", "record": {{"type": "identify", '
        f'"traits": {{"email": "{email}", {traits}}}}}}}\n'
    )


def test_an_integer_too_long_for_python_is_rejected_where_a_mapping_uses_it(tmp_path, sandbox, config):
    text = line(SCHEMA) + raw_identify("long@x.io", f'"name": {LONG}')
    text += raw_identify("unused@x.io", f'"name": "Unused", "score": -{LONG}')
    text += line(identify("after@x.io", "After")) + line(state(3))
    run = run_target(tmp_path, config, text)
    assert run.returncode == 0, run.stderr[-3000:]
    assert "Traceback" not in run.stderr
    # The mapped one is this record's reject; one no mapping uses costs the record nothing.
    [reject] = run.rejects
    assert (reject["field"], reject["mapping"]) == ("name", "people")
    assert reject["reason"] == "is infinite (or too large), not a number Pipedrive can store"
    assert sorted(p["name"] for p in sandbox.entities("persons")) == ["After", "Unused"]
    summary = run.summary()
    assert (summary["records_in"], summary["written"], summary["rejected"]) == (3, 2, 1)
    assert run.states == [{"bookmarks": {STREAM: {"offset": 3}}}]
    warnings = [entry for entry in run.stderr.splitlines() if "| WARNING" in entry and "too long" in entry]
    assert "line 2: " in warnings[0] and "$.record.traits.name (5,000 digits)" in warnings[0]
    assert "line 3: " in warnings[1] and "$.record.traits.score (5,000 digits)" in warnings[1]
    assert len(run.stderr) < 100_000  # the digits are never echoed


@pytest.mark.parametrize(
    ("bad_line", "where"),
    [
        (
            '{"type": "RECORD", "stream": "segment_events", '
            '"record": {"type": "identify", "traits": {"email": "first@x.io", "name": "First"}}, '
            '"record": {"type": "identify", "traits": {"email": "second@x.io", "name": "Second"}}}\n',
            "$ has the key 'record' 2 times",
        ),
        (
            raw_identify("first@x.io", '"name": "Twice", "email": "second@x.io"'),
            "$.record.traits has the key 'email' 2 times",
        ),
    ],
)
def test_a_repeated_key_rejects_the_record(tmp_path, sandbox, config, bad_line, where):
    text = line(SCHEMA) + bad_line + line(identify("after@x.io", "After")) + line(state(2))
    run = run_target(tmp_path, config, text)
    assert run.returncode == 0, run.stderr[-3000:]
    [reject] = run.rejects
    assert reject["reason"] == (
        f"{where}: JSON keeps only the last value of a repeated key, so the record is rejected rather "
        "than written in part; the tap must write each key once"
    )
    assert reject["record"]["traits"]["email"] == "second@x.io"  # what json kept, for the replay
    assert f"line 2: rejected a record of stream {STREAM!r}: {where}" in run.stderr
    assert [p["name"] for p in sandbox.entities("persons")] == ["After"]
    summary = run.summary()
    assert (summary["records_in"], summary["written"], summary["rejected"]) == (2, 1, 1)
    assert run.states == [{"bookmarks": {STREAM: {"offset": 2}}}]


@pytest.mark.parametrize(
    ("value", "problem"),
    [
        ('{"cursor": NaN}', "$.value.cursor is NaN"),
        ('{"cursor": [0, -Infinity]}', "$.value.cursor[1] is -Infinity"),
        ('{"cursor": 1e400}', "$.value.cursor is a number too large for a double (about 1e400)"),
        ('{"cursor": ' + LONG + "}", "$.value.cursor is a number too large for a double (about 1e4999)"),
    ],
)
def test_a_state_json_cannot_hold_stops_the_run_after_the_states_before_it(
    tmp_path, sandbox, config, value, problem
):
    text = line(SCHEMA) + line(identify("a@x.io", "A")) + line(state(1))
    text += '{"type": "STATE", "value": ' + value + "}\n" + line(identify("b@x.io", "B")) + line(state(2))
    run = run_target(tmp_path, config, text)
    assert_stopped_cleanly(run, f"line 4: STATE message: {problem}, which JSON cannot hold")
    # Nothing but JSON reaches stdout (Meltano's state store), and the last state out is the good one.
    assert run.states == [{"bookmarks": {STREAM: {"offset": 1}}}]
    assert "NaN" not in run.stdout and "Infinity" not in run.stdout
    assert [p["name"] for p in sandbox.entities("persons")] == ["A"]


def test_a_state_with_fractions_is_passed_on(tmp_path, sandbox, config):
    value = {"bookmarks": {STREAM: {"replication_key_value": 1700000000.125, "ratios": [0.1, 2, 1e-7]}}}
    run = run_target(
        tmp_path,
        config,
        line(SCHEMA) + line(identify("a@x.io", "A")) + line({"type": "STATE", "value": value}),
    )
    assert run.returncode == 0, run.stderr[-3000:]
    assert run.states == [value]


def test_nan_and_infinity_in_a_record_are_rejected_where_mapped_and_harmless_elsewhere(
    tmp_path, sandbox, config
):
    text = line(SCHEMA) + raw_identify("nan@x.io", '"name": NaN')
    text += raw_identify("inf@x.io", '"name": -Infinity')
    text += raw_identify("unused@x.io", '"name": "Unused", "score": NaN, "rank": [Infinity]')
    run = run_target(tmp_path, config, text + line(state(3)))
    assert run.returncode == 0, run.stderr[-3000:]
    assert sorted(r["reason"] for r in run.rejects) == [
        "is NaN, not a number Pipedrive can store",
        "is infinite (or too large), not a number Pipedrive can store",
    ]
    assert [p["name"] for p in sandbox.entities("persons")] == ["Unused"]
    assert run.summary()["rejected"] == 2
    assert run.states == [{"bookmarks": {STREAM: {"offset": 3}}}]


def test_invalid_utf8_names_the_line_and_byte(tmp_path, sandbox, config):
    good = line(SCHEMA) + line(identify("a@x.io", "A"))
    bad = b'{"type": "RECORD", "stream": "segment_events", "record": {"name": "Jos\xe9"}}\n'
    run = run_target_bytes(tmp_path, config, good.encode() + bad)
    assert_stopped_cleanly(run, f"line 3: not UTF-8 (byte 0xe9 at column {bad.index(0xE9) + 1})")
    assert [p["name"] for p in sandbox.entities("persons")] == ["A"]


def test_blank_lines_and_a_byte_order_mark_are_not_messages(tmp_path, sandbox, config):
    text = "\ufeff" + line(SCHEMA) + "\n   \n" + line(identify("a@x.io", "A")) + "\r\n" + line(state(1))
    run = run_target(tmp_path, config, text)
    assert run.returncode == 0, run.stderr
    assert [p["name"] for p in sandbox.entities("persons")] == ["A"]
    assert run.states == [{"bookmarks": {STREAM: {"offset": 1}}}]


UNICODE_NAMES = [
    "Zoë Ångström",
    "😀 Emoji 👩‍👩‍👧 family",
    "שלום עולם",  # right-to-left
    "مرحبا \u200f mark",
    "日本語の名前",
    "e\u0301 combining",
    "nul \u0000 inside",
    "tab\tand\nnewline",
    "\U0010ffff last code point",
]


def test_any_unicode_is_written_exactly(tmp_path, sandbox, config):
    records = [identify(f"u{i}@x.io", name) for i, name in enumerate(UNICODE_NAMES)]
    # ensure_ascii=True escapes astral characters as surrogate pairs: those are valid and kept.
    text = line(SCHEMA) + "".join(json.dumps(r, ensure_ascii=True) + "\n" for r in records[:4])
    text += "".join(json.dumps(r, ensure_ascii=False) + "\n" for r in records[4:])
    run = run_target(tmp_path, config, text)
    assert run.returncode == 0, run.stderr
    assert sorted(p["name"] for p in sandbox.entities("persons")) == sorted(UNICODE_NAMES)
    assert "surrogate" not in run.stderr


def test_lone_surrogates_are_replaced_with_a_warning_and_the_record_written(tmp_path, sandbox, config):
    bad = '{"type": "RECORD", "stream": "segment_events", "record": {"type": "identify", '
    bad += '"traits": {"email": "a@x.io", "name": "cut \\ud83d", "\\udc00key": 1}}}\n'
    run = run_target(tmp_path, config, line(SCHEMA) + bad)
    assert run.returncode == 0, run.stderr
    [person] = sandbox.entities("persons")
    assert person["name"] == "cut \ufffd"
    warnings = [entry for entry in run.stderr.splitlines() if "| WARNING" in entry and "surrogate" in entry]
    assert len(warnings) == 1, run.stderr
    assert "line 2:" in warnings[0]
    assert "$.record.traits.name" in warnings[0]
    assert "$.record.traits" in warnings[0]


def test_a_huge_string_is_written_or_rejected_with_a_reason(tmp_path, sandbox, config):
    huge = "x" * 5_000_000
    records = [identify("huge@x.io", huge), identify("after@x.io", "After")]
    run = run_target(tmp_path, config, [SCHEMA, *records, state(2)])
    assert run.returncode == 0, run.stderr[-2000:]
    names = {p["emails"][0]["value"]: p["name"] for p in sandbox.entities("persons")}
    assert names.get("after@x.io") == "After"
    if "huge@x.io" in names:
        assert names["huge@x.io"] == huge
    else:
        [reject] = run.rejects
        assert reject["reason"]
    # The value is never echoed into the log.
    assert len(run.stderr) < 100_000
    assert run.states == [{"bookmarks": {STREAM: {"offset": 2}}}]


def test_values_the_mapping_cannot_use_are_rejected_per_record(tmp_path, sandbox, config):
    mapping = PEOPLE | {"fields": PEOPLE["fields"] | {"visible_to": {"@path": "$.traits.visibility"}}}
    records = [
        {"type": "identify", "traits": {"name": "No Email"}},  # the required match value is missing
        {"type": "identify", "traits": {"email": "a@x.io", "name": "Wrong Type", "visibility": {"level": 1}}},
        {"type": "identify", "traits": {"email": {"nested": 1}, "name": "Object Email"}},
        {"type": "identify", "traits": {"email": "ok@x.io", "name": "Fine"}},
    ]
    messages = [SCHEMA] + [{"type": "RECORD", "stream": STREAM, "record": r} for r in records] + [state(4)]
    run = run_target(tmp_path, config | {"mappings": [mapping]}, messages)
    assert run.returncode == 0, run.stderr
    assert [p["name"] for p in sandbox.entities("persons")] == ["Fine"]
    # Records may be written in parallel: rejects come in any order.
    assert sorted(r["record"]["traits"]["name"] for r in run.rejects) == [
        "No Email",
        "Object Email",
        "Wrong Type",
    ]
    assert all(r["reason"] and r["mapping"] == "people" for r in run.rejects)
    summary = run.summary()
    assert (summary["records_in"], summary["written"], summary["rejected"]) == (4, 1, 3)
    assert run.states == [{"bookmarks": {STREAM: {"offset": 4}}}]


def test_with_structured_logging_the_error_carries_no_exception_info(tmp_path, sandbox, config):
    log_config = tmp_path / "logging.yml"
    log_config.write_text(
        "version: 1\n"
        "disable_existing_loggers: false\n"
        "formatters:\n  structured:\n    (): singer_sdk.logging.StructuredFormatter\n"
        "handlers:\n  console:\n    class: logging.StreamHandler\n    formatter: structured\n"
        "    stream: ext://sys.stderr\n"
        "root:\n  level: INFO\n  handlers: [console]\n"
    )
    env = os.environ | {"SINGER_SDK_LOG_CONFIG": str(log_config)}
    run = run_target_bytes(tmp_path, config, (line(SCHEMA) + "{oops\n").encode(), env=env)
    assert run.returncode == 1
    entries = [json.loads(entry) for entry in run.stderr.splitlines() if entry.startswith("{")]
    errors = [entry for entry in entries if entry["level"] == "error"]
    assert any(entry["message"].startswith("line 2: not JSON (") for entry in errors), run.stderr
    assert not [entry for entry in entries if "exception" in entry]
    assert "Traceback" not in run.stderr


def run_target_bytes(
    tmp_path: Path, config: dict[str, Any], data: bytes, *, env: dict[str, str] | None = None
) -> Run:
    """run_target for input that is not text (invalid UTF-8) or that needs its own environment."""
    config = {
        "reject_file": str(tmp_path / "rejects.jsonl"),
        "ledger_path": str(tmp_path / "l.sqlite"),
        **config,
    }
    config_path, input_path = tmp_path / "config.json", tmp_path / "input.jsonl"
    config_path.write_text(json.dumps(config))
    input_path.write_bytes(data)
    done = subprocess.run(
        [sys.executable, "-m", "target_pipedrive", "--config", str(config_path), "--input", str(input_path)],
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
        env=env,
    )
    return Run(done.returncode, done.stdout, done.stderr, [])
