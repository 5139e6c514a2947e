"""A mapped value made to fit its field, as Segment's Ajv (`coerceTypes: "array"`) would, then checked.

Per field: a one-item array stands for its item, a single value for a one-item list in a "multiple"
field; numbers become strings for string fields, numeric strings numbers for number and integer
fields, "true"/"false" (and 1/0) booleans. What still does not fit raises Invalid. This replaces a
jsonschema call on the hot path; tests check that every value it lets through satisfies the action's
JSON schema.

Deliberate differences from Ajv: a boolean is not turned into 1/0 for a number or integer field (an
`activity_id` of `true` would update activity 1), numeric strings must be decimal (no "0x1F" or
"Infinity"), and null or "" items of a multiple field are dropped rather than sent as "".
"""

from __future__ import annotations

import math
import re
from collections.abc import Callable
from decimal import Decimal, InvalidOperation
from typing import Any

from ..actions.spec import CONTACT_LABELS, FieldSpec
from .jsvalues import MISSING, is_number, js_number, plain_number, scalar_text, type_name

Coercer = Callable[[Any], Any]

_NUMERIC = re.compile(r"\s*[+-]?(?:\d+\.?\d*|\.\d+)(?:[eE][+-]?\d+)?\s*")
_EXPECTED = {
    "string": "a string",
    "integer": "an integer",
    "number": "a number",
    "boolean": "a boolean (true or false)",
    "datetime": "a date-time (a string or an epoch number)",
    "object": "an object",
    "contact": "a string or an object {value, label, primary}",
}


class Invalid(ValueError):
    """The value does not fit the field even after coercion; the message says what was expected."""


def _parse_number(text: str) -> Decimal | None:
    if not _NUMERIC.fullmatch(text):
        return None
    try:
        number = Decimal(text.strip())
    except InvalidOperation:
        return None
    return number if number.is_finite() else None


def _to_string(v: Any) -> Any:
    text = scalar_text(v)
    if text is None:
        raise Invalid(f"expected a string, got {type_name(v)}")
    return text


def _to_integer(v: Any) -> Any:
    number: Any = v
    if isinstance(v, str):
        number = _parse_number(v)
        if number is None:
            raise Invalid(f"expected an integer, got the text {v!r}")
    elif not is_number(v):
        raise Invalid(f"expected an integer, got {type_name(v)}")
    if isinstance(number, int):
        return number
    if not math.isfinite(number) or number != int(number):
        raise Invalid(f"expected an integer, got {js_number(number)}")
    return int(number)


def _to_number(v: Any) -> Any:
    if isinstance(v, str):
        number = _parse_number(v)
        if number is None:
            raise Invalid(f"expected a number, got the text {v!r}")
        v = number
    elif not is_number(v):
        raise Invalid(f"expected a number, got {type_name(v)}")
    result = plain_number(v)
    if isinstance(result, float) and not math.isfinite(result):
        raise Invalid("expected a number within the range of a double")
    return result


def _to_boolean(v: Any) -> Any:
    if isinstance(v, bool):
        return v
    if v == "true" or (is_number(v) and v == 1):
        return True
    if v == "false" or (is_number(v) and v == 0):
        return False
    raise Invalid(
        f"expected a boolean (true or false), got {type_name(v)}" + (f" {v!r}" if isinstance(v, str) else "")
    )


def _to_datetime(v: Any) -> Any:
    if isinstance(v, str):
        return v
    if is_number(v):
        return plain_number(v)
    raise Invalid(f"expected a date-time string or an epoch number, got {type_name(v)}")


def _to_object(v: Any) -> Any:
    if isinstance(v, dict):
        return v
    raise Invalid(f"expected an object, got {type_name(v)}")


def _to_contact(v: Any) -> Any:
    """An email or phone: a string, or {value, label, primary} with a label Pipedrive offers."""
    if not isinstance(v, dict):
        return _to_string(v)
    unknown = sorted(str(key) for key in v if key not in ("value", "label", "primary"))
    if unknown:
        raise Invalid(
            f"expected a string or an object {{value, label, primary}} (unknown key {unknown[0]!r})"
        )
    if v.get("value") is None or v.get("value") == "":
        return MISSING  # an object whose value the record lacks: no item, as a null item is none
    contact: dict[str, Any] = {"value": _to_string(v["value"])}
    label = v.get("label")
    if label is not None and label != "":
        if not isinstance(label, str) or label.strip().casefold() not in CONTACT_LABELS:
            raise Invalid(f"label {label!r} is not one of {', '.join(CONTACT_LABELS)}")
        contact["label"] = label.strip().casefold()
    primary = v.get("primary")
    if primary is not None:
        contact["primary"] = _to_boolean(primary)
    return contact


_SCALAR: dict[str, Coercer] = {
    "string": _to_string,
    "integer": _to_integer,
    "number": _to_number,
    "boolean": _to_boolean,
    "datetime": _to_datetime,
    "object": _to_object,
    "contact": _to_contact,
}


def _scalar(spec: FieldSpec) -> Coercer:
    convert = _SCALAR[spec.type]
    choices = frozenset(spec.choices) if spec.choices else None

    def coerce(v: Any) -> Any:
        if isinstance(v, list):
            if len(v) != 1:
                raise Invalid(f"expected {_EXPECTED[spec.type]}, got an array of {len(v)} items")
            v = v[0]  # Ajv's "array" coercion: a one-item array stands for its item
            if v is None or v == "":
                return MISSING
        v = convert(v)
        if choices is not None and v not in choices:
            raise Invalid(f"expected one of {', '.join(sorted(choices))}, got {v!r}")
        return v

    return coerce


def compile_field(spec: FieldSpec) -> Coercer:
    """The coercer of one field: value → coerced value, MISSING (leave the field out), or Invalid."""
    scalar = _scalar(spec)
    if not spec.multiple:
        return scalar

    def coerce_many(v: Any) -> Any:
        items = v if isinstance(v, list) else [v]
        out = []
        for i, item in enumerate(items):
            if item is None or item == "":
                continue
            try:
                coerced = scalar(item)
            except Invalid as exc:
                raise Invalid(f"item {i + 1}: {exc}") from None
            if coerced is not MISSING:
                out.append(coerced)
        return out

    return coerce_many
