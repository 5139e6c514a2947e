"""Coercion as Segment's Ajv does it, field by field, and agreement with the actions' JSON schemas."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

import jsonschema
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from target_pipedrive.actions import ACTION_SPECS
from target_pipedrive.actions.spec import FieldSpec
from target_pipedrive.mapping.coercion import Invalid, compile_field
from target_pipedrive.mapping.jsvalues import MISSING

STRING = FieldSpec("s", "S", "string", "")
INTEGER = FieldSpec("i", "I", "integer", "")
NUMBER = FieldSpec("n", "N", "number", "")
BOOLEAN = FieldSpec("b", "B", "boolean", "")
DATETIME = FieldSpec("d", "D", "datetime", "")
OBJECT = FieldSpec("o", "O", "object", "")
MULTIPLE = FieldSpec("m", "M", "string", "", multiple=True)
CHOICE = FieldSpec("c", "C", "string", "", choices=("open", "won"))


@pytest.mark.parametrize(
    ("spec", "value", "expected"),
    [
        (STRING, "x", "x"),
        (STRING, 33333, "33333"),  # a numeric match value becomes a string
        (STRING, 1.5, "1.5"),
        (STRING, 2.0, "2"),
        (STRING, Decimal("0.10"), "0.1"),
        (STRING, True, "true"),
        (STRING, ["x"], "x"),  # a one-item array stands for its item
        (STRING, [5], "5"),
        (STRING, [None], MISSING),
        (INTEGER, 65536, 65536),
        (INTEGER, "65536", 65536),
        (INTEGER, " 12 ", 12),
        (INTEGER, "1e3", 1000),
        (INTEGER, "5.0", 5),
        (INTEGER, 5.0, 5),
        (INTEGER, Decimal("7"), 7),
        (INTEGER, ["8"], 8),
        (NUMBER, 1.5, 1.5),
        (NUMBER, "1.5", 1.5),
        (NUMBER, "-2", -2),
        (NUMBER, Decimal("4.25"), 4.25),
        (NUMBER, Decimal("4.0"), 4),
        (BOOLEAN, True, True),
        (BOOLEAN, "true", True),
        (BOOLEAN, "false", False),
        (BOOLEAN, 1, True),
        (BOOLEAN, 0, False),
        (DATETIME, "2024-01-01T00:00:00Z", "2024-01-01T00:00:00Z"),
        (DATETIME, 1700000000, 1700000000),
        (DATETIME, Decimal("1700000000.5"), 1700000000.5),
        (OBJECT, {"a": 1}, {"a": 1}),
        (MULTIPLE, "a@b.c", ["a@b.c"]),  # a single string becomes a list
        (MULTIPLE, ["a@b.c", "d@e.f"], ["a@b.c", "d@e.f"]),
        (MULTIPLE, 5551234, ["5551234"]),
        (MULTIPLE, ["a", None, "", 7], ["a", "7"]),
        (MULTIPLE, [["a"]], ["a"]),
        (MULTIPLE, [], []),
        (CHOICE, "won", "won"),
    ],
)
def test_coerces(spec: FieldSpec, value: Any, expected: Any) -> None:
    result = compile_field(spec)(value)
    assert result == expected
    assert type(result) is type(expected)


@pytest.mark.parametrize(
    ("spec", "value", "message"),
    [
        (STRING, {"a": 1}, "expected a string, got an object"),
        (STRING, ["a", "b"], "expected a string, got an array of 2 items"),
        (INTEGER, "abc", "expected an integer, got the text 'abc'"),
        (INTEGER, "5.5", "expected an integer, got 5.5"),
        (INTEGER, 5.5, "expected an integer, got 5.5"),
        (INTEGER, True, "expected an integer, got a boolean"),  # Ajv would send 1
        (INTEGER, "0x10", "expected an integer"),
        (INTEGER, "Infinity", "expected an integer"),
        (NUMBER, "12 apples", "expected a number"),
        (NUMBER, "1e999", "expected a number"),
        (NUMBER, False, "expected a number, got a boolean"),
        (BOOLEAN, "yes", "expected a boolean (true or false), got a string 'yes'"),
        (BOOLEAN, "True", "expected a boolean"),
        (BOOLEAN, 2, "expected a boolean"),
        (DATETIME, True, "expected a date-time string or an epoch number, got a boolean"),
        (DATETIME, {"a": 1}, "expected a date-time"),
        (OBJECT, "{}", "expected an object, got a string"),
        (OBJECT, [1, 2], "expected an object, got an array of 2 items"),
        (MULTIPLE, ["a", {"b": 1}], "item 2: expected a string, got an object"),
        (CHOICE, "Won", "expected one of open, won, got 'Won'"),
    ],
)
def test_rejects(spec: FieldSpec, value: Any, message: str) -> None:
    with pytest.raises(Invalid) as caught:
        compile_field(spec)(value)
    assert message in str(caught.value)


ALL_FIELDS = [spec for action in ACTION_SPECS.values() for spec in action.fields]
json_values = st.recursive(
    st.none()
    | st.booleans()
    | st.integers(min_value=-(2**60), max_value=2**60)
    | st.floats(allow_nan=False, allow_infinity=False)
    | st.decimals(allow_nan=False, allow_infinity=False, places=3)
    | st.text(max_size=8)
    | st.sampled_from(["true", "false", "12", " 7 ", "1.5", "1e3", "open", "won", "1", "3"]),
    lambda children: (
        st.lists(children, max_size=3) | st.dictionaries(st.text(max_size=3), children, max_size=3)
    ),
    max_leaves=6,
)


@settings(max_examples=400, deadline=None)
@given(spec=st.sampled_from(ALL_FIELDS), value=json_values)
def test_every_accepted_value_satisfies_the_actions_json_schema(spec: FieldSpec, value: Any) -> None:
    """The hand-rolled check replaces jsonschema on the hot path: whatever it lets through must validate."""
    try:
        result = compile_field(spec)(value)
    except Invalid:
        return
    if result is MISSING:
        return
    jsonschema.validate(result, spec.json_schema())
