"""mapping-kit directives, validated whole and compiled once into resolvers `payload -> value`.

A resolver returns a JSON value, None (JSON null: the field is sent as null) or MISSING (the field is
left out), as mapping-kit tells `null` from `undefined`. Validation walks everything, lists included
(Segment skips lists until run time), and collects every problem with a slash path
(`/fields/name/@path should be a string but it is a number.`) so that a user sees them all at once.
This module holds those checks; the resolvers they compile to, what runs on each record, are in
resolvers.py.
"""

from __future__ import annotations

import re
from typing import Any

from . import resolvers
from .jsvalues import MISSING, js_truthy, type_name
from .paths import compile_get, path_problem
from .resolvers import DirectiveError, Resolver, compile_template, constant, invalid

# What other modules import from here: DirectiveError, Resolver and compile_template live in resolvers.py.
__all__ = [
    "DIRECTIVES",
    "MAX_DEPTH",
    "Compiler",
    "DirectiveError",
    "Resolver",
    "compile_template",
    "compile_value",
    "is_directive",
]

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
# A config nested deeper than this is no real mapping and would exhaust Python's stack.
MAX_DEPTH = 32


def is_directive(value: Any) -> bool:
    return isinstance(value, dict) and any(isinstance(k, str) and k.startswith("@") for k in value)


# ---- the compiler ------------------------------------------------------------------------------


