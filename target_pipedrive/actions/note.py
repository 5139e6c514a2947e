"""upsert_note: create or update a Note (API v1 /notes: no v2 exists)."""

from __future__ import annotations

from .spec import ActionSpec, FieldSpec, match_pair

_LINK = " One of Lead, Person, Organization or Deal must be linked!"

SPEC = ActionSpec(
    name="upsert_note",
    title="Create or update a Note",
    description="Update a Note in Pipedrive or create it if it doesn't exist yet.",
    default_trigger='type = "track" and event = "Note Upserted"',
    fields=(
        FieldSpec(
            "note_id",
            "Note ID",
            "integer",
            "ID of Note in Pipedrive to Update. If left empty, a new one will be created",
            default={"@path": "$.properties.note_id"},
        ),
        FieldSpec(
            "lead_id",
            "Lead ID",
            "string",
            "ID of Lead in Pipedrive to link to." + _LINK,
            default={"@path": "$.properties.lead_id"},
        ),
        *match_pair("person", "Person", default={"@path": "$.userId"}, extra=_LINK),
        *match_pair("organization", "Organization", default={"@path": "$.context.groupId"}, extra=_LINK),
        *match_pair("deal", "Deal", default={"@path": "$.properties.deal_id"}, extra=_LINK),
        FieldSpec(
            "content",
            "Note Content",
            "string",
            "Content of the note in text or HTML format. Subject to sanitization on the back-end.",
            required=True,
            default={"@path": "$.properties.content"},
        ),
    ),
)
