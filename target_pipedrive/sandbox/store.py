"""The sandbox's in-memory account: entities, Pipedrive's validation rules, and the lagging search index."""

from __future__ import annotations

import copy
import threading
import uuid
from collections.abc import Callable
from datetime import datetime, timezone
from typing import Any

from .seed import load_seed


class ApiError(Exception):
    def __init__(self, status: int, message: str) -> None:
        super().__init__(message)
        self.status, self.message = status, message


# The body properties each write accepts, as in Pipedrive's OpenAPI description.
V2_BODIES: dict[str, set[str]] = {
    "persons": {
        "name",
        "owner_id",
        "org_id",
        "add_time",
        "emails",
        "phones",
        "visible_to",
        "label_ids",
        "custom_fields",
        "marketing_status",
        "postal_address",
        "notes",
        "im",
        "birthday",
        "job_title",
    },
    "organizations": {
        "name",
        "owner_id",
        "add_time",
        "visible_to",
        "label_ids",
        "address",
        "website",
        "linkedin",
        "industry",
        "annual_revenue",
        "employee_count",
        "custom_fields",
    },
    "deals": {
        "title",
        "owner_id",
        "person_id",
        "org_id",
        "pipeline_id",
        "stage_id",
        "value",
        "currency",
        "is_deleted",
        "is_archived",
        "archive_time",
        "status",
        "probability",
        "lost_reason",
        "visible_to",
        "close_time",
        "won_time",
        "lost_time",
        "expected_close_date",
        "label_ids",
        "custom_fields",
    },
    "activities": {
        "subject",
        "type",
        "owner_id",
        "deal_id",
        "lead_id",
        "person_id",
        "org_id",
        "project_id",
        "due_date",
        "due_time",
        "duration",
        "busy",
        "done",
        "location",
        "participants",
        "attendees",
        "public_description",
        "priority",
        "note",
    },
}
LEAD_BODY = {
    "title",
    "owner_id",
    "label_ids",
    "person_id",
    "organization_id",
    "value",
    "expected_close_date",
    "visible_to",
    "was_seen",
    "origin_id",
    "channel",
    "channel_id",
    "is_archived",
}
NOTE_BODY = {
    "content",
    "lead_id",
    "deal_id",
    "person_id",
    "org_id",
    "project_id",
    "task_id",
    "user_id",
    "add_time",
    "pinned_to_lead_flag",
    "pinned_to_deal_flag",
    "pinned_to_organization_flag",
    "pinned_to_person_flag",
    "pinned_to_project_flag",
    "pinned_to_task_flag",
}
INTEGER_KEYS = {
    "owner_id",
    "org_id",
    "person_id",
    "deal_id",
    "stage_id",
    "pipeline_id",
    "visible_to",
    "priority",
}
NUMBER_KEYS = {"value", "probability"}
BOOLEAN_KEYS = {"done", "busy", "is_deleted", "is_archived"}
FIELD_ENTITY = {"persons": "person", "organizations": "organization", "deals": "deal", "leads": "deal"}
SEARCHABLE = {"address", "varchar", "text", "varchar_auto", "double", "monetary", "phone"}