class Compiler:
    """Compiles mapping values; `errors` collects every problem instead of stopping at the first."""

    def __init__(self) -> None:
        self.errors: list[str] = []

    def error(self, where: str, message: str) -> Resolver:
        self.errors.append(f"{where or '/'} {message}")
        return invalid

    def value(self, m: Any, where: str, depth: int = 0) -> Resolver:
        if depth > MAX_DEPTH:
            return self.error(where, f"is nested deeper than {MAX_DEPTH} levels.")
        if isinstance(m, list):
            items = [self.value(item, f"{where}/{i}", depth + 1) for i, item in enumerate(m)]
            return lambda payload: [item(payload) for item in items]
        if not isinstance(m, dict):
            return constant(m)
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
            return invalid
        if isinstance(given, str):
            return self._compiled_path(given, where)
        return resolvers.path_resolver(given)

    def _compiled_path(self, path: str, where: str) -> Resolver:
        """A path written in the mapping, checked now: one the kit cannot read as meant would leave
        the field empty on every record, with no word (a path a directive gives is known per record)."""
        if (problem := path_problem(path)) is not None:
            return self.error(where, f"{path!r} is not a path the mapping kit reads: {problem}.")
        return compile_get(path)

    def _template(self, arg: Any, where: str, depth: int) -> Resolver:
        given = self._string_or_directive(arg, where, depth)
        if given is None:
            return invalid
        if isinstance(given, str):
            return self._compiled_template(given, where)
        return resolvers.template_resolver(given)

    def _compiled_template(self, template: str, where: str) -> Resolver:
        """A template written in the mapping, its placeholders' paths checked now as @path's are: a
        placeholder the kit cannot read renders as "" on every record, with no word."""
        errors = len(self.errors)
        for is_path, path in resolvers.template_pieces(template):
            if is_path and (problem := path_problem(path)) is not None:
                self.error(where, f"placeholder {path!r} is not a path the mapping kit reads: {problem}.")
        return invalid if len(self.errors) > errors else compile_template(template)

    def _literal(self, arg: Any, where: str, depth: int) -> Resolver:
        # mapping-kit resolves a literal's value too, so a directive inside one still runs.
        return self.value(arg, where, depth)

    def _if(self, arg: Any, where: str, depth: int) -> Resolver:
        if not self._object(arg, where, ("exists", "blank", "then", "else"), ()):
            return invalid
        if "exists" in arg:
            key, test = "exists", lambda v: v is not MISSING and v is not None
        elif "blank" in arg:
            key, test = "blank", lambda v: v is not MISSING and v is not None and not resolvers.blank(v)
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
        return resolvers.if_resolver(test, condition, then, otherwise)

    def _case(self, arg: Any, where: str, depth: int) -> Resolver:
        if not self._object(arg, where, ("operator", "value"), ("operator", "value")):
            return invalid
        operator = arg["operator"]
        if operator not in ("lower", "upper"):
            return self.error(f"{where}/operator", "should be 'lower' or 'upper'.")
        value = self._string_or_directive(arg["value"], f"{where}/value", depth)
        if value is None:
            return invalid
        if not js_truthy(arg["value"]):
            return lambda payload: MISSING  # Segment: an empty value leaves the field out
        change = str.lower if operator == "lower" else str.upper
        if isinstance(value, str):
            changed = change(value)
            return lambda payload: changed
        return resolvers.case_resolver(value, change)

    def _replace(self, arg: Any, where: str, depth: int) -> Resolver:
        options = ("value", "pattern", "replacement", "global", "ignorecase", "pattern2", "replacement2")
        if not self._object(arg, where, options, ("value", "pattern")):
            return invalid
        errors = len(self.errors)
        pattern = self._short_string(arg, "pattern", where, 1, 10, "")
        replacement = self._short_string(arg, "replacement", where, 0, 10, "")
        global_ = self._bool_option(arg, "global", where, True)
        ignorecase = self._bool_option(arg, "ignorecase", where, False)
        pattern2 = self._short_string(arg, "pattern2", where, 0, 10, "")
        replacement2 = self._short_string(arg, "replacement2", where, 0, 10, "")
        value = self._string_or_directive(arg["value"], f"{where}/value", depth)
        if value is None or len(self.errors) > errors:
            return invalid
        flags = re.IGNORECASE if ignorecase else 0
        count = 0 if global_ else 1
        # The patterns are literal text, not regular expressions, and so are the replacements.
        steps = [(re.compile(re.escape(pattern), flags), _literal_text(replacement))]
        if pattern2:
            steps.append((re.compile(re.escape(pattern2), flags), _literal_text(replacement2)))
        if not js_truthy(arg["value"]):
            return lambda payload: MISSING
        inner = constant(value) if isinstance(value, str) else value
        return resolvers.replace_resolver(inner, steps, count)

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
            return invalid
        root = self._compiled_path(root_arg, f"{where}/0") if isinstance(root_arg, str) else root_arg
        return resolvers.array_path_resolver(root, shape)

    def _merge(self, arg: Any, where: str, depth: int) -> Resolver:
        if not self._object(arg, where, ("objects", "direction"), ("objects", "direction")):
            return invalid
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
            return invalid
        if direction.lower() == "left":
            parts.reverse()  # earlier objects win: apply them last
        return resolvers.merge_resolver(parts)

    def _json(self, arg: Any, where: str, depth: int) -> Resolver:
        if not self._object(arg, where, ("mode", "value"), ("mode", "value")):
            return invalid
        mode = arg["mode"]
        if mode not in ("encode", "decode"):
            return self.error(f"{where}/mode", "should be 'encode' or 'decode'.")
        if not js_truthy(arg["value"]):
            return self.error(f"{where}/value", "should be a value or a directive; a falsy value is refused.")
        value = self.value(arg["value"], f"{where}/value", depth)
        if mode == "encode":
            return resolvers.json_encode_resolver(value)
        return resolvers.json_decode_resolver(value)

    def _flatten(self, arg: Any, where: str, depth: int) -> Resolver:
        if not self._object(arg, where, ("value", "separator", "omitArrays"), ("value", "separator")):
            return invalid
        omit_arrays = self._bool_option(arg, "omitArrays", where, False)
        separator_arg = self._string_or_directive(arg["separator"], f"{where}/separator", depth)
        value = self.value(arg["value"], f"{where}/value", depth)
        if separator_arg is None:
            return invalid
        separator = constant(separator_arg) if isinstance(separator_arg, str) else separator_arg
        return resolvers.flatten_resolver(value, separator, omit_arrays)

    def _transform(self, arg: Any, where: str, depth: int) -> Resolver:
        if not self._object(arg, where, ("apply", "mapping"), ("apply", "mapping")):
            return invalid
        ok = True
        for key in ("apply", "mapping"):
            if not isinstance(arg[key], dict):
                self.error(f"{where}/{key}", f"should be an object but it is {type_name(arg[key])}.")
                ok = False
        if not ok:
            return invalid
        first = self.value(arg["apply"], f"{where}/apply", depth)
        second = self.value(arg["mapping"], f"{where}/mapping", depth)
        return resolvers.transform_resolver(first, second)

    def _excludewhennull(self, arg: Any, where: str, depth: int) -> Resolver:
        return resolvers.exclude_when_null_resolver(self.value(arg, where, depth))


def _literal_text(replacement: str) -> str:
    """A replacement for re.sub that inserts itself verbatim (no group references)."""
    return replacement.replace("\\", "\\\\")


def compile_value(m: Any, where: str) -> tuple[Resolver, list[str]]:
    """Compile one mapping value; returns the resolver and every problem found (empty when valid)."""
    compiler = Compiler()
    resolver = compiler.value(m, where)
    return resolver, compiler.errors
