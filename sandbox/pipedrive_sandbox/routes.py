"""Which endpoint answers a request: the paths of https://{company}.pipedrive.com the sandbox serves."""

from __future__ import annotations

from typing import Any

from . import directory, search, v1, v2
from .errors import ApiError
from .paging import Result
from .store import Store

_V2_FIELDS = {
    "personFields": "person",
    "organizationFields": "organization",
    "dealFields": "deal",
    "activityFields": "activity",
}


def canonical(path: str) -> str:
    """/v1/... is an alias of /api/v1/... (v2 has only the /api/v2 prefix)."""
    return "/api" + path if path.startswith("/v1/") else path


def is_search(path: str) -> bool:
    """Search endpoints have their own, smaller rate-limit window."""
    return path.endswith("/search") or "/itemSearch" in path


def route(store: Store, method: str, path: str, query: dict[str, str], body: Any) -> Result:
    parts = canonical(path).strip("/").split("/")
    version, rest = parts[:2], parts[2:]
    if version == ["api", "v2"] and rest:
        head = rest[0]
        if rest[1:] == ["search"] and head in search.SEARCH_FIELDS:
            return _only(method, "GET") or search.entity_search(store, head, query)
        if rest == ["itemSearch"]:
            return _only(method, "GET") or search.item_search(store, query)
        if rest == ["itemSearch", "field"]:
            return _only(method, "GET") or search.field_search(store, query)
        if rest == ["deals", "archived"]:  # before /deals/{id}: "archived" is not an id
            return _only(method, "GET") or v2.archived_deals(store, query)
        if rest in (["pipelines"], ["stages"]):
            return _only(method, "GET") or directory.listing(store, head, query)
        if head in v2.KINDS and len(rest) <= 2:
            return v2.entities(store, method, head, rest[1] if len(rest) == 2 else None, query, body)
        if rest == [head] and head in _V2_FIELDS:
            return _only(method, "GET") or v2.fields(store, _V2_FIELDS[head], query)
    if version == ["api", "v1"] and rest:
        if rest == ["leads", "archived"]:  # before /leads/{id}
            return _only(method, "GET") or v1.list_leads(store, query, archived=True)
        if rest[0] == "leads" and len(rest) <= 2:
            return v1.leads(store, method, rest[1] if len(rest) == 2 else None, query, body)
        if rest[0] == "notes" and len(rest) <= 2:
            return v1.notes(store, method, rest[1] if len(rest) == 2 else None, query, body)
        answer = v1.account(store, rest, query)
        if answer is not None:
            return _only(method, "GET") or answer
    raise ApiError(404, f"Unknown route {method} {path}")


def _only(method: str, allowed: str) -> Result | None:
    if method != allowed:
        raise ApiError(405, "Method not allowed")
    return None
