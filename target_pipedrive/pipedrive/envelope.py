"""Pipedrive's JSON envelope: {success, data, additional_data} or {success: false, error, ...}."""

from __future__ import annotations

import json
import uuid
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any

import requests

from .entities import BY_COLLECTION, Entity
from .errors import PipedriveRequestError, UnusableAnswer
from .trash import trashed

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


def usable_id(entity: Entity, value: Any) -> bool:
    """Whether `value` can be an id of `entity`: a lead's is a UUID (text), every other entity's a
    positive whole number. Python counts True as 1 and 5.0 equals 5: neither is an id Pipedrive gives."""
    if entity.uuid_ids:
        if not isinstance(value, str):
            return False
        try:
            uuid.UUID(value)
        except ValueError:
            return False
        return True
    return isinstance(value, int) and not isinstance(value, bool) and value > 0


def unusable(
    method: str, path: str, answer: ApiResponse, scrub: Callable[[str], str]
) -> PipedriveRequestError | None:
    """The error a 2xx answer is, when the target must not take it as it came: the deleted entity a
    GET, PATCH or PUT by id answers (trash.py), or a create's answer without a usable id. An id read
    from such an answer would be stored in the ledger and linked to, or crash the run on every rerun."""
    if (gone := trashed(method, path, answer.data)) is not None:
        return gone
    entity = BY_COLLECTION.get(path.rstrip("/")) if method == "POST" else None
    if entity is None:
        return None
    data = answer.data
    if not isinstance(data, dict):
        shown = "has no data object"
    elif "id" not in data:
        shown = "has no data.id"
    elif usable_id(entity, data["id"]):
        return None
    else:
        shown = f"has data.id {shown_id(data['id'], scrub)}"
    return UnusableAnswer(
        answer.status,
        method,
        path,
        f"the answer {shown}, which is not a {entity.label} id ({id_kind(entity)})",
    )


def shown_id(value: Any, scrub: Callable[[str], str]) -> str:
    """An id as an answer held it, for a message: JSON, scrubbed like every error text the client passes
    on (the server's or a proxy's text) before it is shortened (a token cut in two would no longer be
    recognised)."""
    text = scrub(json.dumps(value, ensure_ascii=False, default=str))
    return text if len(text) <= 60 else text[:57] + "..."


def id_kind(entity: Entity) -> str:
    return "a UUID" if entity.uuid_ids else "a whole number"
