"""FQL semantics: every operator and function, null handling, the `stream` rule."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

import pytest

from target_pipedrive.mapping.fql_eval import compile_trigger
from target_pipedrive.mapping.glob import GlobError, compile_glob

RECORD: dict[str, Any] = {
    "type": "track",
    "event": "Order Completed",
    "userId": "u1",
    "stream": "record-own-stream",
    "plan": "pro",
    "count": 3,
    "properties": {
        "amount": 150,
        "price": Decimal("0.1"),
        "ratio": 1.0,
        "plan": "pro",
        "features": ["dark-mode", "beta"],
        "enabled": True,
        "disabled": False,
        "nothing": None,
        "name": "test string",
        "empty": "",
        "nested": {"a": 1},
        "zero": 0,
        "text_number": "5",
        "unicode": "héllo",
        "product 1": {"price": 9},
    },
    "traits": {"email": "ann@acme.com", "vip": True},
}


def holds(trigger: str, record: dict[str, Any] = RECORD, stream: str = "events") -> bool:
    return compile_trigger(trigger)(record, stream)


@pytest.mark.parametrize(
    ("trigger", "expected"),
    [
        # = and != : same type and equal
        ('type = "track"', True),
        ('type = "Track"', False),  # case-sensitive
        ('type != "track"', False),
        ('type != "identify"', True),
        ("properties.amount = 150", True),
        ("properties.amount = 150.0", True),  # int and float compare by value
        ('properties.amount = "150"', False),  # no coercion
        ("properties.text_number = 5", False),
        ("properties.price = 0.1", True),  # the SDK's Decimal equals the literal
        ("properties.ratio = 1", True),
        ("properties.enabled = true", True),
        ("properties.enabled = 1", False),  # a boolean is not a number
        ("properties.zero = false", False),
        ("properties.disabled = false", True),
        ("properties.features = ['dark-mode', 'beta']", True),  # lists element-wise
        ("properties.features = ['beta', 'dark-mode']", False),
        ("properties.nested = properties.nested", False),  # objects are opaque
        # null: absent or null
        ("properties.nothing = null", True),
        ("properties.missing = null", True),
        ("properties.missing.deeper = null", True),
        ("properties.amount.deeper = null", True),  # a scalar has no members
        ("properties.empty = null", False),
        ("properties.nothing != null", False),
        ("traits.email != null", True),
        ('properties.plan != "free"', True),
        ('properties.missing != "pro"', True),  # != is true across types and for absent
        # ordering: numbers only
        ("properties.amount > 100", True),
        ("properties.amount >= 150", True),
        ("properties.amount < 150", False),
        ("properties.amount <= 150", True),
        ("properties.price < 0.2", True),
        ("properties.text_number > 1", False),  # strings are not coerced
        ('type > "a"', False),
        ("properties.missing < 1", False),
        ("properties.enabled > 0", False),
        # in
        ("'dark-mode' in properties.features", True),
        ("'light' in properties.features", False),
        ("type in ['identify', 'track']", True),
        ("type in ['identify', 'group']", False),
        ("properties.amount in [1, 150]", True),
        ("properties.amount in ['150']", False),
        ("type in properties.plan", False),  # the right side must be a list
        ("properties.missing in [null]", True),
        # and / or / ! with precedence and parentheses
        ('type = "track" and event = "Order Completed"', True),
        ('type = "track" and event = "X"', False),
        ('event = "X" or event = "Order Completed"', True),
        ('(type = "identify" and event = "X") or type = "track"', True),
        ('type = "identify" and (event = "X" or type = "track")', False),
        ('!(type = "track")', False),  # FQL negates the group (Segment's subset would not)
        ('!type = "identify"', True),
        ("!properties.missing", True),
        ("!!properties.enabled", True),
        # a bare operand is a condition only when it is exactly true
        ("properties.enabled", True),
        ("properties.disabled", False),
        ("properties.amount", False),
        ("properties.plan", False),
        ("properties.missing", False),
        ("properties.enabled or properties.missing", True),
        ("properties.missing and properties.enabled", False),
        ("true", True),
        ("false", False),
        ("null", False),
        # top-level columns and escaped segments
        ('plan = "pro"', True),
        ("count >= 3", True),
        (r"properties.product\ 1.price = 9", True),
        ("userId = null", False),
        ("anonymousId = null", True),
    ],
)
def test_operators(trigger: str, expected: bool) -> None:
    assert holds(trigger) is expected


@pytest.mark.parametrize(
    ("trigger", "expected"),
    [
        ('contains(event, "Order")', True),
        ('contains(event, "order")', False),
        ('!contains(event, "Test")', True),
        ('contains(properties.missing, "x")', False),
        ('contains(properties.amount, "1")', False),  # strings only
        ('contains(event, "")', True),
        ('match(event, "Order*")', True),
        ('match(event, "*Completed")', True),
        ('match(event, "*der Com*")', True),
        ('match(event, "order*")', False),  # case-sensitive
        ('match(event, "Order")', False),  # whole string
        ('match(event, "Order?Completed")', True),
        ('match(event, "[NO]rder*")', True),
        ('match(event, "[a-z]rder*")', False),
        ('match(event, "[!a-z]rder*")', True),
        ('match(traits.email, "*@acme.com")', True),
        ('match(traits.email, "*@acme?com")', True),
        ('match(properties.missing, "*")', False),
        ("match(event, properties.plan)", False),  # a pattern from the record
        ("length(properties.features) = 2", True),
        ("length(properties.unicode) = 6", True),  # UTF-8 bytes
        ("length(properties.missing) = 0", True),
        ("length(properties.amount) = 0", True),
        ('lowercase(event) = "order completed"', True),
        ('uppercase(event) = "ORDER COMPLETED"', True),
        ("lowercase(properties.missing) = null", True),
        ("lowercase(properties.amount) = null", True),
        ('snakecase(properties.name) = "test_string"', True),
        ('kebabcase(properties.name) = "test-string"', True),
        ('titlecase(properties.name) = "Test String"', True),
        ('typeof(event) = "string"', True),
        ('typeof(properties.amount) = "number"', True),
        ('typeof(properties.price) = "number"', True),
        ('typeof(properties.features) = "list"', True),
        ('typeof(properties.enabled) = "bool"', True),
        ('typeof(properties.missing) = "null"', True),
        ('typeof(properties.nested) = "object"', True),
        ("bool(properties.enabled) = true", True),
        ('bool("true") = true', True),
        ('bool("0") = false', True),
        ('bool("maybe") = null', True),
        ("bool(properties.zero) = false", True),
        ("bool(properties.missing) = false", True),
        ('string(properties.amount) = "150"', True),
        ('string(properties.price) = "0.1"', True),
        ('string(properties.enabled) = "true"', True),
        ("string(properties.missing) = null", True),
        ("number(properties.text_number) = 5", True),
        ("number(properties.text_number) > 4", True),
        ('number("1.5") = 1.5', True),
        ('number("abc") = null', True),
        ("number(properties.enabled) = 1", True),
        ('contains(lowercase(event), "order")', True),
        ("length(properties.features) > 1 and 'beta' in properties.features", True),
    ],
)
def test_functions(trigger: str, expected: bool) -> None:
    assert holds(trigger) is expected


class TestStream:
    """Bare `stream` is the Singer stream; the record's own key is `\\stream` (or any longer path)."""

    def test_bare_stream_is_the_singer_stream(self) -> None:
        assert holds('stream = "events"', stream="events")
        assert not holds('stream = "record-own-stream"', stream="events")

    def test_escaped_stream_is_the_record_key(self) -> None:
        assert holds(r'\stream = "record-own-stream"', stream="events")
        assert not holds(r'\stream = "events"', stream="events")

    def test_stream_works_in_functions_and_lists(self) -> None:
        assert holds('match(stream, "public-*")', stream="public-users")
        assert holds('stream in ["a", "b"]', stream="b")
        assert holds('contains(stream, "user")', stream="public-users")

    def test_record_without_stream_key(self) -> None:
        assert holds(r"\stream = null", record={"type": "track"}, stream="events")
        assert holds('stream = "events"', record={"type": "track"}, stream="events")

    def test_a_longer_path_reaches_the_record(self) -> None:
        assert holds('stream.name = "x"', record={"stream": {"name": "x"}}, stream="events")


