"""Does Pipedrive already hold what a record would write? Then the write is skipped.

Compared with the entity as listed (prefetch) or as this run last wrote it. Only a sure "same" skips:
anything this module cannot compare counts as a change, so the doubt costs a write, never data.
"""

from __future__ import annotations

import re
from typing import Any

_HH_MM = re.compile(r"\d\d:\d\d")


def holds(current: dict[str, Any], body: dict[str, Any]) -> bool:
    """True when every value of `body` equals the entity's (`current`, in API v2's shape)."""
    return all(_same(value, current.get(key)) for key, value in body.items())


def _same(sent: Any, held: Any) -> bool:
    if isinstance(sent, dict):
        if isinstance(held, dict):
            return all(_same(value, held.get(key)) for key, value in sent.items())
        # A custom field sent as {"value": …} may come back as the bare value.
        return set(sent) == {"value"} and _same(sent["value"], held)
    if isinstance(sent, list):
        return isinstance(held, list) and len(sent) == len(held) and all(map(_same, sent, held))
    if isinstance(held, dict) and set(held) >= {"value"} and not isinstance(sent, bool):
        return _same(sent, held["value"])
    if isinstance(sent, bool) or isinstance(held, bool):
        return sent is held
    if isinstance(sent, (int, float)) and isinstance(held, (int, float)):
        return float(sent) == float(held)
    if isinstance(sent, str) and isinstance(held, str) and sent != held:
        return _same_time(sent, held)
    return sent == held


def _same_time(sent: str, held: str) -> bool:
    """A time sent as HH:MM and answered as HH:MM:00 (Pipedrive's v2 activities: `due_time`, `duration`),
    or the other way round."""
    short, long = (sent, held) if len(sent) < len(held) else (held, sent)
    return len(short) == 5 and long == f"{short}:00" and _HH_MM.fullmatch(short) is not None
