"""Custom-field values, from what a mapping gives to what API v2 expects under `custom_fields`."""

from __future__ import annotations

from typing import Any

from ..pipedrive import formats as values
from .catalog import FieldDef

# A v2 time or time range names its zone with either (pipedrive-api.md: custom field value formats).
ZONE_KEYS = ("timezone_name", "timezone_id")
ZONED_TYPES = frozenset({"time", "timerange"})

_ADDRESS_PARTS = frozenset(
    {
        "value",
        "street_number",
        "route",
        "subpremise",
        "sublocality",
        "locality",
        "admin_area_level_1",
        "admin_area_level_2",
        "country",
        "postal_code",
    }
)


def _monetary(field: FieldDef, value: Any) -> dict[str, Any]:
    if isinstance(value, dict):
        if "value" not in value or "currency" not in value:
            raise ValueError(f"{field.name!r} is a monetary field: give {{'value': 100, 'currency': 'EUR'}}")
        return {"value": values.number(value["value"]), "currency": values.currency(value["currency"])}
    if isinstance(value, str) and len(value.split()) == 2:
        amount, code = value.split()
        return {"value": values.number(amount), "currency": values.currency(code)}
    raise ValueError(
        f"{value!r}: {field.name!r} is a monetary field and needs a currency: "
        "give {'value': 100, 'currency': 'EUR'} or '100 EUR'"
    )


def _set(field: FieldDef, value: Any) -> list[Any] | None:
    items = value if isinstance(value, list) else [part for part in str(value).split(",") if part.strip()]
    ids = [field.option_id(item.strip() if isinstance(item, str) else item) for item in items]
    # An empty set is cleared with null; Pipedrive refuses [].
    return ids or None


def _range(field: FieldDef, value: Any, convert: Any) -> dict[str, Any]:
    if not isinstance(value, dict) or "value" not in value or "until" not in value:
        raise ValueError(f"{field.name!r} is a range: give {{'value': ..., 'until': ...}}")
    zone = {key: value[key] for key in ZONE_KEYS if key in value}
    return {"value": convert(value["value"]), "until": convert(value["until"]), **zone}


def _time(value: Any) -> str:
    return values.hh_mm(value) + ":00"


def _zoned(value: dict[str, Any], zone: str | None) -> dict[str, Any]:
    """A time's (or time range's) v2 object with its zone: the mapping's, else `zone` (the authorized
    user's, as Pipedrive's own forms take a time typed in), else none (Pipedrive's default)."""
    if zone and not any(value.get(key) is not None for key in ZONE_KEYS):
        return {**value, "timezone_name": zone}
    return value


def _address(field: FieldDef, value: Any) -> dict[str, Any]:
    if isinstance(value, dict):
        unknown = set(value) - _ADDRESS_PARTS
        if unknown or "value" not in value:
            parts = ", ".join(sorted(_ADDRESS_PARTS))
            raise ValueError(f"{field.name!r} is an address: an object with 'value' and any of {parts}")
        return {key: (str(part) if part is not None else None) for key, part in value.items()}
    return {"value": str(value)}


def convert(field: FieldDef, value: Any, zone: str | None = None) -> Any:
    """The API v2 value of a custom field; ValueError says what the field accepts. `zone`: the time
    zone of a time or time range the mapping gives without one (v2's `timezone_name`)."""
    if value is None:
        return None
    kind = field.type
    if kind in ("varchar", "varchar_auto", "text", "phone", "varchar_options"):
        if isinstance(value, (dict, list)):
            raise ValueError(f"{field.name!r} is a text field; got {value!r}")
        return str(value)
    if kind == "double":
        return values.number(value)
    if kind in ("int", "user", "org", "people", "deal", "stage"):
        return values.integer(value)
    if kind == "monetary":
        return _monetary(field, value)
    if kind == "enum":
        return field.option_id(value)
    if kind == "set":
        return _set(field, value)
    if kind == "date":
        return values.date(value)
    if kind == "daterange":
        return _range(field, value, values.date)
    if kind == "time":
        if isinstance(value, dict):
            return _zoned({**value, "value": _time(value.get("value"))}, zone)
        return _zoned({"value": _time(value)}, zone)
    if kind == "timerange":
        return _zoned(_range(field, value, _time), zone)
    if kind == "address":
        return _address(field, value)
    return value