@pytest.mark.parametrize(
    ("pattern", "text", "expected"),
    [
        ("*", "", True),
        ("*", "anything", True),
        ("a*b", "ab", True),
        ("a*b", "axxb", True),
        ("a*b", "axxbc", False),
        ("a?c", "abc", True),
        ("a?c", "ac", False),
        ("[abc]x", "bx", True),
        ("[abc]x", "dx", False),
        ("[a-c]x", "bx", True),
        ("[^a-c]x", "dx", True),
        ("[!a-c]x", "bx", False),
        (r"\*", "*", True),
        (r"\*", "a", False),
        (r"a\?", "a?", True),
        ("a.b", "a.b", True),
        ("a.b", "axb", False),  # regex characters are literal
        ("(x)+", "(x)+", True),
        ("[a\\]]", "]", True),
        ("line*", "line1\nline2", True),
        ("[-a]", "-", True),
    ],
)
def test_glob(pattern: str, text: str, expected: bool) -> None:
    assert (compile_glob(pattern).fullmatch(text) is not None) is expected


@pytest.mark.parametrize("pattern", ["[", "[abc", "[]", "a\\", "[z-a]", "[a-\\"])
def test_bad_globs(pattern: str) -> None:
    with pytest.raises(GlobError):
        compile_glob(pattern)


def test_bad_pattern_from_the_record_matches_nothing() -> None:
    assert not holds(
        "match(event, properties.pattern)", record={"event": "x", "properties": {"pattern": "["}}
    )
