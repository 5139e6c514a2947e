"""Turning mapped values into the exact formats Pipedrive's current API accepts.

Each function raises ValueError with a message meant for a person; the sink turns it into a
per-record rejection naming the mapping and the field.
"""

from __future__ import annotations

import datetime as dt
import math
import re
from collections.abc import Mapping
from datetime import datetime, timezone
from decimal import Decimal
from typing import Any

import pendulum

# What `visible_to` numbers mean depends on the account's plan (v1.yaml leads POST, v2.yaml products
# POST): Light, Growth and Professional offer 1 (owner & followers) and 3 (entire company); Premium and
# Ultimate offer 1 (owner only), 3 (owner's visibility group), 5 (with sub-groups) and 7 (entire company).
# So a name is turned into the number that means it on this account, never into a fixed number.
VISIBLE_TO_NAMES_BY_GROUPS = {
    "owner": 1,
    "owner_only": 1,
    "private": 1,
    "owner_group": 3,
    "owner_visibility_group": 3,
    "owner_group_and_subgroups": 5,
    "owner_visibility_group_and_subgroups": 5,
    "entire_company": 7,
    "company": 7,
}
VISIBLE_TO_NAMES_WITHOUT_GROUPS = {
    "owner": 1,
    "owner_followers": 1,
    "owner_and_followers": 1,
    "private": 1,
    "entire_company": 3,
    "company": 3,
    "shared": 3,
}
_VISIBILITY_WORDS = ("owner", "owner_group", "owner_group_and_subgroups", "entire_company")

_HH_MM = re.compile(r"^(\d{1,2}):(\d{2})(?::(\d{2}))?$")
# The forms taps send nearly always (2024-01-01T10:00:00Z, …T10:00:00.123+02:00, 2024-01-01 10:00:00):
# read by the standard library; anything else goes to pendulum's ISO-8601 parser, which is ~20x slower.
_COMMON_STAMP = re.compile(r"\d{4}-\d{2}-\d{2}[T ]\d{2}:\d{2}:\d{2}(?:\.\d{1,6})?(?:Z|[+-]\d{2}:\d{2})?")
_ISO_DATE = re.compile(r"\d{4}-\d{2}-\d{2}")
_CURRENCY = re.compile(r"^[A-Za-z]{3}$")
# A comma only between groups of three digits before the point (1,234,567.89): "12,5" or "1.000,50" (a
# decimal comma) would otherwise turn into 125 or 1.0005 without a word.
_THOUSANDS = re.compile(r"[+-]?\d{1,3}(?:,\d{3})+(?:\.\d*)?")


class OutOfRange(ValueError):
    """A timestamp outside the years 1 to 9999 (in UTC): a per-record rejection like any bad value."""


# The epochs of 0001-01-01T00:00:00Z and 9999-12-31T23:59:59Z: the years a timestamp can have.
FIRST_EPOCH = -62_135_596_800
LAST_EPOCH = 253_402_300_799


def to_datetime(value: Any) -> datetime:
    """Any ISO-8601 string or epoch (seconds or milliseconds) as an aware UTC datetime."""
    if isinstance(value, bool):
        raise ValueError(f"{value!r} is not a timestamp")
    if isinstance(value, (int, float, Decimal)) or (
        isinstance(value, str) and re.fullmatch(r"\d{9,13}(\.\d+)?", value)
    ):
        number = float(value)
        if not math.isfinite(number):
            raise ValueError(f"{value!r} is not a timestamp (not a finite number)")
        # Epochs past the year 5000 in seconds are milliseconds.
        seconds = number / 1000 if number > 95_617_584_000 else number
        if not FIRST_EPOCH <= seconds <= LAST_EPOCH:
            raise OutOfRange(
                f"{value!r} is out of range for a timestamp: an epoch (in seconds or milliseconds since "
                "1970) must fall between the years 1 and 9999"
            )
        try:
            return datetime.fromtimestamp(seconds, tz=timezone.utc)
        except (OverflowError, OSError, ValueError) as exc:
            # The range check holds, but a fraction at the very edge can still round past it.
            raise OutOfRange(_out_of_range(value)) from exc
    if isinstance(value, str):
        if (common := _common_stamp(value.strip())) is not None:
            return common
        try:
            # Strict ISO-8601 only: "01/12/2026" means a different day on each side of the Atlantic.
            parsed = pendulum.parse(value.strip())
        except OverflowError as exc:
            raise OutOfRange(_out_of_range(value)) from exc
        except (ValueError, pendulum.parsing.exceptions.ParserError) as exc:
            raise ValueError(f"{value!r} is not an ISO-8601 timestamp or an epoch") from exc
        if not isinstance(parsed, datetime):
            if isinstance(parsed, pendulum.Date):
                parsed = pendulum.datetime(parsed.year, parsed.month, parsed.day)
            else:
                raise ValueError(f"{value!r} is not a timestamp")
        return _in_utc(parsed, value)
    raise ValueError(f"{value!r} is not a timestamp")


