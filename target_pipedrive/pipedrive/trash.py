"""Deleted entities Pipedrive still answers for by id (v2: `is_deleted: true`, kept for 30 days)."""

from __future__ import annotations

from typing import Any

from .entities import BY_COLLECTION
from .errors import EntityTrashed

# The requests that name one entity and answer with it; a DELETE of a trashed one changes nothing.
_BY_ID = frozenset({"GET", "PATCH", "PUT"})


def trashed(method: str, path: str, data: Any) -> EntityTrashed | None:
    """The error to raise when `data`, the answer to `method path`, is one entity and a deleted one:
    such an answer must not be taken for a live entity (nor a PATCH into it for the record's update).
    v2 entities say so with `is_deleted`; v1 notes (and v1's other objects) with `active_flag: false`."""
    if method not in _BY_ID or not isinstance(data, dict):
        return None
    if data.get("is_deleted") is not True and data.get("active_flag") is not False:
        return None
    collection, _, entity_id = path.rstrip("/").rpartition("/")
    entity = BY_COLLECTION.get(collection)
    return EntityTrashed(method, path, entity.label) if entity is not None and entity_id else None
