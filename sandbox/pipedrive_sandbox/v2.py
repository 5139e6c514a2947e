"""API v2: persons, organizations, deals and activities (list, get, create, update, delete) and *Fields."""

from __future__ import annotations

import copy
from typing import Any

from . import directory, rules, times
from .errors import ApiError
from .fast_list import eligible, fast_list
from .paging import Result, cursor_page, int_param, ok
from .plans import visible_to_options
from .sanitize import sanitize_html
from .store import Store

KINDS = ("persons", "organizations", "deals", "activities")
_FILTERS = {
    "persons": ("owner_id", "org_id"),
    "organizations": ("owner_id",),
    "deals": ("owner_id", "person_id", "org_id", "stage_id", "pipeline_id"),
    "activities": ("owner_id", "person_id", "org_id", "deal_id"),
}
_SORTS = ("id", "add_time", "update_time")


ARCHIVED_EDIT = (
    '{what} {id} is archived and cannot be edited: un-archive it first with {{"is_archived": false}}'
)


def refuse_archived_edit(what: str, item: dict[str, Any], changes: dict[str, Any]) -> None:
    """Archived deals and leads cannot be edited (changelog, effective 2025-07-15); un-archiving can."""
    if item.get("is_archived") and changes != {"is_archived": False}:
        raise ApiError(400, ARCHIVED_EDIT.format(what=what, id=item["id"]))


def _defaults(store: Store, kind: str) -> dict[str, Any]:
    """What Pipedrive fills in on create when the body leaves a property out."""
    owner = store.seed["user"]["id"]
    stamp = times.rfc3339(store.now())
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
        first = directory.default_stage(store)
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
            "archive_time": None,
            "close_time": None,
            "won_time": None,
            "lost_time": None,
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
        stamp = item.get("update_time")
        if item["status"] == "won" and not item.get("won_time"):
            item["won_time"] = item["close_time"] = stamp
        if item["status"] == "lost" and not item.get("lost_time"):
            item["lost_time"] = item["close_time"] = stamp
        if item["status"] == "open":
            item.update(dict.fromkeys(("won_time", "lost_time", "close_time", "lost_reason")))
    if kind == "activities":
        # The primary participant is the activity's person.
        primary = [p for p in item.get("participants") or [] if p.get("primary")]
        if primary:
            item["person_id"] = primary[0]["person_id"]
        if item.get("subject") is None:
            item["subject"] = str(item.get("type", "task")).capitalize()
        for key in ("due_time", "duration"):
            # Taken as HH:MM or HH:MM:SS, answered with seconds (the OpenAPI examples: '15:00:00').
            if isinstance(item.get(key), str) and len(item[key]) == 5:
                item[key] = f"{item[key]}:00"
    return item


_DEAL_STATUSES = ("open", "won", "lost", "deleted")


def _deal_statuses(query: dict[str, str]) -> set[str] | None:
    """The deals `status` filter: one status or a comma-separated list of them (open, won, lost, deleted)."""
    if not query.get("status"):
        return None
    wanted = set(query["status"].split(","))
    if not wanted <= set(_DEAL_STATUSES):
        raise ApiError(400, f"Parameter 'status' takes a comma-separated list of {', '.join(_DEAL_STATUSES)}")
    return wanted


def _list(store: Store, kind: str, query: dict[str, str], *, archived: bool = False) -> Result:
    status, body = (fast_list if eligible(kind, query) else _slow_list)(store, kind, query, archived=archived)
    return status, {**body, "data": _custom_fields(body["data"], query)}


def _custom_fields(items: list[dict[str, Any]], query: dict[str, str]) -> list[dict[str, Any]]:
    """`custom_fields`: only the custom fields asked for (at most 15 keys), for a smaller answer."""
    if not query.get("custom_fields"):
        return items
    wanted = set(query["custom_fields"].split(","))
    if len(wanted) > 15:
        raise ApiError(400, "Parameter 'custom_fields' takes at most 15 keys")
    for item in items:
        if isinstance(item.get("custom_fields"), dict):
            item["custom_fields"] = {k: v for k, v in item["custom_fields"].items() if k in wanted}
    return items


