"""Which event a logged sandbox request was made for, and which request a fault hit."""

from __future__ import annotations

import json
from typing import Any


def _strings(value: Any) -> list[str]:
    if isinstance(value, dict):
        return [s for item in value.values() for s in _strings(item)]
    return [value] if isinstance(value, str) else []


def made_for(request: dict[str, Any], event: dict[str, Any]) -> bool:
    """The request body carries a value of the event's own (name, email, order id, …)."""
    body = json.dumps(request["body"])
    values = [v for v in _strings(event) if len(v) > 5 and v not in ("identify", "track")]
    return any(json.dumps(v)[1:-1] in body for v in values)


def first_faulted(log: list[dict[str, Any]], statuses: tuple[int, ...]) -> dict[str, Any]:
    return next(entry for entry in log if entry.get("status") in statuses)
