"""v2 lists in O(page): the plain list by id (cursor paging) and `updated_since`, read off the store's
orders (ordering.py) instead of filtering and sorting every entity of the kind on each request.

Only the common forms take this path: sorted by id ascending, filtered by nothing but `updated_since`
(and, for deals, the archived split). Every other form goes through v2._list's general path. Both give
the same answers; this one also gives the same cursors' meaning (the next page starts after the last id).
"""

from __future__ import annotations

import copy
from typing import Any

from . import times
from .errors import ApiError
from .paging import Result, decode_cursor, encode_cursor, int_param, ok
from .store import ARCHIVABLE, Store

# Parameters this path answers; any other one (but paging and custom_fields) takes the general path.
_PLAIN = {"limit", "cursor", "updated_since", "custom_fields", "sort_by", "sort_direction"}


def eligible(kind: str, query: dict[str, str]) -> bool:
    if not {k for k, v in query.items() if v != ""} <= _PLAIN:
        return False
    return query.get("sort_by", "id") == "id" and query.get("sort_direction", "asc") == "asc"


def fast_list(store: Store, kind: str, query: dict[str, str], *, archived: bool) -> Result:
    limit = int_param(query, "limit", 100)
    if not 1 <= limit <= 500:
        raise ApiError(400, "Parameter 'limit' must be between 1 and 500")
    items = store.entities[kind]
    order = store.orders[kind]

    def shown(item: dict[str, Any] | None) -> bool:
        if item is None or item.get("is_deleted"):
            return False
        return kind not in ARCHIVABLE or bool(item.get("is_archived")) is archived

    state = decode_cursor(query["cursor"]) if query.get("cursor") else {"offset": 0}
    if query.get("updated_since"):
        since = times.parse(query["updated_since"])
        if since is None:
            raise ApiError(
                400,
                f"Parameter 'updated_since' must be an RFC 3339 date-time, got {query['updated_since']!r}",
            )
        ids = iter(sorted(order.updated_since(since.timestamp())))
        after = state.get("id")
        if isinstance(after, int):
            ids = (i for i in ids if i > after)
    else:
        after = state.get("id")
        ids = order.ids_after(after if isinstance(after, int) else None)
    page: list[dict[str, Any]] = []
    more = False
    for entity_id in ids:
        item = items.get(entity_id)
        if not shown(item):
            continue
        if len(page) == limit:
            more = True
            break
        page.append(item)  # type: ignore[arg-type]
    cursor = None
    if more:
        last = page[-1]["id"]
        cursor = encode_cursor(
            {"field": "id", "fieldValue": last, "id": last, "offset": state["offset"] + limit}
        )
    return ok(copy.deepcopy(page), {"next_cursor": cursor})
