"""upsert_organization: create or update an Organization (API v2 /organizations)."""

from __future__ import annotations

from typing import Any

from ..account.runtime import Runtime
from ..pipedrive import formats as values
from ..pipedrive.entities import ORGANIZATION, PERSON
from . import common, spec
from .plan import Link, Reject, Skip, Write
from .spec import ActionSpec, FieldSpec

SPEC = ActionSpec(
    name="upsert_organization",
    title="Create or Update Organization",
    description="Update an organization in Pipedrive or create it if it doesn't exist yet.",
    default_trigger='type = "group"',
    fields=(
        FieldSpec(
            "match_field",
            "Match field",
            "string",
            "If present, used instead of field in settings to find existing organization in Pipedrive.",
        ),
        FieldSpec(
            "match_value",
            "Match value",
            "string",
            "Value to find existing organization by",
            required=True,
            default={"@path": "$.groupId"},
        ),
        FieldSpec(
            "name",
            "Organization Name",
            "string",
            "Name of the organization",
            default={"@path": "$.traits.name"},
        ),
        *spec.match_pair(
            "person",
            "Person",
            extra=" Once the organization is written, that existing person is linked to it (the person's "
            "org_id); never creates a person. A person of another organization is moved only with the "
            'mapping\'s "link": "move".',
        ),
        spec.owner_field("organization"),
        spec.visible_to_field("Organization"),
        spec.add_time_field("organization"),
        spec.custom_fields_field(),
    ),
    entity="organization",
    segment_slug="createUpdateOrganization",
    memo_fields=frozenset({"match_field", "match_value", "name", "visible_to", "add_time", "custom_fields"}),
)


def plan(payload: dict[str, Any], rt: Runtime) -> Write | Skip:
    warnings: list[str] = []
    match, value, found = common.lookup(rt, ORGANIZATION, payload, "match_field", "match_value")
    links = _person_link(rt, payload, warnings)
    body: dict[str, Any] = {}
    if common.given(payload, "name"):
        body["name"] = str(payload["name"])
    common.owned_fields(rt, ORGANIZATION, payload, body)
    how = "match on name or an 'External ID' field"
    if existing := common.update_found(ORGANIZATION, match, value, found, body, warnings, how):
        existing.links = links
        return existing
    update_body = common.snapshot(body)
    common.write_back(body, match, value, warnings)
    if not body.get("name"):
        raise Reject("a new organization needs a name: map the `name` field", field="name")
    if common.given(payload, "add_time"):
        body["add_time"] = common.convert(payload, "add_time", values.rfc3339)
    created = common.create(ORGANIZATION, body, update_body, warnings, remember=(match, value))
    created.links = links
    return created


def _person_link(rt: Runtime, payload: dict[str, Any], warnings: list[str]) -> tuple[Link, ...]:
    """The existing person to link to the organization once written (never a new person)."""
    person_id = common.association(rt, PERSON, payload, "person", warnings)
    if person_id is None:
        return ()
    name = f"person {payload['person_match_value']!r}"
    match = common.match_field(rt, PERSON, payload, "person_match_field")
    found_by = (match, str(payload["person_match_value"]).strip())
    return (Link(PERSON, person_id, "org_id", name, found_by),)
