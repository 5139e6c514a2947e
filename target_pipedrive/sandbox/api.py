"""The endpoints the sandbox serves: v2 entities, searches and fields; v1 leads, notes and the rest."""

from __future__ import annotations

import base64
import json
import re
from typing import Any

from .store import (
    BOOLEAN_KEYS,
    INTEGER_KEYS,
    LEAD_BODY,
    NOTE_BODY,
    NUMBER_KEYS,
    V2_BODIES,
    ApiError,
    Store,
    now_rfc3339,
)

V2_KINDS = ("persons", "organizations", "deals", "activities")
SEARCHABLE_TYPES = {"address", "varchar", "text", "varchar_auto", "double", "monetary", "phone"}
Result = tuple[int, dict[str, Any]]


def ok(data: Any, additional: Any = None, status: int = 200) -> Result:
    body: dict[str, Any] = {"success": True, "data": data}
    if additional is not None:
        body["additional_data"] = additional
    return status, body


def _cursor_page(items: list[Any], query: dict[str, str], max_limit: int = 500) -> Result:
    limit = _int(query.get("limit", "100"), "limit")
    if not 1 <= limit <= max_limit:
        raise ApiError(400, f"limit must be between 1 and {max_limit}")
    start = 0
    if query.get("cursor"):
        try:
            start = json.loads(base64.urlsafe_b64decode(query["cursor"].encode()))["offset"]
        except (ValueError, KeyError) as exc:
            raise ApiError(400, "Invalid cursor") from exc
    page = items[start : start + limit]
    more = start + limit < len(items)
    cursor = (
        base64.urlsafe_b64encode(json.dumps({"offset": start + limit}).encode()).decode() if more else None
    )
    return ok(page, {"next_cursor": cursor})


def _int(text: str, name: str) -> int:
    if not re.fullmatch(r"-?\d+", text or ""):
        raise ApiError(400, f"{name} must be an integer")
    return int(text)


def _check_v2_body(store: Store, kind: str, body: Any, *, create: bool) -> dict[str, Any]:
    if not isinstance(body, dict):
        raise ApiError(400, "Request body must be a JSON object")
    unknown = set(body) - V2_BODIES[kind]
    if unknown:
        raise ApiError(400, f"Invalid field(s) in the payload: {', '.join(sorted(unknown))}")
    for key, value in body.items():
        if (
            key in INTEGER_KEYS
            and value is not None
            and (isinstance(value, bool) or not isinstance(value, int))
        ):
            raise ApiError(400, f"Parameter '{key}' must be an integer")
        if (
            key in NUMBER_KEYS
            and value is not None
            and (isinstance(value, bool) or not isinstance(value, (int, float)))
        ):
            raise ApiError(400, f"Parameter '{key}' must be a number")
        if key in BOOLEAN_KEYS and not isinstance(value, bool):
            raise ApiError(400, f"Parameter '{key}' must be a boolean")
    if "visible_to" in body and body["visible_to"] not in (1, 3, 5, 7):
        raise ApiError(400, "visible_to must be one of 1, 3, 5, 7")
    for key in ("emails", "phones"):
        if key in body:
            items = body[key]
            if not isinstance(items, list) or any(not isinstance(i, dict) or "value" not in i for i in items):
                raise ApiError(400, f"Parameter '{key}' must be an array of objects with a value")
    if "custom_fields" in body:
        store.check_custom_fields(kind, body["custom_fields"])
    if create and kind in ("persons", "organizations") and not body.get("name"):
        raise ApiError(400, "Name must be given.")
    if kind == "deals" and (create or "title" in body) and not body.get("title"):
        raise ApiError(400, "Title must be given.")
    if kind == "deals" and body.get("lost_reason") and body.get("status") != "lost":
        raise ApiError(400, "lost_reason can only be set when the deal status is lost")
    if kind == "deals" and "stage_id" in body and body["stage_id"] not in store.seed["stages"]:
        raise ApiError(400, f"Stage {body['stage_id']} not found")
    for link, target in (("person_id", "persons"), ("org_id", "organizations"), ("deal_id", "deals")):
        if body.get(link) is not None and not store.exists(target, body[link]):
            raise ApiError(400, f"{target[:-1].capitalize()} {body[link]} not found")
    types = {t["key_string"] for t in store.seed["activity_types"]}
    if kind == "activities" and "type" in body and body["type"] not in types:
        raise ApiError(400, f"Activity type '{body['type']}' does not exist")
    return body


