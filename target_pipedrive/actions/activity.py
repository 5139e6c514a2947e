"""upsert_activity: create or update an Activity (API v2 /activities)."""

from __future__ import annotations

from .spec import ActionSpec, FieldSpec, match_pair


def _prop(name: str) -> dict[str, str]:
    return {"@path": f"$.properties.{name}"}


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
            default=_prop("activity_id"),
        ),
        *match_pair("person", "Person", default={"@path": "$.userId"}),
        *match_pair("organization", "Organization", default={"@path": "$.context.groupId"}),
        *match_pair("deal", "Deal", default=_prop("deal_id")),
        FieldSpec(
            "subject",
            "Activity Subject",
            "string",
            "Subject of the Activity. When not set, Pipedrive uses the activity type's name.",
            default=_prop("subject"),
        ),
        FieldSpec(
            "type",
            "Type",
            "string",
            "Type of the Activity: the key_string of one of the account's ActivityTypes (e.g. call).",
            default=_prop("type"),
        ),
        FieldSpec(
            "description",
            "Description",
            "string",
            "Additional details about the Activity that is synced to your external calendar; "
            "publicly visible to any guests added to the Activity.",
            default=_prop("description"),
        ),
        FieldSpec(
            "note", "Note", "string", "Note of the Activity (Accepts plain text and HTML)", default=_prop("note")
        ),
        FieldSpec(
            "due_date", "Due Date", "string", "Due date of the Activity. Format: YYYY-MM-DD", default=_prop("due_date")
        ),
        FieldSpec("due_time", "Due Time", "string", "Due time of the Activity. Format: HH:MM", default=_prop("due_time")),
        FieldSpec("duration", "Duration", "string", "Duration of the Activity. Format: HH:MM", default=_prop("duration")),
        FieldSpec("done", "Done", "boolean", "Whether the Activity is done or not.", default=_prop("done")),
    ),
)
