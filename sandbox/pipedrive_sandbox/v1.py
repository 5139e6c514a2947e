"""API v1, where no v2 exists: leads, notes, leadFields, noteFields, leadLabels, activityTypes, users."""

from __future__ import annotations

import copy
from typing import Any

from . import directory, rules, times
from .errors import ApiError
from .paging import Result, int_param, ok, v1_page
from .sanitize import sanitize_html
from .store import Store
from .v2 import refuse_archived_edit, with_plan_visibility

_PINS = ("lead", "deal", "organization", "person", "project", "task")
# The query parameters v1.yaml declares on GET /leads and GET /leads/archived. `archived_status` was
# removed in 2025 (archived leads moved to their own route): it and any other parameter is refused.
_LEAD_LIST_PARAMS = {"limit", "start", "owner_id", "person_id", "organization_id", "filter_id", "sort"}
_LEAD_PARAMS = {False: _LEAD_LIST_PARAMS | {"updated_since"}, True: _LEAD_LIST_PARAMS}


def list_leads(store: Store, query: dict[str, str], *, archived: bool = False) -> Result:
    """GET /v1/leads (not archived) or /v1/leads/archived (archived only), paged with start/limit."""
    unknown = sorted(set(query) - _LEAD_PARAMS[archived])
    if unknown:
        raise ApiError(400, f"Unknown query parameter(s): {', '.join(unknown)}")
    items = store.listed("leads", archived=archived)
    for key in ("owner_id", "person_id", "organization_id"):
        if query.get(key):
            items = [i for i in items if i.get(key) == int_param(query, key)]
    items = times.updated_since(items, query)
    status, page = v1_page(items, query)
    page["data"] = copy.deepcopy(page["data"])
    return status, page


def leads(store: Store, method: str, lead_id: str | None, query: dict[str, str], body: Any) -> Result:
    if lead_id is None:
        if method == "GET":
            return list_leads(store, query)
        if method == "POST":
            checked = rules.check_lead(store, body, create=True)
            stamp = times.lead_time(store.now())
            item = {
                "title": None,
                "owner_id": store.seed["user"]["id"],
                "creator_id": store.seed["user"]["id"],
                "label_ids": [],
                "person_id": None,
                "organization_id": None,
                "source_name": "API",
                "origin_id": None,
                "channel": None,
                "channel_id": None,
                "is_archived": False,
                "was_seen": False,
                "value": None,
                "expected_close_date": None,
                "next_activity_id": None,
                "add_time": stamp,
                "update_time": stamp,
                "visible_to": "3",
                **copy.deepcopy(checked),
            }
            return ok(copy.deepcopy(store.create("leads", item)), status=201)
        raise ApiError(405, "Method not allowed")
    if method == "GET":
        return ok(copy.deepcopy(store.get("leads", lead_id)))
    if method == "PATCH":
        checked = rules.check_lead(store, body, create=False)
        refuse_archived_edit("Lead", store.get("leads", lead_id), checked)
        changes = {**copy.deepcopy(checked), "update_time": times.lead_time(store.now())}
        return ok(copy.deepcopy(store.update("leads", lead_id, changes)))
    if method == "DELETE":
        store.get("leads", lead_id)
        store.delete("leads", lead_id)
        return ok({"id": lead_id})
    raise ApiError(405, "Method not allowed")


def _pins(body: dict[str, Any]) -> dict[str, Any]:
    # Requests may send 0/1 or booleans; responses carry booleans.
    return {
        f"pinned_to_{what}_flag": bool(body[f"pinned_to_{what}_flag"])
        for what in _PINS
        if f"pinned_to_{what}_flag" in body
    }


def _sanitised(body: dict[str, Any]) -> dict[str, Any]:
    """Notes' content is stored as Pipedrive sanitises it (v1.yaml: "Subject to sanitization")."""
    if isinstance(body.get("content"), str):
        return {**body, "content": sanitize_html(body["content"])}
    return body


def notes(store: Store, method: str, note_id: str | None, query: dict[str, str], body: Any) -> Result:
    if note_id is None:
        if method == "GET":
            items = store.live("notes")
            for key in ("user_id", "person_id", "org_id", "deal_id"):
                if query.get(key):
                    items = [i for i in items if i.get(key) == int_param(query, key)]
            if query.get("lead_id"):
                items = [i for i in items if i.get("lead_id") == query["lead_id"]]
            items = times.updated_since(items, query)
            status, page = v1_page(items, query)
            page["data"] = copy.deepcopy(page["data"])
            return status, page
        if method == "POST":
            checked = _sanitised(rules.check_note(store, body, create=True))
            stamp = times.note_time(store.now())
            item = {
                "active_flag": True,
                "add_time": stamp,
                "update_time": stamp,
                "content": None,
                "deal_id": None,
                "lead_id": None,
                "person_id": None,
                "org_id": None,
                "user_id": store.seed["user"]["id"],
                "last_update_user_id": None,
                **{f"pinned_to_{what}_flag": False for what in _PINS},
                **copy.deepcopy(checked),
                **_pins(checked),
            }
            return ok(copy.deepcopy(store.create("notes", item)))
        raise ApiError(405, "Method not allowed")
    number = int_param({"id": note_id}, "id")
    if method == "GET":
        return ok(copy.deepcopy(store.get("notes", number)))
    if method == "PUT":
        checked = _sanitised(rules.check_note(store, body, create=False))
        store.get("notes", number)
        changes = {**copy.deepcopy(checked), **_pins(checked), "update_time": times.note_time(store.now())}
        changes["last_update_user_id"] = store.seed["user"]["id"]
        return ok(copy.deepcopy(store.update("notes", number, changes)))
    if method == "DELETE":
        store.get("notes", number)
        store.delete("notes", number)
        return ok(True)
    raise ApiError(405, "Method not allowed")


def account(store: Store, rest: list[str], query: dict[str, str]) -> Result | None:
    """The read-only account endpoints; None for any other path."""
    if rest == ["users"]:
        return directory.user_list(store)
    if rest == ["users", "me"]:
        return ok(copy.deepcopy(store.seed["user"]))
    if rest == ["activityTypes"]:
        return ok(copy.deepcopy(store.seed["activity_types"]))
    if rest == ["leadLabels"]:
        return ok(copy.deepcopy(store.seed["lead_labels"]))
    if rest == ["leadFields"]:
        return v1_page(with_plan_visibility(store, copy.deepcopy(store.seed["v1_fields"]["lead"])), query)
    if rest == ["noteFields"]:
        return v1_page(copy.deepcopy(store.seed["v1_fields"]["note"]), query)
    return None
