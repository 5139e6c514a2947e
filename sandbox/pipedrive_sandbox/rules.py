"""Pipedrive's rules for write bodies, beyond what its OpenAPI description can say.

The description sets no `additionalProperties: false`, marks no `name` required on persons and nothing
on activities, and cannot say that a link must point at an existing entity; the service refuses all
of these, so the sandbox does too, with Pipedrive-style messages. These rules apply with or without
the description, so a sandbox started without the OpenAPI files refuses the same bodies.
"""

from __future__ import annotations

import re
from typing import Any

from . import directory
from .errors import ApiError
from .plans import visible_to_ids
from .search_docs import FIELD_ENTITY
from .store import SINGULAR, Store

_PERSON = {"name", "owner_id", "org_id", "emails", "phones", "visible_to", "label_ids", "custom_fields"}
_PERSON |= {"marketing_status", "postal_address", "notes", "im", "birthday", "job_title"}
_ORG = {"name", "owner_id", "visible_to", "label_ids", "address", "website", "linkedin", "industry"}
_ORG |= {"annual_revenue", "employee_count", "custom_fields"}
_DEAL = {"title", "owner_id", "person_id", "org_id", "pipeline_id", "stage_id", "value", "currency"}
_DEAL |= {"is_deleted", "is_archived", "archive_time", "status", "probability", "lost_reason", "visible_to"}
_DEAL |= {"close_time", "won_time", "lost_time", "expected_close_date", "label_ids", "custom_fields"}
_ACTIVITY = {"subject", "type", "owner_id", "deal_id", "lead_id", "person_id", "org_id", "project_id"}
_ACTIVITY |= {"due_date", "due_time", "duration", "busy", "done", "location", "participants", "attendees"}
_ACTIVITY |= {"public_description", "priority", "note"}

# Body properties per (kind, create?), as the OpenAPI description lists them; PATCH cannot set add_time.
V2_BODIES: dict[tuple[str, bool], set[str]] = {
    ("persons", True): _PERSON | {"add_time"},
    ("persons", False): _PERSON,
    ("organizations", True): _ORG | {"add_time"},
    ("organizations", False): _ORG,
    ("deals", True): _DEAL,
    ("deals", False): _DEAL,
    ("activities", True): _ACTIVITY,
    ("activities", False): _ACTIVITY,
}
LEAD_BODY = {"title", "owner_id", "label_ids", "person_id", "organization_id", "value", "expected_close_date"}
LEAD_BODY |= {"visible_to", "was_seen", "origin_id", "channel", "channel_id"}
NOTE_BODY = {"content", "lead_id", "deal_id", "person_id", "org_id", "project_id", "task_id", "user_id"}
NOTE_BODY |= {"add_time", "pinned_to_lead_flag", "pinned_to_deal_flag", "pinned_to_organization_flag"}
NOTE_BODY |= {"pinned_to_person_flag", "pinned_to_project_flag", "pinned_to_task_flag"}

# API v2 no longer coerces: integers, numbers and booleans must be JSON integers, numbers and booleans.
_INTEGER = {"owner_id", "org_id", "person_id", "deal_id", "stage_id", "pipeline_id", "visible_to"}
_INTEGER |= {"priority", "project_id", "employee_count"}
_NUMBER = {"value", "probability"}
_BOOLEAN = {"done", "busy", "is_deleted", "is_archived"}
_LINKS = (("person_id", "persons"), ("org_id", "organizations"), ("deal_id", "deals"), ("lead_id", "leads"))
DEAL_STATUSES = ("open", "won", "lost")
_KEY = re.compile(r"[0-9a-f]{40}")
_DATE = re.compile(r"\d{4}-\d{2}-\d{2}")


def is_int(value: Any) -> bool:
    return isinstance(value, int) and not isinstance(value, bool)


def _object(body: Any) -> dict[str, Any]:
    if not isinstance(body, dict):
        raise ApiError(400, "Request body must be a JSON object")
    return body


def _unknown(body: dict[str, Any], allowed: set[str]) -> None:
    unknown = sorted(set(body) - allowed)
    if unknown:
        raise ApiError(400, f"Invalid field(s) in the payload: {', '.join(unknown)}")


def _types(body: dict[str, Any]) -> None:
    for key, value in body.items():
        if value is None:
            continue
        if key in _INTEGER and not is_int(value):
            raise ApiError(400, f"Parameter '{key}' must be an integer, got {value!r}")
        if key in _NUMBER and (isinstance(value, bool) or not isinstance(value, (int, float))):
            raise ApiError(400, f"Parameter '{key}' must be a number, got {value!r}")
        if key in _BOOLEAN and not isinstance(value, bool):
            raise ApiError(400, f"Parameter '{key}' must be a boolean (true or false), got {value!r}")


