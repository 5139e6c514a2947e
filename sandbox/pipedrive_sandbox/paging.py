"""Pipedrive's success envelope and its two kinds of paging: v2 cursors and v1 start/limit."""

from __future__ import annotations

import base64
import binascii
import json
import re
from typing import Any

from .errors import ApiError

Result = tuple[int, dict[str, Any]]


def ok(data: Any, additional: Any = None, status: int = 200) -> Result:
    body: dict[str, Any] = {"success": True, "data": data}
    if additional is not None:
        body["additional_data"] = additional
    return status, body


def int_param(query: dict[str, str], name: str, default: int | None = None) -> int:
    text = query.get(name)
    if text is None or text == "":
        if default is None:
            raise ApiError(400, f"Parameter '{name}' is required")
        return default
    if not re.fullmatch(r"-?\d+", text):
        raise ApiError(400, f"Parameter '{name}' must be an integer, got {text!r}")
    return int(text)


def encode_cursor(state: dict[str, Any]) -> str:
    # Pipedrive's cursors are unpadded base64url JSON; clients must treat them as opaque.
    return base64.urlsafe_b64encode(json.dumps(state, separators=(",", ":")).encode()).decode().rstrip("=")


def decode_cursor(cursor: str) -> dict[str, Any]:
    try:
        state = json.loads(base64.urlsafe_b64decode(cursor + "=" * (-len(cursor) % 4)))
    except (ValueError, binascii.Error) as exc:
        raise ApiError(400, "Invalid cursor") from exc
    if not isinstance(state, dict) or not isinstance(state.get("offset"), int):
        raise ApiError(400, "Invalid cursor")
    return state


def cursor_page(items: list[Any], query: dict[str, str], max_limit: int = 500, key: str = "id") -> Result:
    """One page of `items` and `additional_data.next_cursor` (null on the last page)."""
    limit = int_param(query, "limit", 100)
    if not 1 <= limit <= max_limit:
        raise ApiError(400, f"Parameter 'limit' must be between 1 and {max_limit}")
    start = decode_cursor(query["cursor"])["offset"] if query.get("cursor") else 0
    page = items[start : start + limit]
    cursor = None
    if start + limit < len(items):
        last = page[-1].get(key) if page and isinstance(page[-1], dict) else None
        cursor = encode_cursor({"field": key, "fieldValue": last, "id": last, "offset": start + limit})
    return ok(page, {"next_cursor": cursor})


def v1_page(items: list[Any], query: dict[str, str]) -> Result:
    start, limit = int_param(query, "start", 0), int_param(query, "limit", 100)
    if start < 0 or not 1 <= limit <= 500:
        raise ApiError(400, "start must be >= 0 and limit between 1 and 500")
    page = items[start : start + limit]
    more = start + limit < len(items)
    pagination: dict[str, Any] = {"start": start, "limit": limit, "more_items_in_collection": more}
    if more:
        pagination["next_start"] = start + limit
    return ok(page, {"pagination": pagination})
