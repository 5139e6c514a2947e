"""mapping-kit directives, validated whole and compiled once into resolvers `payload -> value`.

A resolver returns a JSON value, None (JSON null: the field is sent as null) or MISSING (the field is
left out), as mapping-kit tells `null` from `undefined`. Validation walks everything, lists included
(Segment skips lists until run time), and collects every problem with a slash path
(`/fields/name/@path should be a string but it is a number.`) so that a user sees them all at once.
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable
from typing import Any

from .jsvalues import (
    MISSING,
    compact_json,
    is_number,
    js_join,
    js_string,
    js_truthy,
    strip_missing,
    type_name,
)
from .paths import compile_get, get

Resolver = Callable[[Any], Any]

DIRECTIVES = (
    "@path",
    "@template",
    "@literal",
    "@if",
    "@case",
    "@replace",
    "@arrayPath",
    "@merge",
    "@json",
    "@flatten",
    "@transform",
    "@excludeWhenNull",
)
_NAME = re.compile(r"^@[a-z][a-zA-Z0-9]+$")
_TRIPLE = re.compile(r"\{\{\{([^}]+)\}\}\}")
_DOUBLE = re.compile(r"\{\{([^}]+)\}\}")
# A config nested deeper than this is no real mapping and would exhaust Python's stack.
MAX_DEPTH = 32


class DirectiveError(Exception):
    """A directive cannot work on this record (e.g. a @path given by a directive is not a string)."""


def _constant(value: Any) -> Resolver:
    return lambda payload: value


def _invalid(payload: Any) -> Any:
    return MISSING


def is_directive(value: Any) -> bool:
    return isinstance(value, dict) and any(isinstance(k, str) and k.startswith("@") for k in value)


# ---- templates ---------------------------------------------------------------------------------


def _placeholder(value: Any) -> str:
    if value is None or value is MISSING:
        return ""
    return js_string(value)


def compile_template(template: str) -> Callable[[Any], str]:
    """`{{{ path }}}` then `{{ path }}`, no escaping; values are never expanded again (Segment's are)."""
    parts: list[str | Resolver] = []
    for i, piece in enumerate(_TRIPLE.split(template)):
        if i % 2:
            parts.append(compile_get(piece.strip()))
            continue
        for j, sub in enumerate(_DOUBLE.split(piece)):
            if j % 2:
                parts.append(compile_get(sub.strip()))
            elif sub:
                parts.append(sub)
    if all(isinstance(part, str) for part in parts):
        text = "".join(part for part in parts if isinstance(part, str))
        return lambda payload: text

    def render(payload: Any) -> str:
        return "".join(part if isinstance(part, str) else _placeholder(part(payload)) for part in parts)

    return render


# ---- the compiler ------------------------------------------------------------------------------


def _blank(value: Any) -> bool:
    """JavaScript's `value == ''`: "", 0, false, [] and lists that join to "" are blank; "0", " ", {} not."""
    if value == "" or value is False:
        return True
    if is_number(value):
        return value == 0
    if isinstance(value, list):
        return js_join(value) == ""
    return False


class Compiler:
    """Compiles mapping values; `errors` collects every problem instead of stopping at the first."""

    def __init__(self) -> None:
        self.errors: list[str] = []

    def error(self, where: str, message: str) -> Resolver:
        self.errors.append(f"{where or '/'} {message}")
        return _invalid

    def value(self, m: Any, where: str, depth: int = 0) -> Resolver:
        if depth > MAX_DEPTH:
            return self.error(where, f"is nested deeper than {MAX_DEPTH} levels.")
        if isinstance(m, list):
            items = [self.value(item, f"{where}/{i}", depth + 1) for i, item in enumerate(m)]
            return lambda payload: [item(payload) for item in items]
        if not isinstance(m, dict):
            return _constant(m)
        keys = [k for k in m if isinstance(k, str) and k.startswith("@")]
        if not keys:
            members = [(k, self.value(v, f"{where}/{k}", depth + 1)) for k, v in m.items()]
            return lambda payload: {k: resolve(payload) for k, resolve in members}
        others = [k for k in m if not (isinstance(k, str) and k.startswith("@")) and k != "_metadata"]
        if others:
            return self.error(
                where,
                f"mixes a directive ({', '.join(keys)}) with other keys ({', '.join(map(str, others))}); "
                "a directive object has exactly one @ key, so nest the other keys inside it or drop the @.",
            )
        if len(keys) > 1:
            return self.error(
                where, f"has several directives ({', '.join(keys)}); use exactly one per object."
            )
        name = keys[0]
        at = f"{where}/{name}"
        if name == "@liquid":
            return self.error(at, "is not supported by target-pipedrive; use @template or @if instead.")
        if not _NAME.match(name) or name not in DIRECTIVES:
            return self.error(at, f"is not a known directive; expected one of {', '.join(DIRECTIVES)}.")
        method = getattr(self, "_" + name[1:].lower())
        return method(m[name], at, depth + 1)

    # -- helpers

    def _string_or_directive(self, arg: Any, where: str, depth: int) -> Resolver | str | None:
        """A string argument as is, a directive compiled; anything else is an error (None)."""
        if isinstance(arg, str):
            return arg
        if is_directive(arg):
            return self.value(arg, where, depth)
        self.error(where, f"should be a string but it is {type_name(arg)}.")
        return None

    def _object(self, arg: Any, where: str, allowed: tuple[str, ...], required: tuple[str, ...]) -> bool:
        if not isinstance(arg, dict):
            self.error(where, f"should be an object but it is {type_name(arg)}.")
            return False
        ok = True
        for key in arg:
            if key not in allowed and key != "_metadata":
                self.error(
                    f"{where}/{key}", f"is not an option of this directive; expected {', '.join(allowed)}."
                )
                ok = False
        for key in required:
            if key not in arg:
                self.error(where, f"should have required property '{key}'.")
                ok = False
        return ok

    def _bool_option(self, arg: dict, key: str, where: str, default: bool) -> bool:
        value = arg.get(key, default)
        if not isinstance(value, bool):
            self.error(f"{where}/{key}", f"should be a boolean but it is {type_name(value)}.")
            return default
        return value

    def _short_string(self, arg: dict, key: str, where: str, low: int, high: int, default: str) -> str:
        value = arg.get(key, default)
        if not isinstance(value, str):
            self.error(f"{where}/{key}", f"should be a string but it is {type_name(value)}.")
            return default
        if not low <= len(value) <= high:
            self.error(f"{where}/{key}", f"should be {low} to {high} characters long but has {len(value)}.")
        return value

    # -- the directives

    def _path(self, arg: Any, where: str, depth: int) -> Resolver:
        given = self._string_or_directive(arg, where, depth)
        if given is None:
            return _invalid
        if isinstance(given, str):
            return compile_get(given)
        inner = given

        def dynamic_path(payload: Any) -> Any:
            path = inner(payload)
            if not isinstance(path, str):
                raise DirectiveError(f"@path: expected a string path, got {type_name(path)}")
            return get(payload, path)

        return dynamic_path

    def _template(self, arg: Any, where: str, depth: int) -> Resolver:
        given = self._string_or_directive(arg, where, depth)
        if given is None:
            return _invalid
        if isinstance(given, str):
            return compile_template(given)
        inner = given

        def dynamic_template(payload: Any) -> Any:
            template = inner(payload)
            if not isinstance(template, str):
                raise DirectiveError(f"@template: expected a string template, got {type_name(template)}")
            return compile_template(template)(payload)

        return dynamic_template

    def _literal(self, arg: Any, where: str, depth: int) -> Resolver:
        # mapping-kit resolves a literal's value too, so a directive inside one still runs.
        return self.value(arg, where, depth)

    def _if(self, arg: Any, where: str, depth: int) -> Resolver:
        if not self._object(arg, where, ("exists", "blank", "then", "else"), ()):
            return _invalid
        if "exists" in arg:
            key, test = "exists", lambda v: v is not MISSING and v is not None
        elif "blank" in arg:
            key, test = "blank", lambda v: v is not MISSING and v is not None and not _blank(v)
        else:
            return self.error(where, "should have either 'exists' or 'blank'.")
        if not js_truthy(arg[key]):
            # mapping-kit fails every record at run time on a falsy condition; say so once, now.
            return self.error(
                f"{where}/{key}", "should be a path directive or a value; a falsy value is refused."
            )
        condition = self.value(arg[key], f"{where}/{key}", depth)
        then = self.value(arg["then"], f"{where}/then", depth) if "then" in arg else None
        # Segment: an `else` that is false, 0, "" or null leaves the field out instead of sending it.
        otherwise = self.value(arg["else"], f"{where}/else", depth) if js_truthy(arg.get("else")) else None

        def resolve_if(payload: Any) -> Any:
            if test(condition(payload)):
                return then(payload) if then is not None else MISSING
            return otherwise(payload) if otherwise is not None else MISSING

        return resolve_if

    def _case(self, arg: Any, where: str, depth: int) -> Resolver:
        if not self._object(arg, where, ("operator", "value"), ("operator", "value")):
            return _invalid
        operator = arg["operator"]
        if operator not in ("lower", "upper"):
            return self.error(f"{where}/operator", "should be 'lower' or 'upper'.")
        value = self._string_or_directive(arg["value"], f"{where}/value", depth)
        if value is None:
            return _invalid
        if not js_truthy(arg["value"]):
            return lambda payload: MISSING  # Segment: an empty value leaves the field out
        change = str.lower if operator == "lower" else str.upper
        if isinstance(value, str):
            changed = change(value)
            return lambda payload: changed
        inner = value

        def resolve_case(payload: Any) -> Any:
            v = inner(payload)
            return change(v) if isinstance(v, str) else v

        return resolve_case

    def _replace(self, arg: Any, where: str, depth: int) -> Resolver:
        options = ("value", "pattern", "replacement", "global", "ignorecase", "pattern2", "replacement2")
        if not self._object(arg, where, options, ("value", "pattern")):
            return _invalid
        errors = len(self.errors)
        pattern = self._short_string(arg, "pattern", where, 1, 10, "")
        replacement = self._short_string(arg, "replacement", where, 0, 10, "")
        global_ = self._bool_option(arg, "global", where, True)
        ignorecase = self._bool_option(arg, "ignorecase", where, False)
        pattern2 = self._short_string(arg, "pattern2", where, 0, 10, "")
        replacement2 = self._short_string(arg, "replacement2", where, 0, 10, "")
        value = self._string_or_directive(arg["value"], f"{where}/value", depth)
        if value is None or len(self.errors) > errors:
            return _invalid
        flags = re.IGNORECASE if ignorecase else 0
        count = 0 if global_ else 1
        # The patterns are literal text, not regular expressions, and so are the replacements.
        steps = [(re.compile(re.escape(pattern), flags), _literal_text(replacement))]
        if pattern2:
            steps.append((re.compile(re.escape(pattern2), flags), _literal_text(replacement2)))
        if not js_truthy(arg["value"]):
            return lambda payload: MISSING
        inner = _constant(value) if isinstance(value, str) else value

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

    def _arraypath(self, arg: Any, where: str, depth: int) -> Resolver:
        if not isinstance(arg, list):
            return self.error(where, f"should be an array but it is {type_name(arg)}.")
        if not 1 <= len(arg) <= 2:
            return self.error(where, f"should be [path] or [path, shape] but has {len(arg)} items.")
        root_arg = self._string_or_directive(arg[0], f"{where}/0", depth)
        shape_arg = arg[1] if len(arg) == 2 else None
        shape: Resolver | None = None
        if shape_arg is not None:
            if not isinstance(shape_arg, dict):
                return self.error(f"{where}/1", f"should be an object but it is {type_name(shape_arg)}.")
            if shape_arg:
                shape = self.value(shape_arg, f"{where}/1", depth)
        if root_arg is None:
            return _invalid
        root = compile_get(root_arg) if isinstance(root_arg, str) else root_arg

        def resolve_array_path(payload: Any) -> Any:
            found = root(payload)
            if shape is None or not isinstance(found, (dict, list)):
                return found
            items = [found] if isinstance(found, dict) else found
            # Each item is the payload its shape is resolved against, so $.sku means item.sku.
            return [shape(item) for item in items]

        return resolve_array_path

    def _merge(self, arg: Any, where: str, depth: int) -> Resolver:
        if not self._object(arg, where, ("objects", "direction"), ("objects", "direction")):
            return _invalid
        objects, direction = arg["objects"], arg["direction"]
        ok = True
        if not isinstance(direction, str) or direction.lower() not in ("left", "right"):
            self.error(f"{where}/direction", "should be 'left' or 'right'.")
            ok = False
        if not isinstance(objects, list):
            return self.error(f"{where}/objects", f"should be an array but it is {type_name(objects)}.")
        parts = []
        for i, item in enumerate(objects):
            if not isinstance(item, dict):
                self.error(f"{where}/objects/{i}", f"should be an object but it is {type_name(item)}.")
                ok = False
                continue
            parts.append(self.value(item, f"{where}/objects/{i}", depth))
        if not ok:
            return _invalid
        if direction.lower() == "left":
            parts.reverse()  # earlier objects win: apply them last

        def resolve_merge(payload: Any) -> Any:
            merged: dict[str, Any] = {}
            for part in parts:
                v = part(payload)
                if isinstance(v, dict):
                    merged.update(v)
            return merged

        return resolve_merge

    def _json(self, arg: Any, where: str, depth: int) -> Resolver:
        if not self._object(arg, where, ("mode", "value"), ("mode", "value")):
            return _invalid
        mode = arg["mode"]
        if mode not in ("encode", "decode"):
            return self.error(f"{where}/mode", "should be 'encode' or 'decode'.")
        if not js_truthy(arg["value"]):
            return self.error(f"{where}/value", "should be a value or a directive; a falsy value is refused.")
        value = self.value(arg["value"], f"{where}/value", depth)
        if mode == "encode":

            def encode(payload: Any) -> Any:
                v = value(payload)
                if v is MISSING:
                    return MISSING
                try:
                    return compact_json(v)
                except ValueError as exc:
                    raise DirectiveError(f"@json: cannot encode the value: {exc}") from None

            return encode

        def decode(payload: Any) -> Any:
            v = value(payload)
            if not isinstance(v, str):
                return v
            try:
                return json.loads(v, parse_constant=_no_constant)
            except (ValueError, RecursionError):
                return v

        return decode

    def _flatten(self, arg: Any, where: str, depth: int) -> Resolver:
        if not self._object(arg, where, ("value", "separator", "omitArrays"), ("value", "separator")):
            return _invalid
        omit_arrays = self._bool_option(arg, "omitArrays", where, False)
        separator_arg = self._string_or_directive(arg["separator"], f"{where}/separator", depth)
        value = self.value(arg["value"], f"{where}/value", depth)
        if separator_arg is None:
            return _invalid
        separator = _constant(separator_arg) if isinstance(separator_arg, str) else separator_arg

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

    def _transform(self, arg: Any, where: str, depth: int) -> Resolver:
        if not self._object(arg, where, ("apply", "mapping"), ("apply", "mapping")):
            return _invalid
        ok = True
        for key in ("apply", "mapping"):
            if not isinstance(arg[key], dict):
                self.error(f"{where}/{key}", f"should be an object but it is {type_name(arg[key])}.")
                ok = False
        if not ok:
            return _invalid
        first = self.value(arg["apply"], f"{where}/apply", depth)
        second = self.value(arg["mapping"], f"{where}/mapping", depth)
        return lambda payload: second(strip_missing(first(payload)))

    def _excludewhennull(self, arg: Any, where: str, depth: int) -> Resolver:
        inner = self.value(arg, where, depth)

        def exclude(payload: Any) -> Any:
            v = inner(payload)
            if v is None:
                return MISSING
            if isinstance(v, dict):
                return _null_members_absent(v)
            return v

        return exclude


def _literal_text(replacement: str) -> str:
    """A replacement for re.sub that inserts itself verbatim (no group references)."""
    return replacement.replace("\\", "\\\\")


def _no_constant(name: str) -> Any:
    raise ValueError(f"{name} is not JSON")


def _null_members_absent(value: dict[str, Any]) -> dict[str, Any]:
    return {
        k: MISSING if v is None else _null_members_absent(v) if isinstance(v, dict) else v
        for k, v in value.items()
    }


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


def compile_value(m: Any, where: str) -> tuple[Resolver, list[str]]:
    """Compile one mapping value; returns the resolver and every problem found (empty when valid)."""
    compiler = Compiler()
    resolver = compiler.value(m, where)
    return resolver, compiler.errors
