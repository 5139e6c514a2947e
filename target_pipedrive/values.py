"""Turning mapped values into the exact formats Pipedrive's current API accepts.

Each function raises ValueError with a message meant for a person; the sink turns it into a
per-record rejection naming the mapping and the field.
"""

from __future__ import annotations

import re
from datetime import datetime, timezone
from typing import Any

import pendulum

VISIBLE_TO_NAMES = {
    "owner": 1,
    "owner_followers": 1,
    "private": 1,
    "owner_group": 3,
    "owner_visibility_group": 3,
    "shared": 3,
    "owner_group_and_subgroups": 5,
    "owner_visibility_group_and_subgroups": 5,
    "entire_company": 7,
    "company": 7,
}

_HH_MM = re.compile(r"^(\d{1,2}):(\d{2})(?::(\d{2}))?$")
_CURRENCY = re.compile(r"^[A-Za-z]{3}$")


def to_datetime(value: Any) -> datetime:
    """Any ISO-8601 string or epoch (seconds or milliseconds) as an aware UTC datetime."""
    if isinstance(value, bool):
        raise ValueError(f"{value!r} is not a timestamp")
    if isinstance(value, (int, float)) or (
        isinstance(value, str) and re.fullmatch(r"\d{9,13}(\.\d+)?", value)
    ):
        number = float(value)
        # Epochs past the year 5000 in seconds are milliseconds.
        seconds = number / 1000 if number > 95_617_584_000 else number
        return datetime.fromtimestamp(seconds, tz=timezone.utc)
    if isinstance(value, str):
        try:
            # Strict ISO-8601 only: "01/12/2026" means a different day on each side of the Atlantic.
            parsed = pendulum.parse(value.strip())
        except (ValueError, pendulum.parsing.exceptions.ParserError) as exc:
            raise ValueError(f"{value!r} is not an ISO-8601 timestamp or an epoch") from exc
        if not isinstance(parsed, datetime):
            if isinstance(parsed, pendulum.Date):
                parsed = pendulum.datetime(parsed.year, parsed.month, parsed.day)
            else:
                raise ValueError(f"{value!r} is not a timestamp")
        if parsed.tzinfo is None:
            parsed = parsed.replace(tzinfo=timezone.utc)
        return parsed.astimezone(timezone.utc)
    raise ValueError(f"{value!r} is not a timestamp")


def rfc3339(value: Any) -> str:
    """A timestamp in API v2's RFC 3339 form, in UTC: 2024-01-01T10:00:00Z."""
    return to_datetime(value).strftime("%Y-%m-%dT%H:%M:%SZ")


def v1_timestamp(value: Any) -> str:
    """A timestamp in API v1's form, in UTC: 2024-01-01 10:00:00."""
    return to_datetime(value).strftime("%Y-%m-%d %H:%M:%S")


def date(value: Any) -> str:
    """A calendar date as YYYY-MM-DD; a timestamp keeps its UTC date."""
    if isinstance(value, str) and re.fullmatch(r"\d{4}-\d{2}-\d{2}", value.strip()):
        try:
            return pendulum.from_format(value.strip(), "YYYY-MM-DD").format("YYYY-MM-DD")
        except ValueError as exc:
            raise ValueError(f"{value!r} is not a valid date (YYYY-MM-DD)") from exc
    try:
        return to_datetime(value).strftime("%Y-%m-%d")
    except ValueError as exc:
        raise ValueError(f"{value!r} is not a date (YYYY-MM-DD)") from exc


def hh_mm(value: Any, *, what: str = "time", max_hours: int = 23) -> str:
    """A time of day or a duration as HH:MM (seconds, if any, must be zero)."""
    text = str(value).strip()
    match = _HH_MM.match(text)
    if not match:
        raise ValueError(f"{value!r} is not a {what} in HH:MM format")
    hours, minutes, seconds = int(match.group(1)), int(match.group(2)), int(match.group(3) or 0)
    if hours > max_hours or minutes > 59 or seconds > 59:
        raise ValueError(f"{value!r} is not a valid {what} (HH:MM)")
    if seconds:
        raise ValueError(f"{value!r}: Pipedrive keeps {what}s to the minute; give HH:MM")
    return f"{hours:02d}:{minutes:02d}"


def visible_to(value: Any) -> int:
    """Visibility as Pipedrive's integer 1, 3, 5 or 7, from the number or its name."""
    text = str(value).strip().lower().replace(" ", "_").replace("-", "_").replace("'s", "")
    if text in {"1", "3", "5", "7"}:
        return int(text)
    if text in VISIBLE_TO_NAMES:
        return VISIBLE_TO_NAMES[text]
    names = ", ".join(sorted(set(VISIBLE_TO_NAMES) - {"owner_followers", "private", "shared", "company"}))
    raise ValueError(f"{value!r} is not a visibility: use 1, 3, 5 or 7, or one of {names}")


def number(value: Any, *, what: str = "number") -> int | float:
    """A JSON number from a number or a numeric string (API v2 refuses numeric strings)."""
    if isinstance(value, bool):
        raise ValueError(f"{value!r} is not a {what}")
    if isinstance(value, (int, float)):
        return value
    text = str(value).strip().replace(",", "")
    try:
        parsed = float(text)
    except ValueError as exc:
        raise ValueError(f"{value!r} is not a {what}") from exc
    return int(parsed) if parsed.is_integer() and "." not in text and "e" not in text.lower() else parsed


def integer(value: Any, *, what: str = "integer") -> int:
    parsed = number(value, what=what)
    if isinstance(parsed, float):
        if not parsed.is_integer():
            raise ValueError(f"{value!r} is not a whole number")
        return int(parsed)
    return parsed


def currency(value: Any) -> str:
    text = str(value).strip()
    if not _CURRENCY.match(text):
        raise ValueError(f"{value!r} is not a three-letter currency code such as USD")
    return text.upper()