def _contacts(body: dict[str, Any]) -> None:
    for key in ("emails", "phones", "im"):
        items = body.get(key)
        if key in body and (
            not isinstance(items, list)
            or any(not isinstance(i, dict) or not isinstance(i.get("value"), str) for i in items)
        ):
            raise ApiError(400, f"Parameter '{key}' must be an array of objects with a string value")


def _link_exists(store: Store, body: dict[str, Any], links: tuple[tuple[str, str], ...]) -> None:
    for key, kind in links:
        if body.get(key) is not None and not store.exists(kind, body[key]):
            raise ApiError(400, f"{SINGULAR[kind]} with id {body[key]} does not exist (parameter '{key}')")


# Writable properties that Pipedrive nevertheless refuses, though the description lists them in the body.
READ_ONLY: dict[str, dict[str, str]] = {
    # v2 migration guide: an activity's person is its primary participant.
    "activities": {
        "person_id": "person_id is read-only on activities: set the person as the primary participant, "
        '"participants": [{"person_id": <id>, "primary": true}]'
    },
}
_TIME = re.compile(r"([01]\d|2[0-3]):[0-5]\d(:[0-5]\d)?")
_ADDRESS_PARTS = {"value", "route", "street_number", "subpremise", "locality", "sublocality"}
_ADDRESS_PARTS |= {"admin_area_level_1", "admin_area_level_2", "country", "postal_code", "formatted_address"}
_TIMEZONE = {"timezone_name", "timezone_id"}
_TEXT_TYPES = ("varchar", "text", "varchar_auto", "phone", "varchar_options")
# The entity a user/org/people custom field links to: its value must be the id of one that exists.
_LINK_TYPES = {"org": "organizations", "people": "persons"}


def _is_date(value: Any) -> bool:
    return isinstance(value, str) and bool(_DATE.fullmatch(value))


def _is_time(value: Any) -> bool:
    return isinstance(value, str) and bool(_TIME.fullmatch(value))


def _time_object(value: Any, keys: set[str]) -> bool:
    """A v2 time or timerange value: an object with the times named in `keys`, and optionally its zone."""
    if not isinstance(value, dict) or set(value) - keys - _TIMEZONE or not keys <= set(value):
        return False
    zone_id = value.get("timezone_id")
    return (
        all(_is_time(value[key]) for key in keys)
        and (zone_id is None or is_int(zone_id))
        and isinstance(value.get("timezone_name", ""), (str, type(None)))
    )


def _custom_value(store: Store, kind: str, kind_of: str, value: Any, options: set[int], where: str) -> None:
    """One custom-field value in the shape its type takes (v2 `custom_fields`; flat v1 keys for leads)."""
    v2 = kind != "leads"
    if kind_of == "enum" and (not is_int(value) or value not in options):
        raise ApiError(400, f"Invalid option id {value!r} for enum field {where}")
    if kind_of == "set" and (
        not isinstance(value, list) or not value or any(not is_int(v) or v not in options for v in value)
    ):
        raise ApiError(400, f"Invalid option ids {value!r} for set field: a non-empty list of ids {where}")
    if kind_of == "monetary" and v2:
        amount = value.get("value") if isinstance(value, dict) else None
        if isinstance(amount, bool) or not isinstance(amount, (int, float)) or not value.get("currency"):
            raise ApiError(400, f"Monetary field needs a numeric value and a currency {where}")
    if kind_of in ("double", "int") and (isinstance(value, bool) or not isinstance(value, (int, float))):
        raise ApiError(400, f"Numeric field expects a number {where}")
    if kind_of == "date" and not _is_date(value):
        raise ApiError(400, f"Date field expects YYYY-MM-DD {where}")
    if kind_of in _TEXT_TYPES and not isinstance(value, str):
        raise ApiError(400, f"Text field expects a string {where}")
    if kind_of == "user" and not directory.is_user(store, value):
        raise ApiError(400, f"User field expects the id of a user of the company, got {value!r} {where}")
    if kind_of in _LINK_TYPES and (not is_int(value) or not store.exists(_LINK_TYPES[kind_of], value)):
        what = SINGULAR[_LINK_TYPES[kind_of]].lower()
        raise ApiError(400, f"{kind_of} field expects the id of an existing {what}, got {value!r} {where}")
    if not v2:
        if kind_of == "time" and not _is_time(value):
            raise ApiError(400, f"Time field expects HH:MM:SS {where}")
        return  # v1 spreads ranges and addresses over extra keys (`<key>_until`, `<key>_route`)
    if kind_of == "time" and not _time_object(value, {"value"}):
        raise ApiError(
            400, f'Time field expects {{"value": "HH:MM:SS"}} (and optionally its timezone) {where}'
        )
    if kind_of == "timerange" and not _time_object(value, {"value", "until"}):
        raise ApiError(
            400,
            f'Time range field expects {{"value": "HH:MM:SS", "until": "HH:MM:SS"}} '
            f"(and optionally its timezone) {where}",
        )
    if kind_of == "daterange" and not (
        isinstance(value, dict)
        and set(value) == {"value", "until"}
        and _is_date(value["value"])
        and _is_date(value["until"])
        and value["value"] <= value["until"]
    ):
        raise ApiError(
            400,
            f'Date range field expects {{"value": "YYYY-MM-DD", "until": "YYYY-MM-DD"}} in order {where}',
        )
    if kind_of == "address" and not (
        isinstance(value, dict)
        and not set(value) - _ADDRESS_PARTS
        and isinstance(value.get("value"), str)
        and value["value"]
        and all(part is None or isinstance(part, str) for part in value.values())
    ):
        raise ApiError(
            400, f'Address field expects an object with a "value" (and its parts, as strings) {where}'
        )