def _in_utc(parsed: datetime, value: Any) -> datetime:
    """`parsed` in UTC (a naive one is UTC). Its offset can move a moment at either end of the
    calendar (9999-12-31T23:59:59-14:00) past the years 1 to 9999, which a datetime cannot hold: that is
    the record's bad value, rejected like any other, not a crash that stops every rerun there."""
    if parsed.tzinfo is None:
        return parsed.replace(tzinfo=timezone.utc)
    try:
        return parsed.astimezone(timezone.utc)
    except (OverflowError, ValueError) as exc:
        raise OutOfRange(_out_of_range(value)) from exc


def _out_of_range(value: Any) -> str:
    return (
        f"{value!r} is out of range for a timestamp: in UTC it falls outside the years 1 to 9999; "
        "give a moment within them"
    )


def _common_stamp(text: str) -> datetime | None:
    """A timestamp of the common forms in UTC (a naive one is UTC); None for any other text, and for
    an impossible moment (2024-02-30): pendulum then says what is wrong with it."""
    if not _COMMON_STAMP.fullmatch(text):
        return None
    try:
        parsed = datetime.fromisoformat(text[:-1] + "+00:00" if text.endswith("Z") else text)
    except ValueError:
        return None
    return _in_utc(parsed, text)


def rfc3339(value: Any) -> str:
    """A timestamp in API v2's RFC 3339 form, in UTC: 2024-01-01T10:00:00Z."""
    return _utc_text(to_datetime(value), "T") + "Z"


def v1_timestamp(value: Any) -> str:
    """A timestamp in API v1's form, in UTC: 2024-01-01 10:00:00."""
    return _utc_text(to_datetime(value), " ")


def _utc_text(moment: datetime, sep: str) -> str:
    # isoformat, not strftime: strftime's %Y does not pad years before 1000 (year 1 → "1-01-01").
    return moment.replace(microsecond=0, tzinfo=None).isoformat(sep)


def date(value: Any) -> str:
    """A calendar date as YYYY-MM-DD; a timestamp keeps its UTC date."""
    if isinstance(value, str) and _ISO_DATE.fullmatch(value.strip()):
        try:
            return dt.date.fromisoformat(value.strip()).isoformat()
        except ValueError as exc:
            raise ValueError(f"{value!r} is not a valid date (YYYY-MM-DD)") from exc
    try:
        return to_datetime(value).date().isoformat()
    except OutOfRange:
        raise  # its message says what is wrong better than "not a date"
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


def _visibility_text(value: Any) -> str:
    text = str(value).strip().lower().replace("'s", "").replace("&", "and")
    return re.sub(r"[^a-z0-9]+", "_", text).strip("_")


def visible_to(value: Any, choices: Mapping[int, str] | None) -> int:
    """Visibility as the number this account's plan gives that meaning, from the number or its name.

    `choices` are the account's options (number → label, from the fields endpoints); None when they
    could not be read, and then only a number is taken, as a name's number depends on the plan."""
    text = _visibility_text(value)
    if choices is None:
        if text in {"1", "3", "5", "7"}:
            return int(text)
        raise ValueError(
            f"{value!r}: this account does not list its visibility choices, so give the number (1, 3, 5 or 7)"
        )
    if text.isdigit() and int(text) in choices:
        return int(text)
    names = VISIBLE_TO_NAMES_BY_GROUPS if set(choices) - {1, 3} else VISIBLE_TO_NAMES_WITHOUT_GROUPS
    if text in names and names[text] in choices:
        return names[text]
    for number, label in choices.items():
        if text == _visibility_text(label):
            return number
    valid = "; ".join(
        " or ".join([str(number), *(repr(w) for w in _VISIBILITY_WORDS if names.get(w) == number)])
        + f" ({label})"
        for number, label in sorted(choices.items())
    )
    plan = "" if set(choices) - {1, 3} else " (visibility groups need a Premium or Ultimate plan)"
    raise ValueError(f"{value!r} is not a visibility this Pipedrive account offers{plan}; valid: {valid}")


def number(value: Any, *, what: str = "number") -> int | float:
    """A JSON number from a number or a numeric string (API v2 refuses numeric strings)."""
    if isinstance(value, bool):
        raise ValueError(f"{value!r} is not a {what}")
    if isinstance(value, int):
        return value
    if isinstance(value, float):
        if not math.isfinite(value):
            raise ValueError(f"{value!r} is not a finite {what}")
        return value
    text = str(value).strip()
    if "," in text:
        if not _THOUSANDS.fullmatch(text):
            raise ValueError(
                f"{value!r} is not a {what}: write decimals with a point (12.5); a comma may only group "
                "thousands (1,234.50)"
            )
        text = text.replace(",", "")
    try:
        parsed = float(text)
    except ValueError as exc:
        raise ValueError(f"{value!r} is not a {what}") from exc
    if not math.isfinite(parsed):
        raise ValueError(f"{value!r} is not a finite {what}")
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
