"""upsert_note: create or update a Note (API v1 /notes: no v2 exists)."""

from __future__ import annotations

from typing import Any

from ..account.runtime import Runtime
from ..pipedrive import formats as values
from ..pipedrive.entities import DEAL, NOTE, ORGANIZATION, PERSON
from . import common
from .plan import Reject, Skip, Write
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
    entity="note",
    segment_slug="createUpdateNote",
    # No match field: a replayed event is recognised by its marker, which fills in this id.
    marker_id="note_id",
    # Body keys that the mapping names otherwise (summary counts, preserve names).
    body_fields={
        "person_id": "person_match_value",
        "org_id": "organization_match_value",
        "deal_id": "deal_match_value",
    },
    # The links a lost create is looked for on (API v1 lists by link), in this order.
    content_links=("lead_id", "deal_id", "person_id", "org_id"),
)


def plan(payload: dict[str, Any], rt: Runtime) -> Write | Skip:
    warnings: list[str] = []
    body: dict[str, Any] = {"content": str(payload["content"])}
    if common.given(payload, "lead_id"):
        body["lead_id"] = str(payload["lead_id"]).strip()
    for entity, prefix, key in ((PERSON, "person", "person_id"), (ORGANIZATION, "organization", "org_id")):
        found = common.association(rt, entity, payload, prefix, warnings)
        if found is not None:
            body[key] = found
    deal_id = common.association(rt, DEAL, payload, "deal", warnings)
    if deal_id is not None:
        body["deal_id"] = deal_id
    if common.given(payload, "note_id"):
        note_id = common.convert(payload, "note_id", values.integer, what="note id")
        return Write(
            "PUT", NOTE.item(note_id), body, "updated", warnings=warnings, entity_id=note_id, update_body=body
        )
    if len(body) == 1:
        raise Reject(
            "a note must be linked to a lead, person, organization or deal, and none was found: map lead_id "
            "or a match value of an existing entity",
            field="person_match_value",
        )
    return Write("POST", NOTE.collection, body, "created", warnings=warnings, update_body=body)
