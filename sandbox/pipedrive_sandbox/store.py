"""The sandbox's in-memory account: entities by kind, their ids, and the search index that lags them."""

from __future__ import annotations

import copy
import threading
import time
import uuid
from collections.abc import Callable
from datetime import datetime, timedelta, timezone
from typing import Any

from . import times
from .errors import ApiError
from .ordering import Order
from .search_docs import SEARCHABLE_KINDS, build_doc
from .search_index import SearchIndex
from .seed import ENTITY_KINDS, load_seed

SINGULAR = {
    "persons": "Person",
    "organizations": "Organization",
    "deals": "Deal",
    "activities": "Activity",
    "leads": "Lead",
    "notes": "Note",
}


ARCHIVABLE = ("deals", "leads")
ITEM_SEARCH_FORMS = ("example", "schema")


class Store:
    """Entities as the API last wrote them. Callers hold `lock` around a request's reads and writes.

    It also holds the account settings the endpoints read: the plan (`visible_to` choices), the
    itemSearch/field answer form, the wall clock's offset and whether deleted v2 entities stay readable and
    patchable by id (`readable_trash`); the Sandbox's configure() sets them."""

    def __init__(self, seed_path: str | None = None, clock: Callable[[], float] | None = None) -> None:
        self.seed_path = seed_path
        self.clock = clock or time.monotonic
        self.plan = "lite"
        self.item_search_form = "example"
        # Real Pipedrive keeps deleted v2 entities for 30 days and may still answer for them by id.
        self.readable_trash = False
        self.clock_offset = 0.0
        self.lock = threading.RLock()
        self.index = SearchIndex(self.clock)
        self.reset()

    @property
    def search_delay(self) -> float:
        return self.index.delay

    @search_delay.setter
    def search_delay(self, seconds: float) -> None:
        self.index.delay = seconds

    def reset(self) -> None:
        with self.lock:
            self.seed = load_seed(self.seed_path)
            self.entities: dict[str, dict[Any, dict[str, Any]]] = {kind: {} for kind in ENTITY_KINDS}
            self._next_id = dict.fromkeys(ENTITY_KINDS, 1)
            # What v2 lists walk (ordering.py): ids in order, and by last update_time.
            self.orders = {kind: Order() for kind in ENTITY_KINDS}
            self.index.clear()
            for kind, items in self.seed["entities"].items():
                for item in items:
                    self._put(kind, copy.deepcopy(item), index_now=True)

    def now(self) -> datetime:
        """Pipedrive's "now": the real UTC time moved by `clock_offset` seconds."""
        return datetime.now(timezone.utc) + timedelta(seconds=self.clock_offset)

    # Field catalogue
    def fields(self, entity: str) -> list[dict[str, Any]]:
        return list(self.seed["fields"].get(entity, []))

    def custom_field(self, entity: str, key: str) -> dict[str, Any] | None:
        for spec in self.seed["fields"].get(entity, []):
            if spec["is_custom_field"] and spec["field_code"] == key:
                return dict(spec)
        return None

    # Entities
    def _put(self, kind: str, item: dict[str, Any], *, index_now: bool = False) -> dict[str, Any]:
        if "id" not in item:
            new_id = str(uuid.uuid4()) if kind == "leads" else self._next_id[kind]
            item = {"id": new_id, **item}  # id first, as Pipedrive answers
        if isinstance(item["id"], int):
            self._next_id[kind] = max(self._next_id[kind], item["id"] + 1)
        self.entities[kind][item["id"]] = item
        self._ordered(kind, item)
        self._reindex(kind, item, now=index_now)
        return item

    def _ordered(self, kind: str, item: dict[str, Any]) -> None:
        moment = times.parse(item.get("update_time"))
        self.orders[kind].written(item["id"], None if moment is None else moment.timestamp())

    def generate(
        self, kind: str, count: int, *, domain: str = "bulk.example", searchable: bool = True, age: float = 0
    ) -> int:
        """`count` more persons or organizations in the API's shape (benchmarks of big accounts), each
        with its own name (and, for persons, email `person<id>@<domain>`), stamped now; returns the first
        new id. `searchable` False leaves them out of the search index (much faster for millions); `age`:
        seconds before now their add_time and update_time say."""
        if kind not in ("persons", "organizations") or count < 1:
            raise ValueError("generate makes persons or organizations, count >= 1")
        stamp = times.rfc3339(self.now() - timedelta(seconds=age))
        owner = self.seed["user"]["id"]
        with self.lock:
            first = self._next_id[kind]
            for entity_id in range(first, first + count):
                item: dict[str, Any] = {
                    "id": entity_id,
                    "name": f"{SINGULAR[kind]} {entity_id}",
                    "owner_id": owner,
                    "add_time": stamp,
                    "update_time": stamp,
                    "visible_to": 3,
                    "label_ids": [],
                    "custom_fields": {},
                    "is_deleted": False,
                }
                if kind == "persons":
                    email = {"value": f"person{entity_id}@{domain}", "label": "work", "primary": True}
                    item.update(emails=[email], phones=[], org_id=None)
                self.entities[kind][entity_id] = item
                self._ordered(kind, item)
                if searchable:
                    self._reindex(kind, item, now=True)
            self._next_id[kind] = first + count
        return first

    def _reindex(self, kind: str, item: dict[str, Any], *, now: bool = False) -> None:
        if kind in SEARCHABLE_KINDS:
            doc = None if item.get("is_deleted") else build_doc(self.seed, kind, item)
            self.index.put(kind, item["id"], doc, now=now)

    def get(self, kind: str, entity_id: Any, *, trashed: bool = False) -> dict[str, Any]:
        """The entity with this id; a deleted one only when `trashed` (the readable_trash option)."""
        item = self.entities[kind].get(entity_id)
        if item is None or (item.get("is_deleted") and not trashed):
            raise ApiError(404, f"{SINGULAR[kind]} not found")
        return item

    def exists(self, kind: str, entity_id: Any) -> bool:
        if isinstance(entity_id, bool):
            return False
        item = self.entities[kind].get(entity_id)
        return item is not None and not item.get("is_deleted")

    def live(self, kind: str) -> list[dict[str, Any]]:
        """The entities a list shows (not deleted), in id order. The items themselves: do not change them."""
        return [item for item in self.entities[kind].values() if not item.get("is_deleted")]

    def listed(self, kind: str, *, archived: bool = False) -> list[dict[str, Any]]:
        """What a list endpoint shows: live entities, archived ones apart (deals and leads only)."""
        items = self.live(kind)
        if kind not in ARCHIVABLE:
            return items
        return [item for item in items if bool(item.get("is_archived")) is archived]

    def deleted(self, kind: str, *, archived: bool = False) -> list[dict[str, Any]]:
        """The deleted entities (never purged), archived ones apart like `listed`."""
        items = [item for item in self.entities[kind].values() if item.get("is_deleted")]
        if kind not in ARCHIVABLE:
            return items
        return [item for item in items if bool(item.get("is_archived")) is archived]

    def create(self, kind: str, item: dict[str, Any]) -> dict[str, Any]:
        with self.lock:
            return self._put(kind, item)

    def update(
        self, kind: str, entity_id: Any, changes: dict[str, Any], *, trashed: bool = False
    ) -> dict[str, Any]:
        with self.lock:
            item = self.get(kind, entity_id, trashed=trashed)
            item.update(changes)
            self._ordered(kind, item)
            self._reindex(kind, item)
            return item

    def delete(self, kind: str, entity_id: Any) -> None:
        with self.lock:
            self.update(kind, entity_id, {"is_deleted": True})

    def dump(self) -> dict[str, list[dict[str, Any]]]:
        with self.lock:
            return {kind: copy.deepcopy(self.live(kind)) for kind in ENTITY_KINDS}