def check_custom_fields(store: Store, kind: str, custom: Any) -> None:
    """Custom-field values: known keys, and each value in the shape its field type takes."""
    if not isinstance(custom, dict):
        raise ApiError(400, "custom_fields must be an object")
    entity = FIELD_ENTITY.get(kind, kind[:-1])
    for key, value in custom.items():
        spec = store.custom_field(entity, key)
        if spec is None:
            raise ApiError(400, f"Custom field with key '{key}' does not exist (field_code: {key})")
        if value is None:
            continue
        options = {o["id"] for o in spec.get("options") or []}
        _custom_value(store, kind, spec["field_type"], value, options, f"(field_code: {key})")


def _visible_to(store: Store, value: Any, *, text: bool) -> None:
    """`visible_to` must be one of the plan's choices (v2: integers; v1 leads: their strings)."""
    choices = visible_to_ids(store.plan)
    allowed = [str(n) for n in choices] if text else list(choices)
    if value not in allowed:
        shown = ", ".join(f'"{n}"' if text else str(n) for n in choices)
        raise ApiError(
            400, f"visible_to must be one of {shown} on this account's plan ({store.plan}), got {value!r}"
        )


def refuse_patch_delete(kind: str, body: Any) -> None:
    """API v2 PATCH cannot delete (migration guide: "It is no longer possible to use PATCH (former PUT)
    requests to delete an entity. Use corresponding DELETE endpoint instead."), though v2.yaml still
    lists `is_deleted` in the deals PATCH body."""
    if isinstance(body, dict) and "is_deleted" in body:
        raise ApiError(
            400,
            f"{SINGULAR[kind]} cannot be deleted with PATCH (is_deleted): "
            f"use DELETE /api/v2/{kind}/{{id}} instead.",
        )


def check_v2(store: Store, kind: str, raw: Any, *, create: bool) -> dict[str, Any]:
    body = _object(raw)
    if not create:
        refuse_patch_delete(kind, body)
    _unknown(body, V2_BODIES[(kind, create)])
    for key, why in READ_ONLY.get(kind, {}).items():
        if key in body:
            raise ApiError(400, why)
    _types(body)
    _contacts(body)
    if "visible_to" in body:
        _visible_to(store, body["visible_to"], text=False)
    if "custom_fields" in body:
        check_custom_fields(store, kind, body["custom_fields"])
    if kind in ("persons", "organizations") and (create or "name" in body) and not body.get("name"):
        raise ApiError(400, "Name must be given.")
    if kind == "deals":
        _deal_rules(store, body, create=create)
    if kind == "activities":
        _activity_rules(store, body)
    _link_exists(store, body, _LINKS)
    directory.check_owner(store, kind, body)
    if create and body.get("is_deleted"):
        raise ApiError(400, "Cannot create a deleted entity")
    return body


