"""API v2: persons, organizations, deals and activities (list, get, create, update, delete) and *Fields."""

from __future__ import annotations

import copy
from datetime import datetime, timezone
from typing import Any

from . import rules
from .errors import ApiError
from .paging import Result, cursor_page, int_param, ok
from .store import Store

KINDS = ("persons", "organizations", "deals", "activities")
_FILTERS = {
    "persons": ("owner_id", "org_id"),
    "organizations": ("owner_id",),
    "deals": ("owner_id", "person_id", "org_id", "stage_id", "pipeline_id"),
    "activities": ("owner_id", "person_id", "org_id", "deal_id"),
}
_SORTS = ("id", "add_time", "update_time")


def now_rfc3339() -> str:
    return datetime.now(timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ")


def _defaults(store: Store, kind: str) -> dict[str, Any]:
    """What Pipedrive fills in on create when the body leaves a property out."""
    owner = store.seed["user"]["id"]
    stamp = now_rfc3339()
    common: dict[str, Any] = {"add_time": stamp, "update_time": stamp, "is_deleted": False}
    if kind != "activities":
        common["custom_fields"] = {}
    if kind == "persons":
        return {
            **common,
            "owner_id": owner,
            "org_id": None,
            "visible_to": 3,
            "emails": [],
            "phones": [],
            "label_ids": [],
        }
    if kind == "organizations":
        return {**common, "owner_id": owner, "visible_to": 3, "label_ids": []}
    if kind == "deals":
        first = store.seed["stages"][0]
        return {
            **common,
            "owner_id": owner,
            "visible_to": 3,
            "value": 0,
            "currency": store.seed["user"]["default_currency"],
            "status": "open",
            "stage_id": first["id"],
            "pipeline_id": first["pipeline_id"],
            "label_ids": [],
            "is_archived": False,
            "person_id": None,
            "org_id": None,
            "probability": None,
            "lost_reason": None,
            "expected_close_date": None,
        }
    links = dict.fromkeys(("person_id", "org_id", "deal_id", "lead_id", "due_date", "due_time", "duration"))
    return {
        **common,
        **links,
        "owner_id": owner,
        "type": store.seed["activity_types"][0]["key_string"],
        "subject": None,
        "done": False,
        "busy": False,
    }


def _normalize(store: Store, kind: str, item: dict[str, Any]) -> dict[str, Any]:
    for key in ("emails", "phones", "im"):
        if key in item:
            entries = [{"label": "work", "primary": False, **entry} for entry in item[key]]
            if entries and not any(e["primary"] for e in entries):
                entries[0]["primary"] = True  # the first item is primary unless one says so
            item[key] = entries
    if kind == "deals":
        stage = next((s for s in store.seed["stages"] if s["id"] == item["stage_id"]), None)
        if stage is not None:
            item["pipeline_id"] = stage["pipeline_id"]
        stamp = item.get("update_time")
        if item["status"] == "won" and not item.get("won_time"):
            item["won_time"] = item["close_time"] = stamp
        if item["status"] == "lost" and not item.get("lost_time"):
            item["lost_time"] = item["close_time"] = stamp
        if item["status"] == "open":
            for key in ("won_time", "lost_time", "close_time", "lost_reason"):
                item.pop(key, None)
    if kind == "activities":
        # The primary participant is the activity's person.
        primary = [p for p in item.get("participants") or [] if p.get("primary")]
        if primary:
            item["person_id"] = primary[0]["person_id"]
        if item.get("subject") is None:
            item["subject"] = str(item.get("type", "task")).capitalize()
    return item


def _list(store: Store, kind: str, query: dict[str, str]) -> Result:
    if query.get("ids"):
        wanted = [int_param({"ids": part}, "ids") for part in query["ids"].split(",")]
        if len(wanted) > 100:
            raise ApiError(400, "Parameter 'ids' takes at most 100 ids")
        items = [store.entities[kind][i] for i in sorted(set(wanted)) if store.exists(kind, i)]
    else:
        items = store.live(kind)
    for key in _FILTERS[kind]:
        if query.get(key):
            number = int_param(query, key)
            items = [item for item in items if item.get(key) == number]
    if kind == "deals" and query.get("status"):
        items = [item for item in items if item["status"] == query["status"]]
    if kind == "activities" and query.get("done") in ("true", "false"):
        items = [item for item in items if item["done"] is (query["done"] == "true")]
    if query.get("updated_since"):
        items = [item for item in items if item["update_time"] >= query["updated_since"]]
    sort_by, direction = query.get("sort_by", "id"), query.get("sort_direction", "asc")
    if sort_by not in _SORTS or direction not in ("asc", "desc"):
        raise ApiError(400, "sort_by must be id, add_time or update_time; sort_direction asc or desc")
    if sort_by != "id" or direction != "asc":
        items = sorted(items, key=lambda item: (item[sort_by], item["id"]), reverse=direction == "desc")
    status, body = cursor_page(items, query)
    body["data"] = copy.deepcopy(body["data"])
    return status, body


def entities(
    store: Store, method: str, kind: str, entity_id: str | None, query: dict[str, str], body: Any
) -> Result:
    if entity_id is None:
        if method == "GET":
            return _list(store, kind, query)
        if method == "POST":
            checked = rules.check_v2(store, kind, body, create=True)
            item = {**_defaults(store, kind), **copy.deepcopy(checked)}
            return ok(copy.deepcopy(store.create(kind, _normalize(store, kind, item))))
        raise ApiError(405, "Method not allowed")
    number = int_param({"id": entity_id}, "id")
    if method == "GET":
        return ok(copy.deepcopy(store.get(kind, number)))
    if method == "PATCH":
        checked = rules.check_v2(store, kind, body, create=False)
        current = store.get(kind, number)
        changes = copy.deepcopy(checked)
        if "custom_fields" in changes:  # PATCH changes the custom fields it names, keeps the rest
            changes["custom_fields"] = {**current.get("custom_fields", {}), **changes["custom_fields"]}
        merged = _normalize(store, kind, {**copy.deepcopy(current), **changes, "update_time": now_rfc3339()})
        return ok(copy.deepcopy(store.update(kind, number, merged)))
    if method == "DELETE":
        store.get(kind, number)
        store.delete(kind, number)
        return ok({"id": number})
    raise ApiError(405, "Method not allowed")


def fields(store: Store, entity: str, query: dict[str, str]) -> Result:
    return cursor_page(store.fields(entity), query, key="field_code")