def _v2_item(store: Store, kind: str, body: dict[str, Any]) -> dict[str, Any]:
    item: dict[str, Any] = {"add_time": now_rfc3339(), "update_time": now_rfc3339(), "is_deleted": False}
    if kind in ("persons", "organizations", "deals"):
        item.update({"custom_fields": {}, "visible_to": 3, "owner_id": store.seed["user"]["id"]})
    if kind == "persons":
        item.update({"emails": [], "phones": [], "org_id": None})
    if kind == "deals":
        item.update(
            {
                "value": 0,
                "currency": store.seed["user"]["default_currency"],
                "status": "open",
                "stage_id": store.seed["stages"][0],
                "person_id": None,
                "org_id": None,
                "probability": None,
                "lost_reason": None,
                "expected_close_date": None,
            }
        )
    if kind == "activities":
        item.update(
            {
                "subject": "Call",
                "type": "call",
                "done": False,
                "participants": [],
                "person_id": None,
                "org_id": None,
                "deal_id": None,
                "due_date": None,
                "due_time": "",
                "duration": "",
            }
        )
    item.update(body)
    return _normalize(kind, item)


def _normalize(kind: str, item: dict[str, Any]) -> dict[str, Any]:
    for key in ("emails", "phones"):
        if key in item:
            items = [{"label": "work", "primary": False, **entry} for entry in item[key]]
            if items and not any(e["primary"] for e in items):
                items[0]["primary"] = True
            item[key] = items
    if kind == "activities":
        primary = [p for p in item.get("participants") or [] if p.get("primary")]
        item["person_id"] = primary[0]["person_id"] if primary else item.get("person_id")
    return item


def v2_entities(
    store: Store, method: str, kind: str, entity_id: str | None, query: dict[str, str], body: Any
) -> Result:
    if entity_id is None and method == "GET":
        items = list(store.dump()[kind])
        if query.get("ids"):
            wanted = {_int(x, "ids") for x in query["ids"].split(",")}
            items = [i for i in items if i["id"] in wanted]
        for key in ("person_id", "org_id", "deal_id", "owner_id"):
            if query.get(key):
                items = [i for i in items if i.get(key) == _int(query[key], key)]
        return _cursor_page(items, query)
    if entity_id is None and method == "POST":
        checked = _check_v2_body(store, kind, body, create=True)
        if checked.get("is_deleted"):
            raise ApiError(400, "Cannot create an entity that is deleted")
        return ok(store.create(kind, _v2_item(store, kind, checked)))
    if entity_id is None:
        raise ApiError(405, "Method not allowed")
    number = _int(entity_id, "id")
    if method == "GET":
        return ok(store.get(kind, number))
    if method == "PATCH":
        checked = _check_v2_body(store, kind, body, create=False)
        store.get(kind, number)
        return ok(store.update(kind, number, _normalize(kind, dict(checked))))
    if method == "DELETE":
        store.get(kind, number)
        store.delete(kind, number)
        return ok({"id": number})
    raise ApiError(405, "Method not allowed")


def _search_item(kind: str, item: dict[str, Any]) -> dict[str, Any]:
    result = {
        "id": item["id"],
        "type": kind[:-1],
        "visible_to": item.get("visible_to"),
        "custom_fields": [],
        "notes": [],
    }
    if kind == "persons":
        result.update(
            name=item.get("name"),
            emails=[e["value"] for e in item.get("emails", [])],
            phones=[p["value"] for p in item.get("phones", [])],
        )
    elif kind == "organizations":
        result.update(name=item.get("name"), address=None)
    else:
        result.update(title=item.get("title"))
    return result


def _texts(store: Store, kind: str, item: dict[str, Any], field: str) -> list[str]:
    if field == "email":
        return [e["value"] for e in item.get("emails", [])]
    if field == "phone":
        return [p["value"] for p in item.get("phones", [])]
    if field in ("name", "title"):
        return [str(item.get(field) or "")]
    if field == "custom_fields":
        entity = {"persons": "person", "organizations": "organization", "deals": "deal", "leads": "deal"}[
            kind
        ]
        found = []
        for key, value in (item.get("custom_fields") or {}).items():
            spec = store.custom_field(entity, key)
            if spec and spec["field_type"] in SEARCHABLE_TYPES and value is not None:
                found.append(str(value.get("value") if isinstance(value, dict) else value))
        return found
    return []


