"""The run-time half of the mapping-kit directives: the resolvers `payload -> value` they compile to.

directives.py checks a directive's arguments once, at start-up, and reports every problem; the
functions here build, from those checked parts, what then runs on each record. A resolver returns a
JSON value, None (JSON null) or MISSING (the field is left out), and raises DirectiveError when a
record gives a directive something it cannot work on.
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable
from typing import Any

from .jsvalues import MISSING, compact_json, is_number, js_join, js_string, strip_missing, type_name
from .paths import compile_get, get

Resolver = Callable[[Any], Any]

_TRIPLE = re.compile(r"\{\{\{([^}]+)\}\}\}")
_DOUBLE = re.compile(r"\{\{([^}]+)\}\}")


class DirectiveError(Exception):
    """A directive cannot work on this record (e.g. a @path given by a directive is not a string)."""


def constant(value: Any) -> Resolver:
    return lambda payload: value


def invalid(payload: Any) -> Any:
    """The resolver of a value that did not compile (never run: compiling reported the problem)."""
    return MISSING


# ---- templates ---------------------------------------------------------------------------------


def _placeholder(value: Any) -> str:
    if value is None or value is MISSING:
        return ""
    return js_string(value)


def template_pieces(template: str) -> list[tuple[bool, str]]:
    """A template as (is a placeholder, text) pieces: `{{{ path }}}` first, then `{{ path }}`; a
    placeholder's text is its path, stripped. Compiling and the start-up check read it the same way."""
    pieces: list[tuple[bool, str]] = []
    for i, piece in enumerate(_TRIPLE.split(template)):
        if i % 2:
            pieces.append((True, piece.strip()))
            continue
        for j, sub in enumerate(_DOUBLE.split(piece)):
            if j % 2:
                pieces.append((True, sub.strip()))
            elif sub:
                pieces.append((False, sub))
    return pieces


def compile_template(template: str) -> Callable[[Any], str]:
    """`{{{ path }}}` then `{{ path }}`, no escaping; values are never expanded again (Segment's are)."""
    parts: list[str | Resolver] = [
        compile_get(text) if is_path else text for is_path, text in template_pieces(template)
    ]
    if all(isinstance(part, str) for part in parts):
        text = "".join(part for part in parts if isinstance(part, str))
        return lambda payload: text

    def render(payload: Any) -> str:
        return "".join(part if isinstance(part, str) else _placeholder(part(payload)) for part in parts)

    return render


# ---- the directives' resolvers -----------------------------------------------------------------


def path_resolver(inner: Resolver) -> Resolver:
    """@path whose path a directive gives: the path is known only per record."""

    def dynamic_path(payload: Any) -> Any:
        path = inner(payload)
        if not isinstance(path, str):
            raise DirectiveError(f"@path: expected a string path, got {type_name(path)}")
        return get(payload, path)

    return dynamic_path


def template_resolver(inner: Resolver) -> Resolver:
    """@template whose template a directive gives: it is compiled per record."""

    def dynamic_template(payload: Any) -> Any:
        template = inner(payload)
        if not isinstance(template, str):
            raise DirectiveError(f"@template: expected a string template, got {type_name(template)}")
        return compile_template(template)(payload)

    return dynamic_template


def blank(value: Any) -> bool:
    """JavaScript's `value == ''`: "", 0, false, [] and lists that join to "" are blank; "0", " ", {} not."""
    if value == "" or value is False:
        return True
    if is_number(value):
        return value == 0
    if isinstance(value, list):
        return js_join(value) == ""
    return False


def if_resolver(
    test: Callable[[Any], bool], condition: Resolver, then: Resolver | None, otherwise: Resolver | None
) -> Resolver:
    def resolve_if(payload: Any) -> Any:
        if test(condition(payload)):
            return then(payload) if then is not None else MISSING
        return otherwise(payload) if otherwise is not None else MISSING

    return resolve_if


