"""mapping-kit paths (`$.traits.email`, `items[0].sku`, `a['b c']`) into compiled getters.

Unlike Segment's `get`, a walk through an absent, null or scalar value gives "absent": Segment
returns the falsy intermediate itself (`{a: 0}` at `a.b` gives 0) and indexes strings by character.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from typing import Any

from .jsvalues import MISSING

Getter = Callable[[Any], Any]

# Split on dots, on "[" before a quote or digit and on "]" after one, as mapping-kit does;
# so a[0] and a['b c'] are indexes while a[b] is the literal key "a[b]".
_SPLIT = re.compile(r"\.|\[(?=['\"\d])|(?<=['\"\d])\]")


def split_path(path: str) -> tuple[str, ...] | None:
    """The segments of a path; None for the whole payload ("", ".", "$.")."""
    path = path.replace("$.", "", 1)
    if path in ("", "."):
        return None
    return tuple(re.sub(r"['\"]", "", part) for part in _SPLIT.split(path) if part)


# What may open a bracket the kit does not read: JSONPath's filters, wildcards, slices, negative indexes.
_JSONPATH_BRACKETS = {
    "?": "a filter",
    "*": "a wildcard",
    "(": "a script",
    ":": "a slice",
    "-": "a negative index",
}
_INDEX = re.compile(r"\[(?:\d+|'[^']*'|\"[^\"]*\")\]")
_FIX = "write a dotted path such as $.traits.name, $.properties.items[0].sku or $.traits['a key']"


def path_problem(path: str) -> str | None:
    """What makes `path` one the kit cannot read as meant, with its column (from 1) and the fix; None
    for a good one. The kit itself reads any text (an unclosed "[" is part of a key name: "traits["),
    so a typo or a JSONPath expression would give every record an empty field without a word."""
    if path in ("", ".", "$."):
        return None
    start = 2 if path.startswith("$.") else 0
    at, closed, literal = start, False, False
    while at < len(path):
        char, column = path[at], at + 1
        if char == "[":
            problem, at = _bracket(path, at)
            if problem:
                return f"{problem} at column {column}; {_FIX}"
            closed = at > 0 and path[at - 1] == "]" and not literal
            literal = literal or not closed
            continue
        if closed and char != ".":
            return f"{char!r} right after ']' at column {column}; {_FIX}"
        if char == "." and (path[at - 1 : at] == "." or at == len(path) - 1):
            what = "a path ending in '.'" if at == len(path) - 1 else "'..' (JSONPath's recursive descent)"
            return f"{what} at column {column}; {_FIX}"
        if char == "]":
            if not literal:
                return f"']' without an opening '[' at column {column}; {_FIX}"
            literal = False
        if char == "*" and (at == start or path[at - 1] == ".") and path[at + 1 : at + 2] in ("", "."):
            return f"a wildcard ('*', JSONPath) at column {column}; {_FIX}"
        if char == ".":
            literal = False
        closed = False
        at += 1
    return None


def _bracket(path: str, at: int) -> tuple[str | None, int]:
    """The problem of the bracket at `at`, and where reading goes on. `[0]`, `['b c']` and `["b"]`
    index; `[b]` is, as in the kit, part of the key name ("a[b]"), as long as it closes."""
    if match := _INDEX.match(path, at):
        return None, match.end()
    following = path[at + 1 : at + 2]
    if following in _JSONPATH_BRACKETS:
        return f"{_JSONPATH_BRACKETS[following]} ('[{following}', JSONPath) is not read by the kit", at
    if following in ("'", '"'):
        return "a quoted key without its closing quote and ']'", at
    if following.isdigit():
        return "an index that is not a whole number (such as [0])", at
    end = path.find("]", at)
    if end == -1 or "." in path[at:end] or "[" in path[at + 1 : end]:
        return "'[' without a closing ']'", at
    return None, at + 1


def _step(value: Any, key: str) -> Any:
    if isinstance(value, dict):
        return value.get(key, MISSING)
    if isinstance(value, list) and key.isdigit() and key.isascii():
        index = int(key)
        return value[index] if index < len(value) else MISSING
    return MISSING


def compile_get(path: str) -> Getter:
    segments = split_path(path)
    if segments is None:
        return lambda payload: payload
    if len(segments) == 1:
        (k0,) = segments
        return lambda payload: payload.get(k0, MISSING) if isinstance(payload, dict) else _step(payload, k0)
    if len(segments) == 2:
        k0, k1 = segments

        def get2(payload: Any) -> Any:
            v = payload.get(k0, MISSING) if isinstance(payload, dict) else _step(payload, k0)
            if isinstance(v, dict):
                return v.get(k1, MISSING)
            return _step(v, k1)

        return get2

    def get_n(payload: Any) -> Any:
        v = payload
        for key in segments:
            v = _step(v, key)
            if v is MISSING:
                return MISSING
        return v

    return get_n


def get(payload: Any, path: str) -> Any:
    """Look a path up once (for paths that come from the record, e.g. a @path given by a directive)."""
    return compile_get(path)(payload)