def entity_search(store: Store, kind: str, query: dict[str, str]) -> Result:
    term = query.get("term", "")
    exact = query.get("exact_match") == "true"
    if len(term) < (1 if exact else 2):
        raise ApiError(400, "Search term must be at least 2 characters long (1 with exact_match)")
    allowed = {
        "persons": ["custom_fields", "email", "notes", "phone", "name"],
        "organizations": ["address", "custom_fields", "notes", "name"],
        "deals": ["custom_fields", "notes", "title"],
        "leads": ["custom_fields", "notes", "title"],
    }[kind]
    fields = query.get("fields", ",".join(allowed)).split(",")
    if any(f not in allowed for f in fields):
        raise ApiError(400, f"fields must be a subset of {','.join(allowed)}")
    wanted, hits = term.casefold(), []
    for item in store.indexed(kind):
        texts = [t.casefold() for f in fields for t in _texts(store, kind, item, f)]
        if any((t == wanted) if exact else (wanted in t) for t in texts):
            score = 1.0 if wanted in texts else 0.5
            hits.append({"result_score": score, "item": _search_item(kind, item)})
    status, body = _cursor_page(hits, query)
    return status, {**body, "data": {"items": body["data"]}}


def field_search(store: Store, query: dict[str, str]) -> Result:
    term, match = query.get("term", ""), query.get("match", "exact")
    entity, key = query.get("entity_type", ""), query.get("field", "")
    kinds = {"person": "persons", "organization": "organizations", "deal": "deals", "lead": "leads"}
    if entity not in kinds or not key or match not in ("exact", "beginning", "middle"):
        raise ApiError(400, "entity_type, field and match (exact|beginning|middle) are required")
    if len(term) < (1 if match == "exact" else 2):
        raise ApiError(400, "Search term must be at least 2 characters long (1 with exact match)")
    spec = store.custom_field(entity, key)
    if spec is None or spec["field_type"] not in SEARCHABLE_TYPES:
        raise ApiError(400, f"Field '{key}' is not searchable")
    results = []
    for item in store.indexed(kinds[entity]):
        value = (item.get("custom_fields") or {}).get(key)
        text = str(value.get("value") if isinstance(value, dict) else value) if value is not None else None
        if text is None:
            continue
        hit = {"exact": text == term, "beginning": text.startswith(term), "middle": term in text}[match]
        if hit:
            results.append({"id": item["id"], key: value})
    return _cursor_page(results, query)


def fields_v2(store: Store, entity: str, query: dict[str, str]) -> Result:
    return _cursor_page(store.fields(entity), query)


def v1_pagination(items: list[Any], query: dict[str, str]) -> Result:
    start, limit = _int(query.get("start", "0"), "start"), _int(query.get("limit", "100"), "limit")
    page = items[start : start + limit]
    more = start + limit < len(items)
    pagination: dict[str, Any] = {"start": start, "limit": limit, "more_items_in_collection": more}
    if more:
        pagination["next_start"] = start + limit
    return ok(page, {"pagination": pagination})


def leads(store: Store, method: str, lead_id: str | None, query: dict[str, str], body: Any) -> Result:
    if lead_id is None and method == "GET":
        return v1_pagination(store.dump()["leads"], query)
    if method in ("POST", "PATCH"):
        if not isinstance(body, dict):
            raise ApiError(400, "Request body must be a JSON object")
        custom = {k: v for k, v in body.items() if re.fullmatch(r"[0-9a-f]{40}", k)}
        unknown = set(body) - LEAD_BODY - set(custom)
        if unknown:
            raise ApiError(400, f"Invalid field(s) in the payload: {', '.join(sorted(unknown))}")
        if custom:
            store.check_custom_fields("leads", custom)
        if "visible_to" in body and body["visible_to"] not in ("1", "3", "5", "7"):
            raise ApiError(400, 'visible_to must be one of "1", "3", "5", "7"')
        value = body.get("value")
        if value is not None and not (
            isinstance(value, dict)
            and isinstance(value.get("amount"), (int, float))
            and value.get("currency")
        ):
            raise ApiError(400, "value must have both amount and currency")
        if body.get("person_id") is not None and not store.exists("persons", body["person_id"]):
            raise ApiError(400, f"Person {body['person_id']} not found")
        if body.get("organization_id") is not None and not store.exists(
            "organizations", body["organization_id"]
        ):
            raise ApiError(400, f"Organization {body['organization_id']} not found")
    if lead_id is None and method == "POST":
        if not body.get("title"):
            raise ApiError(400, "Title must be given.")
        if not body.get("person_id") and not body.get("organization_id"):
            raise ApiError(400, "A lead always has to be linked to a person or an organization or both.")
        item = {
            "title": None,
            "person_id": None,
            "organization_id": None,
            "value": None,
            "expected_close_date": None,
            "visible_to": "3",
            "is_archived": False,
            "source_name": "API",
            "add_time": now_rfc3339(),
            "update_time": now_rfc3339(),
            **body,
        }
        return ok(store.create("leads", item), status=201)
    if lead_id is None:
        raise ApiError(405, "Method not allowed")
    if method == "GET":
        return ok(store.get("leads", lead_id))
    if method == "PATCH":
        store.get("leads", lead_id)
        return ok(store.update("leads", lead_id, dict(body)))
    if method == "DELETE":
        store.get("leads", lead_id)
        store.delete("leads", lead_id)
        return ok({"id": lead_id})
    raise ApiError(405, "Method not allowed")


