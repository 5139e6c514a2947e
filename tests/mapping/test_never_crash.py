"""Property tests: neither parser ever crashes; bad input is always a MappingConfigError."""

from __future__ import annotations

import contextlib
from typing import Any

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from target_pipedrive.mapping.directives import DIRECTIVES, DirectiveError, compile_value
from target_pipedrive.mapping.engine import compile_mappings
from target_pipedrive.mapping.errors import MappingConfigError, RecordRejected

FQL_PIECES = [
    " ", "a", "b.c", "type", "stream", "\\", "\\stream", '"x"', "'y'", "1", "-2.5", "=", "!=", "<", "<=",
    ">", ">=", "!", "and", "or", "null", "true", "in", "(", ")", "[", "]", ",", "contains(", "match(",
    "length(", "typeof(", '"a*"', '"[a"', ".", "\n", "é", "@",
]  # fmt: skip
fql_like = st.lists(st.sampled_from(FQL_PIECES), max_size=25).map("".join)
any_text = st.text(max_size=60)

scalars = st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False) | st.text(max_size=6)
keys = st.sampled_from(
    [
        *DIRECTIVES,
        "@liquid",
        "@nope",
        "exists",
        "blank",
        "then",
        "else",
        "value",
        "operator",
        "pattern",
        "mode",
        "objects",
        "direction",
        "separator",
        "apply",
        "mapping",
        "x",
        "_metadata",
    ]
)
json_like = st.recursive(
    scalars | st.sampled_from(["$.a", "$.b.c", "{{a}}", "lower", "encode", "left", "."]),
    lambda children: st.lists(children, max_size=3) | st.dictionaries(keys, children, max_size=3),
    max_leaves=12,
)


def _mapping(trigger: str, fields: Any = None) -> list[dict[str, Any]]:
    return [{"name": "m", "trigger": trigger, "action": "upsert_note", "fields": fields or {"content": "x"}}]


@settings(max_examples=600, deadline=None)
@given(trigger=fql_like | any_text)
def test_trigger_parser_never_crashes(trigger: str) -> None:
    try:
        (compiled,) = compile_mappings(_mapping(trigger))
    except MappingConfigError as exc:
        problems = exc.problems
    else:
        problems = []
    if problems:
        assert all(p.startswith("mapping 'm' (#1): trigger ") for p in problems)
        return
    record = {"a": 1, "b": {"c": [1, "x"]}, "type": "track", "stream": "s"}
    assert compiled.matches(record, "s") in (True, False)


@settings(max_examples=600, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(mapping=json_like, record=json_like)
def test_directive_compiler_never_crashes(mapping: Any, record: Any) -> None:
    resolver, errors = compile_value(mapping, "/fields/x")
    assert all(error.startswith("/fields/x") for error in errors)
    if errors:
        return
    # Only the documented run-time failure may escape a resolver.
    with contextlib.suppress(DirectiveError):
        resolver(record if isinstance(record, dict) else {"a": record})


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(content=json_like, record=json_like)
def test_apply_gives_a_payload_or_a_rejection(content: Any, record: Any) -> None:
    try:
        (compiled,) = compile_mappings(_mapping("true", {"content": content, "note_id": content}))
    except MappingConfigError:
        return
    try:
        outcome: Any = compiled.apply(record if isinstance(record, dict) else {"a": record})
    except RecordRejected as exc:
        outcome = exc
    if isinstance(outcome, RecordRejected):
        assert outcome.mapping == "m"
        assert outcome.field in ("content", "note_id")
    else:
        assert isinstance(outcome["content"], str)


@settings(max_examples=200, deadline=None)
@given(
    mappings=st.lists(
        st.dictionaries(
            st.sampled_from(["name", "trigger", "action", "fields", "enabled", "zz"]), json_like, max_size=5
        ),
        max_size=4,
    )
    | json_like
)
def test_compile_mappings_never_crashes(mappings: Any) -> None:
    try:
        compile_mappings(mappings)
    except MappingConfigError as exc:
        problems: list[str] | None = exc.problems
    else:
        problems = None
    assert problems is None or len(problems) > 0
