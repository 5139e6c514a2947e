"""Reading one input line: what json lets pass (repeated keys, integers too long for int(), a STATE's
numbers) is found and named by its path; everything else reads exactly as before."""

from __future__ import annotations

import json
import math
from decimal import Decimal
from typing import Any

import pytest

from target_pipedrive.run.json_line import Reading, plain_state, read_json

LONG = "9" * 5000


def read(text: str) -> Reading:
    value, careful = read_json(text)
    assert careful is None or careful.value is value
    return careful or Reading(value, [], [])


def test_a_plain_line_reads_as_the_sdk_reads_it():
    text = '{"type": "RECORD", "record": {"n": 7, "x": 1.5, "l": [{"a": 1}, {"a": 2}], "s": "a"}}'
    _, careful = read_json(text)
    assert careful is None  # a plain line is read once, by the quick decoder
    reading = read(text)
    assert reading.value == json.loads(text, parse_float=Decimal)
    assert type(reading.value["record"]["n"]) is int
    assert type(reading.value["record"]["x"]) is Decimal
    assert (reading.repeated, reading.long_integers) == ([], [])


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ('{"type": "RECORD", "record": {"a": 1}, "record": {"b": 2}}', ["$ has the key 'record' 2 times"]),
        ('{"record": {"t": {"e": 1, "n": 2, "e": 3, "e": 4}}}', ["$.record.t has the key 'e' 3 times"]),
        ('{"r": {"l": [{}, {"k": 1, "k": 1}]}}', ["$.r.l[1] has the key 'k' 2 times"]),
        (
            '{"a": 1, "a": 2, "b": {"c": 1, "c": 2}}',
            ["$.b has the key 'c' 2 times", "$ has the key 'a' 2 times"],
        ),
        # The repeat inside a value the outer repeat dropped is not in the message: not named.
        ('{"r": {"x": 1, "x": 2}, "r": {}}', ["$ has the key 'r' 2 times"]),
    ],
)
def test_a_repeated_key_is_named_with_its_path(text, expected):
    reading = read(text)
    assert sorted(reading.repeated) == sorted(expected)
    # What json keeps (the last value) is still what the line reads as.
    assert reading.value == json.loads(text, parse_float=Decimal)


def test_the_same_key_in_different_objects_is_no_repeat():
    reading = read('{"type": "RECORD", "record": {"type": "identify", "traits": {"type": 1}}}')
    assert reading.repeated == []


@pytest.mark.parametrize("sign", ["", "-"])
def test_an_integer_too_long_for_int_reads_as_an_infinite_decimal(sign):
    reading = read('{"record": {"short": 12, "long": [0, ' + sign + LONG + "]}}")
    number = reading.value["record"]["long"][1]
    assert number == Decimal(sign + LONG)
    # Infinite as a float: the mapping engine's poison check rejects it wherever a mapping uses it.
    assert math.isinf(float(number))
    assert type(reading.value["record"]["short"]) is int
    assert reading.long_integers == ["$.record.long[1] (5,000 digits)"]
    assert reading.repeated == []


def test_a_line_with_both_names_both():
    reading = read('{"a": ' + LONG + ', "b": 1, "b": 2}')
    assert reading.long_integers == ["$.a (5,000 digits)"]
    assert reading.repeated == ["$ has the key 'b' 2 times"]


@pytest.mark.parametrize("text", ['{"a": 1,}', '{"a": ' + LONG + ", }", '{"a": 1, "a": }'])
def test_json_that_is_not_json_still_fails_in_json_words(text):
    with pytest.raises(json.JSONDecodeError):
        read(text)


def test_a_state_with_fractions_becomes_writable_json():
    message = read('{"type": "STATE", "value": {"ts": 1700000000.125, "l": [0.1, 2, {"x": 1e-7}]}}').value
    assert plain_state(message) is None
    assert json.loads(json.dumps(message["value"])) == {"ts": 1700000000.125, "l": [0.1, 2, {"x": 1e-7}]}
    assert json.dumps(message["value"]) == '{"ts": 1700000000.125, "l": [0.1, 2, {"x": 1e-07}]}'


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ('{"b": {"x": NaN}}', "$.value.b.x is NaN"),
        ('{"b": [1, Infinity]}', "$.value.b[1] is Infinity"),
        ('{"b": -Infinity}', "$.value.b is -Infinity"),
        ('{"b": 1e400}', "$.value.b is a number too large for a double (about 1e400)"),
        ('{"b": ' + LONG + "}", "$.value.b is a number too large for a double (about 1e4999)"),
        ("NaN", "$.value is NaN"),
    ],
)
def test_a_state_json_cannot_hold_is_named(value, expected):
    message: dict[str, Any] = read('{"type": "STATE", "value": ' + value + "}").value
    assert plain_state(message) == expected
