"""The sandbox's wall clock as Pipedrive's answers show it: the three timestamp formats, and parsing.

The sandbox's "now" is the real UTC time plus its `clock_offset`, so a test can make Pipedrive's clock
differ from the client's. Every stamp the sandbox writes (`add_time`, `update_time`, `archive_time`),
every `updated_since` comparison and the HTTP `Date` header use it.
"""

from __future__ import annotations

import re
from datetime import datetime, timedelta, timezone

from .errors import ApiError

_STAMP = re.compile(
    r"(\d{4})-(\d{2})-(\d{2})(?:[T ](\d{2}):(\d{2})(?::(\d{2})(?:\.(\d+))?)?)?\s*(Z|[+-]\d{2}:?\d{2})?",
    re.IGNORECASE,
)


def rfc3339(moment: datetime) -> str:
    """API v2: 2026-01-01T10:20:00Z."""
    return moment.astimezone(timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ")


def lead_time(moment: datetime) -> str:
    """v1 leads: ISO with milliseconds, 2026-01-01T10:20:00.000Z."""
    return moment.astimezone(timezone.utc).strftime("%Y-%m-%dT%H:%M:%S.") + "000Z"


def note_time(moment: datetime) -> str:
    """v1 notes: 2026-01-01 10:20:00, in UTC."""
    return moment.astimezone(timezone.utc).strftime("%Y-%m-%d %H:%M:%S")


def parse(text: object) -> datetime | None:
    """Any of the formats above (or RFC 3339 with an offset or fractions) as an aware datetime."""
    found = _STAMP.fullmatch(text.strip()) if isinstance(text, str) else None
    if found is None:
        return None
    year, month, day, hour, minute, second, fraction, zone = found.groups()
    offset = timezone.utc
    if zone and zone.upper() != "Z":
        sign = -1 if zone[0] == "-" else 1
        digits = zone[1:].replace(":", "")
        offset = timezone(sign * timedelta(hours=int(digits[:2]), minutes=int(digits[2:])))
    try:
        return datetime(
            int(year),
            int(month),
            int(day),
            int(hour or 0),
            int(minute or 0),
            int(second or 0),
            int((fraction or "0")[:6].ljust(6, "0")),
            tzinfo=offset,
        )
    except ValueError:
        return None


def updated_since(items: list[dict[str, object]], query: dict[str, str]) -> list[dict[str, object]]:
    """The items whose `update_time` is at or after the query's `updated_since` (all if it is absent)."""
    text = query.get("updated_since")
    if not text:
        return items
    since = parse(text)
    if since is None:
        raise ApiError(400, f"Parameter 'updated_since' must be an RFC 3339 date-time, got {text!r}")
    kept = []
    for item in items:
        stamp = parse(item.get("update_time"))
        if stamp is not None and stamp >= since:
            kept.append(item)
    return kept
