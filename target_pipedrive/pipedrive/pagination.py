"""The paginators behind PipedriveClient.paginate_v2 and paginate_v1: every item of a paged list.

They fetch page after page through the client's `get`, so each page is paced, retried and counted as
any other request; a server that would page without end (a cursor seen twice, a start that does not
move forward) raises PipedriveUnavailable instead of looping.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any, Protocol

from .envelope import ApiResponse
from .errors import PipedriveUnavailable


class Getter(Protocol):
    def get(self, path: str, params: dict[str, Any] | None = None) -> ApiResponse: ...


def cursor_pages(
    client: Getter, path: str, params: dict[str, Any] | None = None, *, items_key: str | None = None
) -> Iterator[dict[str, Any]]:
    """Every item of a cursor-paged v2 list (or of `data[items_key]`, as searches nest them)."""
    query = dict(params or {})
    seen: set[str] = set()
    while True:
        response = client.get(path, query)
        data = response.data
        if items_key and isinstance(data, dict):
            data = data.get(items_key)
        yield from data or []
        extra = response.additional_data if isinstance(response.additional_data, dict) else {}
        cursor = extra.get("next_cursor")
        if not cursor:
            return
        if cursor in seen:
            raise PipedriveUnavailable("GET", path, "the next-page cursor came back twice", 1)
        seen.add(cursor)
        query["cursor"] = cursor


def offset_pages(client: Getter, path: str, params: dict[str, Any] | None = None) -> Iterator[dict[str, Any]]:
    """Every item of a start/limit-paged v1 list; pagination under additional_data.pagination or flat."""
    query: dict[str, Any] = {"start": 0, "limit": 500, **(params or {})}
    while True:
        response = client.get(path, query)
        items = response.data or []
        yield from items
        extra = response.additional_data if isinstance(response.additional_data, dict) else {}
        page = extra["pagination"] if isinstance(extra.get("pagination"), dict) else extra
        if not page.get("more_items_in_collection"):
            return
        # Without next_start, count what came back: the server may have capped our limit.
        next_start = page.get("next_start")
        if not isinstance(next_start, int):
            next_start = int(query["start"]) + len(items)
        if next_start <= int(query["start"]):
            raise PipedriveUnavailable("GET", path, "the next page does not move forward", 1)
        query["start"] = next_start
