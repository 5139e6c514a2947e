"""upsert_activity: create or update an Activity (API v2 /activities)."""

from __future__ import annotations

from typing import Any

from ..account.runtime import Runtime
from ..pipedrive import formats as values
from ..pipedrive.entities import ACTIVITY, DEAL
from . import common, spec
from .plan import Reject, Skip, Write
from .spec import ActionSpec, FieldSpec, match_pair, owner_field

SPEC = ActionSpec(
    name="upsert_activity",
    title="Create or update an Activity",
    description="Update an Activity in Pipedrive or create one if it doesn't exist.",
    default_trigger='type = "track" and event = "Activity Upserted"',
    fields=(
        FieldSpec(
            "activity_id",
            "Activity ID",
            "integer",
            "ID of Activity in Pipedrive to Update. If left empty, a new one will be created",
            default=spec.prop("activity_id"),
        ),
        *match_pair("person", "Person", default={"@path": "$.userId"}),
        *match_pair("organization", "Organization", default={"@path": "$.context.groupId"}),
        *match_pair("deal", "Deal", default=spec.prop("deal_id")),
        FieldSpec(
            "subject",
            "Activity Subject",
            "string",
            "Subject of the Activity. When not set, Pipedrive uses the activity type's name.",
            default=spec.prop("subject"),
        ),
        FieldSpec(
            "type",
            "Type",
            "string",
            "Type of the Activity: the key_string of one of the account's ActivityTypes (e.g. call).",
            default=spec.prop("type"),
        ),
        FieldSpec(
            "description",
            "Description",
            "string",
            "Additional details about the Activity that is synced to your external calendar; "
            "publicly visible to any guests added to the Activity.",
            default=spec.prop("description"),
        ),
        FieldSpec(
            "note",
            "Note",
            "string",
            "Note of the Activity (Accepts plain text and HTML)",
            default=spec.prop("note"),
        ),
        FieldSpec(
            "due_date",
            "Due Date",
            "string",
            "Due date of the Activity. Format: YYYY-MM-DD",
            default=spec.prop("due_date"),
        ),
        FieldSpec(
            "due_time",
            "Due Time",
            "string",
            "Due time of the Activity. Format: HH:MM",
            default=spec.prop("due_time"),
        ),
        FieldSpec(
            "duration",
            "Duration",
            "string",
            "Duration of the Activity. Format: HH:MM",
            default=spec.prop("duration"),
        ),
        FieldSpec(
            "done", "Done", "boolean", "Whether the Activity is done or not.", default=spec.prop("done")
        ),
        owner_field("activity", "assignee"),
    ),
    entity="activity",
    segment_slug="createUpdateActivity",
    # No match field: a replayed event is recognised by its marker, which fills in this id.
    marker_id="activity_id",
    # Body keys that the mapping names otherwise (summary counts, preserve names).
    body_fields={
        "public_description": "description",
        "participants": "person_match_value",
        "org_id": "organization_match_value",
        "deal_id": "deal_match_value",
    },
    # Lists merged with what the entity holds, and what tells their items apart.
    merged_lists={"participants": "participants"},
)


def plan(payload: dict[str, Any], rt: Runtime) -> Write | Skip:
    warnings: list[str] = []
    body: dict[str, Any] = {}
    for key in ("subject", "note"):
        if common.given(payload, key):
            body[key] = str(payload[key])
    if common.given(payload, "description"):
        body["public_description"] = str(payload["description"])
    if common.given(payload, "type"):
        body["type"] = common.convert(payload, "type", rt.catalog.activity_type)
    if common.given(payload, "due_date"):
        body["due_date"] = common.convert(payload, "due_date", values.date)
    if common.given(payload, "due_time"):
        body["due_time"] = common.convert(payload, "due_time", values.hh_mm, what="due time")
    if common.given(payload, "duration"):
        body["duration"] = common.convert(payload, "duration", values.hh_mm, what="duration", max_hours=99)
    if payload.get("done") is not None:
        body["done"] = bool(payload["done"])
    common.owner(rt, payload, body)
    person_id, org_id = common.person_and_organization(rt, payload, warnings)
    if person_id is not None:
        # API v2 sets an activity's person through its primary participant.
        body["participants"] = [{"person_id": person_id, "primary": True}]
    if org_id is not None:
        body["org_id"] = org_id
    deal_id = common.association(rt, DEAL, payload, "deal", warnings)
    if deal_id is not None:
        body["deal_id"] = deal_id
    if common.given(payload, "activity_id"):
        activity_id = common.convert(payload, "activity_id", values.integer, what="activity id")
        # The participants given merge into the activity's (policy.py): its other participants stay.
        return common.update(ACTIVITY, activity_id, body, warnings)
    if not body:
        raise Reject("an activity needs at least a subject, a type or a link", field="subject")
    return common.create(ACTIVITY, body, body, warnings)