def now_rfc3339() -> str:
    return datetime.now(timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ")


class Store:
    def __init__(self, seed_path: str | None = None, clock: Callable[[], float] | None = None) -> None:
        import time

        self.seed_path = seed_path
        self.clock = clock or time.monotonic
        self.search_delay = 0.0
        self.lock = threading.RLock()
        self.reset()

    def reset(self) -> None:
        with self.lock:
            self.seed = load_seed(self.seed_path)
            self.entities: dict[str, dict[Any, dict[str, Any]]] = {
                k: {} for k in ("persons", "organizations", "deals", "activities", "leads", "notes")
            }
            # entity kind → id → (visible-from time, indexed copy)
            self.index: dict[str, dict[Any, list[tuple[float, dict[str, Any]]]]] = {
                k: {} for k in self.entities
            }
            self.next_id = 1
            for kind, items in self.seed.get("entities", {}).items():
                for item in items:
                    self._store(kind, dict(item), index_now=True)

    # Field catalogue
    def fields(self, entity: str) -> list[dict[str, Any]]:
        return self.seed["fields"].get(entity, [])

    def custom_field(self, entity: str, key: str) -> dict[str, Any] | None:
        return next((f for f in self.fields(entity) if f["is_custom_field"] and f["field_code"] == key), None)

    # Entities
    def _store(self, kind: str, item: dict[str, Any], *, index_now: bool = False) -> dict[str, Any]:
        if "id" not in item:
            item["id"] = str(uuid.uuid4()) if kind == "leads" else self.next_id
            if kind != "leads":
                self.next_id += 1
        self.entities[kind][item["id"]] = item
        due = self.clock() if index_now else self.clock() + self.search_delay
        self.index[kind].setdefault(item["id"], []).append((due, copy.deepcopy(item)))
        return item

    def get(self, kind: str, entity_id: Any) -> dict[str, Any]:
        item = self.entities[kind].get(entity_id)
        if item is None or item.get("is_deleted"):
            raise ApiError(404, f"{kind[:-1].capitalize()} not found")
        return item

    def exists(self, kind: str, entity_id: Any) -> bool:
        item = self.entities[kind].get(entity_id)
        return item is not None and not item.get("is_deleted")

    def indexed(self, kind: str) -> list[dict[str, Any]]:
        """What search sees now: each entity as it was when its last visible change was indexed."""
        now, result = self.clock(), []
        for versions in self.index[kind].values():
            visible = [snapshot for due, snapshot in versions if due <= now]
            if visible and not visible[-1].get("is_deleted"):
                result.append(visible[-1])
        return result

    def create(self, kind: str, item: dict[str, Any]) -> dict[str, Any]:
        with self.lock:
            return self._store(kind, item)

    def update(self, kind: str, entity_id: Any, changes: dict[str, Any]) -> dict[str, Any]:
        with self.lock:
            item = self.get(kind, entity_id)
            custom = changes.pop("custom_fields", None)
            item.update(changes)
            if custom:
                item.setdefault("custom_fields", {}).update(custom)
            item["update_time"] = now_rfc3339()
            due = self.clock() + self.search_delay
            self.index[kind][entity_id].append((due, copy.deepcopy(item)))
            return item

    def delete(self, kind: str, entity_id: Any) -> None:
        with self.lock:
            self.update(kind, entity_id, {"is_deleted": True})

    def dump(self) -> dict[str, list[dict[str, Any]]]:
        with self.lock:
            return {
                kind: [copy.deepcopy(i) for i in items.values() if not i.get("is_deleted")]
                for kind, items in self.entities.items()
            }

    # Validation shared by v2 bodies
    def check_custom_fields(self, kind: str, custom: Any) -> None:
        if not isinstance(custom, dict):
            raise ApiError(400, "custom_fields must be an object")
        for key, value in custom.items():
            field = self.custom_field(FIELD_ENTITY[kind], key)
            if field is None:
                raise ApiError(400, f"Custom field with key '{key}' does not exist (field_code: {key})")
            if value is None:
                continue
            option_ids = {o["id"] for o in field.get("options") or []}
            if field["field_type"] == "enum" and value not in option_ids:
                raise ApiError(400, f"Invalid option id {value!r} for enum field (field_code: {key})")
            bad_set = not isinstance(value, list) or not value or any(v not in option_ids for v in value)
            if field["field_type"] == "set" and bad_set:
                raise ApiError(400, f"Invalid option ids {value!r} for set field (field_code: {key})")
            if field["field_type"] == "monetary" and not (
                isinstance(value, dict)
                and isinstance(value.get("value"), (int, float))
                and value.get("currency")
            ):
                raise ApiError(400, f"Monetary field needs value and currency (field_code: {key})")
            if field["field_type"] == "double" and not isinstance(value, (int, float)):
                raise ApiError(400, f"Numeric field expects a number (field_code: {key})")