def _slow_list(store: Store, kind: str, query: dict[str, str], *, archived: bool = False) -> Result:
    items = store.listed(kind, archived=archived)  # deals: archived ones only on /deals/archived
    statuses = _deal_statuses(query) if kind == "deals" else None
    if statuses is not None:
        # `deleted` adds the deleted deals (Pipedrive: those deleted in the last 30 days) to the others asked.
        deleted = store.deleted(kind, archived=archived) if "deleted" in statuses else []
        items = [item for item in items if item["status"] in statuses]
        items = sorted([*items, *deleted], key=lambda item: item["id"])
    if query.get("ids"):
        wanted = [int_param({"ids": part}, "ids") for part in query["ids"].split(",")]
        if len(wanted) > 100:
            raise ApiError(400, "Parameter 'ids' takes at most 100 ids")
        chosen = set(wanted)
        items = [item for item in items if item["id"] in chosen]
    for key in _FILTERS[kind]:
        if query.get(key):
            number = int_param(query, key)
            items = [item for item in items if item.get(key) == number]
    if kind == "activities" and query.get("done") in ("true", "false"):
        items = [item for item in items if item["done"] is (query["done"] == "true")]
    items = times.updated_since(items, query)
    if query.get("updated_until"):
        until = times.parse(query["updated_until"])
        if until is None:
            raise ApiError(400, "Parameter 'updated_until' must be an RFC 3339 date-time")
        items = [i for i in items if (at := times.parse(i.get("update_time"))) is not None and at < until]
    sort_by, direction = query.get("sort_by", "id"), query.get("sort_direction", "asc")
    if sort_by not in _SORTS or direction not in ("asc", "desc"):
        raise ApiError(400, "sort_by must be id, add_time or update_time; sort_direction asc or desc")
    if sort_by != "id" or direction != "asc":
        items = sorted(items, key=lambda item: (item[sort_by], item["id"]), reverse=direction == "desc")
    status, body = cursor_page(items, query)
    body["data"] = copy.deepcopy(body["data"])
    return status, body


def archived_deals(store: Store, query: dict[str, str]) -> Result:
    """GET /api/v2/deals/archived: the archived deals, with the filters and paging of GET /deals."""
    return _list(store, "deals", query, archived=True)


def _stamp(store: Store, kind: str, item: dict[str, Any], current: dict[str, Any] | None) -> dict[str, Any]:
    """What the server sets on a write: update_time (always its own now), archive_time, sanitised HTML."""
    now = times.rfc3339(store.now())
    item["update_time"] = now
    if kind == "activities" and isinstance(item.get("note"), str):
        item["note"] = sanitize_html(item["note"])
    if kind == "deals":
        was_archived = bool(current and current.get("is_archived"))
        if item.get("is_archived") and not was_archived and not item.get("archive_time"):
            item["archive_time"] = now
        if not item.get("is_archived"):
            item["archive_time"] = None
    return item


def entities(
    store: Store, method: str, kind: str, entity_id: str | None, query: dict[str, str], body: Any
) -> Result:
    if entity_id is None:
        if method == "GET":
            return _list(store, kind, query)
        if method == "POST":
            checked = rules.check_v2(store, kind, body, create=True)
            if kind == "deals":
                checked = {**checked, **directory.placement(store, checked, None)}
            item = _stamp(store, kind, {**_defaults(store, kind), **copy.deepcopy(checked)}, None)
            return ok(copy.deepcopy(store.create(kind, _normalize(store, kind, item))))
        raise ApiError(405, "Method not allowed")
    number = int_param({"id": entity_id}, "id")
    trashed = store.readable_trash  # a deleted entity still answers by id, with is_deleted: true
    if method == "GET":
        return ok(copy.deepcopy(store.get(kind, number, trashed=trashed)))
    if method == "PATCH":
        checked = rules.check_v2(store, kind, body, create=False)
        current = store.get(kind, number, trashed=trashed)
        changes = copy.deepcopy(checked)
        if kind == "deals":
            refuse_archived_edit("Deal", current, checked)
            changes.update(directory.placement(store, checked, current))
        if "custom_fields" in changes:  # PATCH changes the custom fields it names, keeps the rest
            changes["custom_fields"] = {**current.get("custom_fields", {}), **changes["custom_fields"]}
        merged = _normalize(store, kind, _stamp(store, kind, {**copy.deepcopy(current), **changes}, current))
        return ok(copy.deepcopy(store.update(kind, number, merged, trashed=trashed)))
    if method == "DELETE":
        store.get(kind, number)
        store.delete(kind, number)
        return ok({"id": number})
    raise ApiError(405, "Method not allowed")


def with_plan_visibility(store: Store, fields: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """The `visible_to` field lists the account plan's choices as its options, whatever the seed says."""
    choices = visible_to_options(store.plan)
    return [{**f, "options": choices} if f.get("field_type") == "visible_to" else f for f in fields]


def fields(store: Store, entity: str, query: dict[str, str]) -> Result:
    listed = with_plan_visibility(store, copy.deepcopy(store.fields(entity)))
    return cursor_page(listed, query, key="field_code")
