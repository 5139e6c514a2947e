"""FQL semantics: a syntax tree compiled once into closures `(record, stream) -> value`.

Values are JSON values; a missing key is null. `=` needs the same type (1 = 1.0, but 1 != "1" and
1 != true), `<`-like operators need two numbers, and a condition holds only when it is exactly true.
Closures are specialised for the shapes real triggers have (`path = "literal"`) because routing runs
every trigger on every record.
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable
from decimal import Decimal
from typing import Any

from .fql_lexer import FqlSyntaxError
from .fql_parser import And, Call, Cmp, Group, ListLit, Lit, Node, Not, Or, Path, Stream, parse
from .glob import GlobError, compile_glob, glob_match
from .jsvalues import is_number, plain_number, scalar_text

Evaluator = Callable[[dict, str], Any]
Predicate = Callable[[dict, str], bool]


def fql_equal(a: Any, b: Any) -> bool:
    if a is None or b is None:
        return a is None and b is None
    if isinstance(a, bool) or isinstance(b, bool):
        return a is b
    if isinstance(a, str):
        return isinstance(b, str) and a == b
    if is_number(a):
        return is_number(b) and _number_equal(a, b)
    if isinstance(a, list):
        return (
            isinstance(b, list)
            and len(a) == len(b)
            and all(fql_equal(x, y) for x, y in zip(a, b, strict=True))
        )
    # Objects are opaque in FQL: equal to nothing.
    return False


def _number_equal(a: Any, b: Any) -> bool:
    # Records carry fractions as Decimal (the SDK's parser); 0.1 must equal 0.1 as JavaScript sees it.
    if a.__class__ is Decimal or b.__class__ is Decimal:
        return float(a) == float(b)
    return a == b


def _path(segments: tuple[str, ...]) -> Evaluator:
    if len(segments) == 1:
        (k0,) = segments
        return lambda r, s: r.get(k0)
    if len(segments) == 2:
        k0, k1 = segments

        def get2(r: dict, s: str) -> Any:
            v = r.get(k0)
            return v.get(k1) if isinstance(v, dict) else None

        return get2

    def get_n(r: dict, s: str) -> Any:
        v: Any = r
        for key in segments:
            if not isinstance(v, dict):
                return None
            v = v.get(key)
        return v

    return get_n


def _equals_constant(get: Evaluator, constant: Any) -> Predicate:
    if constant is None:
        return lambda r, s: get(r, s) is None
    if isinstance(constant, bool):
        return lambda r, s: get(r, s) is constant
    if isinstance(constant, str):
        # A string equals only a string, so plain == is exact here.
        return lambda r, s: get(r, s) == constant

    def equals_number(r: dict, s: str) -> bool:
        v = get(r, s)
        if v.__class__ is Decimal:
            return float(v) == constant
        return v == constant and v.__class__ is not bool

    return equals_number


def _less(a: Any, b: Any) -> bool:
    return is_number(a) and is_number(b) and a < b


def _less_equal(a: Any, b: Any) -> bool:
    return is_number(a) and is_number(b) and a <= b


def _greater(a: Any, b: Any) -> bool:
    return is_number(a) and is_number(b) and a > b


def _greater_equal(a: Any, b: Any) -> bool:
    return is_number(a) and is_number(b) and a >= b


def _member(a: Any, b: Any) -> bool:
    return isinstance(b, list) and any(fql_equal(a, item) for item in b)


_ORDER: dict[str, Callable[[Any, Any], bool]] = {
    "<": _less,
    "<=": _less_equal,
    ">": _greater,
    ">=": _greater_equal,
    "in": _member,
}


def _compare(node: Cmp, source: str) -> Predicate:
    left = _compile(node.left, source)
    right_node = _ungroup(node.right)
    left_node = _ungroup(node.left)
    if node.op in ("=", "!="):
        if isinstance(right_node, Lit):
            eq = _equals_constant(left, right_node.value)
        elif isinstance(left_node, Lit):
            eq = _equals_constant(_compile(right_node, source), left_node.value)
        else:
            right = _compile(right_node, source)

            def eq(r: dict, s: str) -> bool:
                return fql_equal(left(r, s), right(r, s))

        if node.op == "=":
            return eq
        return lambda r, s: not eq(r, s)
    if node.op == "in" and isinstance(right_node, ListLit):
        items = [_ungroup(item) for item in right_node.items]
        if items and all(isinstance(item, Lit) and isinstance(item.value, str) for item in items):
            strings = frozenset(item.value for item in items if isinstance(item, Lit))
            return lambda r, s: (v := left(r, s)).__class__ is str and v in strings
    test = _ORDER[node.op]
    right = _compile(right_node, source)
    return lambda r, s: test(left(r, s), right(r, s))


def _ungroup(node: Node) -> Node:
    while isinstance(node, Group):
        node = node.item
    return node


def _as_predicate(node: Node, source: str) -> Predicate:
    """A closure giving True exactly when the node's value is true."""
    node = _ungroup(node)
    compiled = _compile(node, source)
    if isinstance(node, (Cmp, And, Or, Not)):
        return compiled
    return lambda r, s: compiled(r, s) is True


