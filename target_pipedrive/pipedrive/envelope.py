"""Pipedrive's JSON envelope: {success, data, additional_data} or {success: false, error, ...}."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

import requests

# v1.yaml's error examples also answer {"message": …} and {"status": "error", "errors": {field: [why]}}.
_ERROR_KEYS = ("error", "error_info", "message", "errors", "code", "errorCode", "field_code")


@dataclass(frozen=True)
class ApiResponse:
    status: int
    data: Any
    additional_data: Any
    headers: Mapping[str, str]  # case-insensitive
    # An earlier attempt of this PATCH, PUT or DELETE was sent and its outcome is unknown (a timeout, a
    # dropped connection, a 5xx): it may still commit after this one, and after later requests too.
    in_doubt: bool = False


def read_json(response: requests.Response) -> dict[str, Any] | None:
    """The body as a JSON object, or None when it is not one (HTML block pages, proxies' pages)."""
    try:
        payload = response.json()
    except ValueError:
        return None
    return payload if isinstance(payload, dict) else None


def error_text(payload: dict[str, Any] | None) -> str:
    """Pipedrive's error, read defensively: the documented, the gateway's and the newer keys."""
    if payload is None:
        return "no error text (the answer is not a JSON object)"
    parts: list[str] = []
    for key in _ERROR_KEYS:
        value = payload.get(key)
        if value not in (None, "", [], {}) and str(value) not in parts:
            parts.append(str(value)[:500])
    return "; ".join(parts) or "no error text"
