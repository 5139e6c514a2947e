"""JSON values as Segment's JavaScript sees them: the absent value and JS string conversion.

mapping-kit tells `undefined` (the field is left out) from `null` (the field is sent as null); the
sentinel MISSING is our `undefined`. Strings are made from values the way JavaScript's `String()`
does, because templates and coercion must give what a ported Segment mapping gives.
"""

from __future__ import annotations

import json
import math
from decimal import Decimal
from typing import Any, Final


class _Missing:
    __slots__ = ()

    def __repr__(self) -> str:
        return "MISSING"

    def __bool__(self) -> bool:
        return False


MISSING: Final[Any] = _Missing()


def is_number(value: Any) -> bool:
    """A JSON number. The SDK parses fractions as Decimal; Python's bool is an int, JSON's is not."""
    return isinstance(value, (int, float, Decimal)) and not isinstance(value, bool)


def plain_number(value: Any) -> Any:
    """A Decimal as the int or float JSON means by it (JavaScript reads every number as a double)."""
    if isinstance(value, Decimal):
        number = float(value)
        return int(number) if number.is_integer() and abs(number) < 2**53 else number
    return value


def js_number(value: float | Decimal) -> str:
    """ECMAScript Number::toString: shortest round-trip digits, exponent only below 1e-6 or from 1e21."""
    if isinstance(value, int):
        return str(value)
    value = float(value)
    if math.isnan(value):
        return "NaN"
    if math.isinf(value):
        return "Infinity" if value > 0 else "-Infinity"
    if value == 0:
        return "0"
    sign = "-" if value < 0 else ""
    mantissa, _, exp_text = repr(abs(value)).partition("e")
    whole, _, frac = mantissa.partition(".")
    digits = (whole + frac).lstrip("0")
    # n is the decimal exponent with the value written as 0.<digits> * 10**n
    n = len(whole) + int(exp_text or 0) - (len(whole + frac) - len((whole + frac).lstrip("0")))
    digits = digits.rstrip("0") or "0"
    k = len(digits)
    if k <= n <= 21:
        text = digits + "0" * (n - k)
    elif 0 < n <= 21:
        text = digits[:n] + "." + digits[n:]
    elif -6 < n <= 0:
        text = "0." + "0" * (-n) + digits
    else:
        exponent = n - 1
        text = digits[0] + ("." + digits[1:] if k > 1 else "") + "e" + ("+" if exponent >= 0 else "-")
        text += str(abs(exponent))
    return sign + text


def js_string(value: Any) -> str:
    """String(value) in JavaScript, except that objects become compact JSON, not "[object Object]"."""
    if isinstance(value, str):
        return value
    if value is True:
        return "true"
    if value is False:
        return "false"
    if value is None:
        return "null"
    if value is MISSING:
        return "undefined"
    if isinstance(value, (int, float, Decimal)):
        return js_number(value)
    if isinstance(value, list):
        return js_join(value)
    return compact_json(value)


def js_join(items: list[Any]) -> str:
    """Array.prototype.join(","): null and undefined items become empty strings."""
    return ",".join("" if item is None or item is MISSING else js_string(item) for item in items)


def compact_json(value: Any) -> str:
    return json.dumps(strip_missing(value), separators=(",", ":"), ensure_ascii=False, allow_nan=False)


def js_truthy(value: Any) -> bool:
    """JavaScript truthiness: false, 0, "", null and undefined are falsy; [] and {} are not."""
    if value is None or value is MISSING or value is False:
        return False
    if isinstance(value, str):
        return value != ""
    if is_number(value):
        return value != 0
    return True


def strip_missing(value: Any) -> Any:
    """Drop absent members of objects; absent list items become null, as JSON.stringify does.

    Decimals become plain numbers on the way, so payloads serialise with the standard json module.
    """
    if isinstance(value, dict):
        return {k: strip_missing(v) for k, v in value.items() if v is not MISSING}
    if isinstance(value, list):
        return [None if v is MISSING else strip_missing(v) for v in value]
    if isinstance(value, Decimal):
        return plain_number(value)
    return value


# Poison values: limits of what a mapped value may be, so that one record cannot stop the run.
# Pipedrive's fields hold far less; the limits only keep absurd values out of the pipeline.
MAX_DEPTH = 100  # levels of objects and arrays in a record (input_guard.py) and in a mapped value
MAX_STRING = 1_000_000  # characters in one mapped string


def poison(value: Any) -> str | None:
    """Why a value (already without absent members) cannot be sent, or None: nested deeper than
    MAX_DEPTH, a string longer than MAX_STRING, or a number that is infinite or NaN."""
    stack = [(value, 1)]
    while stack:
        item, depth = stack.pop()
        kind = item.__class__
        if kind is str:
            if len(item) > MAX_STRING:
                return f"is a text of {len(item):,} characters, more than the {MAX_STRING:,} allowed"
        elif kind is float or kind is Decimal:
            if item != item:
                return "is NaN, not a number Pipedrive can store"
            if not math.isfinite(float(item)):
                return "is infinite (or too large), not a number Pipedrive can store"
        elif kind is dict or kind is list:
            if depth > MAX_DEPTH:
                return f"is nested more than {MAX_DEPTH} levels deep"
            stack.extend((child, depth + 1) for child in (item.values() if kind is dict else item))
    return None


def scalar_text(value: Any) -> str | None:
    """A string, boolean or number as JavaScript's String() writes it; None for anything else."""
    if isinstance(value, str):
        return value
    if isinstance(value, bool):
        return "true" if value else "false"
    if is_number(value):
        return js_number(value)
    return None


def type_name(value: Any) -> str:
    """The JSON type of a value, for messages."""
    if value is MISSING:
        return "absent"
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "a boolean"
    if isinstance(value, int):
        return "an integer"
    if isinstance(value, (float, Decimal)):
        return "a number"
    if isinstance(value, str):
        return "a string"
    if isinstance(value, list):
        return "an array"
    if isinstance(value, dict):
        return "an object"
    return type(value).__name__