def _deal_rules(store: Store, body: dict[str, Any], *, create: bool) -> None:
    if (create or "title" in body) and not body.get("title"):
        raise ApiError(400, "Title must be given.")
    if "status" in body and body["status"] not in DEAL_STATUSES:
        raise ApiError(400, f"status must be one of open, won, lost, got {body['status']!r}")
    if body.get("lost_reason") and body.get("status") != "lost":
        raise ApiError(400, "lost_reason can only be set together with status lost")
    directory.check_placement(store, body)
    probability = body.get("probability")
    if probability is not None and not 0 <= probability <= 100:
        raise ApiError(400, "probability must be between 0 and 100")
    if body.get("expected_close_date") is not None and not _DATE.fullmatch(str(body["expected_close_date"])):
        raise ApiError(400, "expected_close_date must be YYYY-MM-DD")


def _activity_rules(store: Store, body: dict[str, Any]) -> None:
    types = {t["key_string"] for t in store.seed["activity_types"] if t.get("active_flag", True)}
    if "type" in body and body["type"] not in types:
        raise ApiError(400, f"Activity type '{body['type']}' does not exist")
    participants = body.get("participants")
    if participants is not None:
        if not isinstance(participants, list) or any(
            not isinstance(p, dict) or not is_int(p.get("person_id")) for p in participants
        ):
            raise ApiError(400, "participants must be a list of {person_id, primary}")
        for participant in participants:
            if not store.exists("persons", participant["person_id"]):
                raise ApiError(
                    400, f"Person with id {participant['person_id']} does not exist (participants)"
                )
    if body.get("due_date") is not None and not _DATE.fullmatch(str(body["due_date"])):
        raise ApiError(400, "due_date must be YYYY-MM-DD")


def check_lead(store: Store, raw: Any, *, create: bool) -> dict[str, Any]:
    body = _object(raw)
    custom = {k: v for k, v in body.items() if _KEY.fullmatch(k)}
    _unknown(body, LEAD_BODY | set(custom) | ({"is_archived"} if not create else set()))
    if custom:
        check_custom_fields(store, "leads", custom)
    if "visible_to" in body:
        _visible_to(store, body["visible_to"], text=True)
    for key in ("person_id", "organization_id", "owner_id"):
        if body.get(key) is not None and not is_int(body[key]):
            raise ApiError(400, f"Parameter '{key}' must be an integer")
    value = body.get("value")
    if value is not None and not (
        isinstance(value, dict)
        and isinstance(value.get("amount"), (int, float))
        and not isinstance(value.get("amount"), bool)
        and value.get("currency")
    ):
        raise ApiError(400, "value must be an object with both amount and currency")
    _lead_labels(store, body.get("label_ids"))
    _link_exists(store, body, (("person_id", "persons"), ("organization_id", "organizations")))
    directory.check_owner(store, "leads", body)
    if (create or "title" in body) and not body.get("title"):
        raise ApiError(400, "Title must be given.")
    if create and not body.get("person_id") and not body.get("organization_id"):
        raise ApiError(400, "A lead always has to be linked to a person or an organization or both.")
    return body


def _lead_labels(store: Store, label_ids: Any) -> None:
    """A lead's `label_ids`: a list of the ids (UUID strings) of lead labels that exist."""
    if label_ids is None:
        return
    if not isinstance(label_ids, list) or any(not isinstance(i, str) for i in label_ids):
        raise ApiError(400, "label_ids must be a list of existing lead label ids (UUID strings)")
    known = {label["id"] for label in store.seed["lead_labels"]}
    unknown = [i for i in label_ids if i not in known]
    if unknown:
        raise ApiError(400, f"Lead label with id {unknown[0]} does not exist (parameter 'label_ids')")


_NOTE_LINKS = (
    ("lead_id", "leads"),
    ("deal_id", "deals"),
    ("person_id", "persons"),
    ("org_id", "organizations"),
)


def check_note(store: Store, raw: Any, *, create: bool) -> dict[str, Any]:
    body = _object(raw)
    _unknown(body, NOTE_BODY)
    for key, kind in _NOTE_LINKS:
        if body.get(key) is not None and not store.exists(kind, body[key]):
            what = SINGULAR[kind].lower()
            raise ApiError(
                400,
                f"Cannot add/update note because {what} does not exist or you have "
                f"no permissions to access this {what}.",
            )
    directory.check_owner(store, "notes", body)
    if (create or "content" in body) and not (isinstance(body.get("content"), str) and body["content"]):
        raise ApiError(400, "Content must be given.")
    if create and not any(body.get(key) for key, _ in _NOTE_LINKS):
        raise ApiError(400, "Note must be linked to a lead, deal, person or organization.")
    return body