def case_resolver(inner: Resolver, change: Callable[[str], str]) -> Resolver:
    def resolve_case(payload: Any) -> Any:
        v = inner(payload)
        return change(v) if isinstance(v, str) else v

    return resolve_case


def replace_resolver(inner: Resolver, steps: list[tuple[re.Pattern[str], str]], count: int) -> Resolver:
    def resolve_replace(payload: Any) -> Any:
        v = inner(payload)
        if isinstance(v, bool) or is_number(v):
            v = js_string(v)
        if not isinstance(v, str):
            return MISSING  # Segment gives "" for objects and null; absent is what was meant
        for regex, text in steps:
            v = regex.sub(text, v, count=count)
        return v

    return resolve_replace


def array_path_resolver(root: Resolver, shape: Resolver | None) -> Resolver:
    def resolve_array_path(payload: Any) -> Any:
        found = root(payload)
        if shape is None or not isinstance(found, (dict, list)):
            return found
        items = [found] if isinstance(found, dict) else found
        # Each item is the payload its shape is resolved against, so $.sku means item.sku.
        return [shape(item) for item in items]

    return resolve_array_path


def merge_resolver(parts: list[Resolver]) -> Resolver:
    """The objects merged in the order of `parts`: a later one's members win."""

    def resolve_merge(payload: Any) -> Any:
        merged: dict[str, Any] = {}
        for part in parts:
            v = part(payload)
            if isinstance(v, dict):
                merged.update(v)
        return merged

    return resolve_merge


def json_encode_resolver(value: Resolver) -> Resolver:
    def encode(payload: Any) -> Any:
        v = value(payload)
        if v is MISSING:
            return MISSING
        try:
            return compact_json(v)
        except ValueError as exc:
            raise DirectiveError(f"@json: cannot encode the value: {exc}") from None

    return encode


def json_decode_resolver(value: Resolver) -> Resolver:
    """Text that is not JSON (NaN and Infinity included) is left as it is."""

    def decode(payload: Any) -> Any:
        v = value(payload)
        if not isinstance(v, str):
            return v
        try:
            return json.loads(v, parse_constant=_no_constant)
        except (ValueError, RecursionError):
            return v

    return decode


def _no_constant(name: str) -> Any:
    raise ValueError(f"{name} is not JSON")


def flatten_resolver(value: Resolver, separator: Resolver, omit_arrays: bool) -> Resolver:
    def resolve_flatten(payload: Any) -> Any:
        v = value(payload)
        if v is MISSING or v is None:
            return v
        sep = separator(payload)
        if not isinstance(sep, str):
            raise DirectiveError(f"@flatten: expected a string separator, got {type_name(sep)}")
        flat: dict[str, Any] = {}
        _flatten_into(flat, v, "", sep, omit_arrays)
        return flat

    return resolve_flatten


def _flatten_into(flat: dict[str, Any], value: Any, prefix: str, separator: str, omit_arrays: bool) -> None:
    if isinstance(value, dict):
        members: Any = value.items()
    elif isinstance(value, list) and not omit_arrays:
        members = ((str(i), item) for i, item in enumerate(value))
    else:
        flat[prefix] = value  # a scalar at the top ends up under "" (as Segment's flatten does)
        return
    for key, item in members:
        name = f"{prefix}{separator}{key}" if prefix else str(key)
        if isinstance(item, dict) or (isinstance(item, list) and not omit_arrays):
            _flatten_into(flat, item, name, separator, omit_arrays)
        else:
            flat[name] = item


def transform_resolver(first: Resolver, second: Resolver) -> Resolver:
    return lambda payload: second(strip_missing(first(payload)))


def exclude_when_null_resolver(inner: Resolver) -> Resolver:
    def exclude(payload: Any) -> Any:
        v = inner(payload)
        if v is None:
            return MISSING
        if isinstance(v, dict):
            return _null_members_absent(v)
        return v

    return exclude


def _null_members_absent(value: dict[str, Any]) -> dict[str, Any]:
    return {
        k: MISSING if v is None else _null_members_absent(v) if isinstance(v, dict) else v
        for k, v in value.items()
    }