def notes(store: Store, method: str, note_id: str | None, query: dict[str, str], body: Any) -> Result:
    links = (
        ("lead_id", "leads"),
        ("deal_id", "deals"),
        ("person_id", "persons"),
        ("org_id", "organizations"),
    )
    if note_id is None and method == "GET":
        return v1_pagination(store.dump()["notes"], query)
    if method in ("POST", "PUT"):
        if not isinstance(body, dict):
            raise ApiError(400, "Request body must be a JSON object")
        unknown = set(body) - NOTE_BODY
        if unknown:
            raise ApiError(400, f"Invalid field(s) in the payload: {', '.join(sorted(unknown))}")
        for key, kind in links:
            if body.get(key) is not None and not store.exists(kind, body[key]):
                raise ApiError(
                    400,
                    f"Cannot add/update note because {kind[:-1]} does not exist or you have "
                    f"no permissions to access this {kind[:-1]}.",
                )
    if note_id is None and method == "POST":
        if not body.get("content"):
            raise ApiError(400, "Content must be given.")
        if not any(body.get(key) for key, _ in links):
            raise ApiError(400, "Note must be linked to a lead, deal, person or organization.")
        item = {
            "content": None,
            "lead_id": None,
            "deal_id": None,
            "person_id": None,
            "org_id": None,
            "active_flag": True,
            "add_time": now_rfc3339().replace("T", " ").rstrip("Z"),
            **body,
        }
        return ok(store.create("notes", item))
    if note_id is None:
        raise ApiError(405, "Method not allowed")
    number = _int(note_id, "id")
    if method == "GET":
        return ok(store.get("notes", number))
    if method == "PUT":
        store.get("notes", number)
        return ok(store.update("notes", number, dict(body)))
    if method == "DELETE":
        store.get("notes", number)
        store.delete("notes", number)
        return ok(True)
    raise ApiError(405, "Method not allowed")


_ITEM_FIELDS = {
    "persons": {"custom_fields", "email", "name", "notes", "phone"},
    "organizations": {"address", "custom_fields", "name", "notes"},
    "deals": {"custom_fields", "notes", "title"},
    "leads": {"custom_fields", "notes", "title"},
}


def item_search(store: Store, query: dict[str, str]) -> Result:
    """itemSearch over persons, organizations, deals and leads (other item types have no items here)."""
    kinds = {"person": "persons", "organization": "organizations", "deal": "deals", "lead": "leads"}
    wanted_types = [t for t in query.get("item_types", ",".join(kinds)).split(",") if t]
    fields = set(query["fields"].split(",")) if query.get("fields") else None
    hits: list[dict[str, Any]] = []
    for item_type in wanted_types:
        kind = kinds.get(item_type)
        if kind is None:
            continue
        usable = _ITEM_FIELDS[kind] & fields if fields else _ITEM_FIELDS[kind]
        if not usable:
            continue
        sub_query = {**query, "fields": ",".join(sorted(usable)), "limit": "500"}
        sub_query.pop("cursor", None)
        _, body = entity_search(store, kind, sub_query)
        hits.extend(body["data"]["items"])
    status, body = _cursor_page(hits, query, max_limit=100)
    return status, {**body, "data": {"items": body["data"], "related_items": []}}
