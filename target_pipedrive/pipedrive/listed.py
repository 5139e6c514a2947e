"""Ids read off list and search answers, where the target takes each entity's id as it came.

A hostile proxy or a changed API may answer an item whose id is missing, null, text, a fraction or a
boolean (envelope.usable_id says which ids are usable). Such an item is no entity the target can write
to or link to: it is skipped, with one warning per endpoint per run (a page of them would otherwise
drown the log), and the rest of the answer is used. Where skipping it could make the target create a
second entity, the caller decides: the finder rejects the record, recovery keeps the create in doubt.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable
from typing import Any

from .entities import Entity
from .envelope import id_kind, shown_id, usable_id

_ABSENT = object()


class ListedIds:
    """The client's (one per run): which endpoints were already warned about."""

    def __init__(self, logger: logging.Logger, scrub: Callable[[str], str] = lambda text: text) -> None:
        self._logger = logger
        self._scrub = scrub
        self._warned: set[str] = set()
        self._lock = threading.Lock()

    def id_of(self, entity: Entity, item: Any, endpoint: str) -> Any | None:
        """The item's id when it is one of `entity`; None (warned, once per endpoint) when it is not."""
        value = item.get("id", _ABSENT) if isinstance(item, dict) else _ABSENT
        if value is not _ABSENT and usable_id(entity, value):
            return value
        self._warn(entity, endpoint, self.describe(item))
        return None

    def describe(self, item: Any) -> str:
        """What an item holds instead of an id, for a message (never the token: scrubbed)."""
        if not isinstance(item, dict):
            return "is not an object"
        if "id" not in item:
            return "has no id"
        return f"has id {shown_id(item['id'], self._scrub)}"

    def _warn(self, entity: Entity, endpoint: str, what: str) -> None:
        with self._lock:
            if endpoint in self._warned:
                return
            self._warned.add(endpoint)
        self._logger.warning(
            "%s answered an item that %s, which is not a %s id (%s): the item is skipped, and so is any "
            "other such item of %s this run. Pipedrive gives none: check any proxy between the target "
            "and Pipedrive (api_url)",
            endpoint,
            what,
            entity.label,
            id_kind(entity),
            endpoint,
        )


# For a client that keeps none (the tests' stand-ins).
_SHARED = ListedIds(logging.getLogger("target_pipedrive.http"))


def listed_ids(client: Any) -> ListedIds:
    """The client's ListedIds, which knows its token to scrub and warns once per endpoint per run."""
    found = getattr(client, "listed_ids", None)
    return found if isinstance(found, ListedIds) else _SHARED