def _all(items: list[Predicate]) -> Predicate:
    if len(items) == 2:
        a, b = items
        return lambda r, s: a(r, s) and b(r, s)
    return lambda r, s: all(item(r, s) for item in items)


def _any(items: list[Predicate]) -> Predicate:
    if len(items) == 2:
        a, b = items
        return lambda r, s: a(r, s) or b(r, s)
    return lambda r, s: any(item(r, s) for item in items)


def _compile(node: Node, source: str) -> Evaluator:
    if isinstance(node, Group):
        return _compile(node.item, source)
    if isinstance(node, Lit):
        value = node.value
        return lambda r, s: value
    if isinstance(node, Path):
        return _path(node.segments)
    if isinstance(node, Stream):
        return lambda r, s: s
    if isinstance(node, ListLit):
        items = [_compile(item, source) for item in node.items]
        return lambda r, s: [item(r, s) for item in items]
    if isinstance(node, Cmp):
        return _compare(node, source)
    if isinstance(node, And):
        return _all([_as_predicate(item, source) for item in node.items])
    if isinstance(node, Or):
        return _any([_as_predicate(item, source) for item in node.items])
    if isinstance(node, Not):
        inner = _as_predicate(node.item, source)
        return lambda r, s: not inner(r, s)
    return _call(node, source)


# ---- functions ---------------------------------------------------------------------------------

_NUMBER = re.compile(r"\s*[+-]?(?:\d+\.?\d*|\.\d+)(?:[eE][+-]?\d+)?\s*")
_TRUE_WORDS = frozenset({"1", "t", "T", "TRUE", "true", "True"})
_FALSE_WORDS = frozenset({"0", "f", "F", "FALSE", "false", "False"})


def _contains(s: Any, sub: Any) -> bool:
    return isinstance(s, str) and isinstance(sub, str) and sub in s


def _length(v: Any) -> int:
    if isinstance(v, str):
        return len(v.encode("utf-8"))
    if isinstance(v, list):
        return len(v)
    return 0


def _text(transform: Callable[[str], str]) -> Callable[[Any], Any]:
    return lambda v: transform(v) if isinstance(v, str) else None


def _titlecase(v: str) -> str:
    return re.sub(r"(^|\s)(\S)", lambda m: m.group(1) + m.group(2).upper(), v)


def _typeof(v: Any) -> str:
    if v is None:
        return "null"
    if isinstance(v, bool):
        return "bool"
    if is_number(v):
        return "number"
    if isinstance(v, str):
        return "string"
    if isinstance(v, list):
        return "list"
    return "object"


def _bool(v: Any) -> bool | None:
    if v is None:
        return False
    if isinstance(v, bool):
        return v
    if is_number(v):
        return v != 0
    if isinstance(v, str):
        if v in _TRUE_WORDS:
            return True
        if v in _FALSE_WORDS:
            return False
    return None


def _string(v: Any) -> str | None:
    if (text := scalar_text(v)) is not None:
        return text
    if isinstance(v, (list, dict)):
        return json.dumps(v, separators=(",", ":"), ensure_ascii=False)
    return None


def _number(v: Any) -> int | float | None:
    if isinstance(v, bool):
        return 1 if v else 0
    if is_number(v):
        return plain_number(v)
    if isinstance(v, str) and _NUMBER.fullmatch(v):
        text = v.strip()
        try:
            return int(text)
        except ValueError:
            number = float(text)
            return number if number != float("inf") and number != float("-inf") else None
    return None


_UNARY: dict[str, Callable[[Any], Any]] = {
    "length": _length,
    "lowercase": _text(str.lower),
    "uppercase": _text(str.upper),
    "snakecase": _text(lambda v: v.replace(" ", "_")),
    "kebabcase": _text(lambda v: v.replace(" ", "-")),
    "titlecase": _text(_titlecase),
    "typeof": _typeof,
    "bool": _bool,
    "string": _string,
    "number": _number,
}


def _call(node: Call, source: str) -> Evaluator:
    args = [_compile(arg, source) for arg in node.args]
    if node.name == "contains":
        a, b = args
        return lambda r, s: _contains(a(r, s), b(r, s))
    if node.name == "match":
        subject = args[0]
        pattern_node = _ungroup(node.args[1])
        if isinstance(pattern_node, Lit):
            if not isinstance(pattern_node.value, str):
                raise FqlSyntaxError(source, node.offset, "match() expects a string pattern")
            try:
                regex = compile_glob(pattern_node.value)
            except GlobError as exc:
                raise FqlSyntaxError(source, node.offset, f"match() pattern: {exc}") from None
            return lambda r, s: (v := subject(r, s)).__class__ is str and regex.fullmatch(v) is not None
        pattern = args[1]

        def dynamic_match(r: dict, s: str) -> bool:
            v, p = subject(r, s), pattern(r, s)
            return isinstance(v, str) and isinstance(p, str) and glob_match(v, p)

        return dynamic_match
    function = _UNARY[node.name]
    (arg,) = args
    return lambda r, s: function(arg(r, s))


def compile_trigger(source: str) -> Predicate:
    """Parse and compile a trigger once; raises FqlSyntaxError naming the position and what was expected."""
    return _as_predicate(parse(source), source)
