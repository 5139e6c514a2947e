"""upsert_person: create or update a Person (API v2 /persons)."""

from __future__ import annotations

from typing import Any

from ..account.runtime import Runtime
from ..pipedrive import formats as values
from ..pipedrive.entities import ORGANIZATION, PERSON
from . import common, policy, spec
from .plan import Reject, Skip, Write
from .spec import ActionSpec, FieldSpec

SPEC = ActionSpec(
    name="upsert_person",
    title="Create or Update Person",
    description="Update a person in Pipedrive or create them if they don't exist yet.",
    default_trigger='type = "identify"',
    fields=(
        FieldSpec(
            "match_field",
            "Match field",
            "string",
            "If present, used instead of field in settings to find existing person in Pipedrive.",
        ),
        FieldSpec(
            "match_value",
            "Match value",
            "string",
            "Value to find existing person by",
            required=True,
            default={"@path": "$.userId"},
        ),
        FieldSpec("name", "Person Name", "string", "Name of the person", default={"@path": "$.traits.name"}),
        FieldSpec(
            "email",
            "Email Address",
            "contact",
            "Email addresses for this person: strings, or objects {value, label, primary} (labels work, "
            "home, mobile, other). An update adds the missing ones and keeps the others "
            "(docs/write-policy.md).",
            multiple=True,
            default={"@path": "$.traits.email"},
        ),
        FieldSpec(
            "phone",
            "Phone Number",
            "contact",
            "Phone numbers for the person: strings, or objects {value, label, primary} (labels work, "
            "home, mobile, other). An update adds the missing ones and keeps the others "
            "(docs/write-policy.md).",
            multiple=True,
            default={"@path": "$.traits.phone"},
        ),
        *spec.match_pair(
            "organization",
            "Organization",
            extra=" The person is linked to it (org_id); a link never creates the organization.",
        ),
        spec.owner_field("person"),
        spec.visible_to_field("Person"),
        spec.add_time_field("person"),
        spec.custom_fields_field(),
    ),
    entity="person",
    segment_slug="createUpdatePerson",
    # Body keys that the mapping names otherwise (summary counts, preserve names).
    body_fields={
        "emails": "email",
        "phones": "phone",
        "org_id": spec.LINK_BODY["org_id"],
    },
    # Lists merged with what the entity holds, and what tells their items apart.
    merged_lists={"emails": "email", "phones": "phone"},
    memo_fields=frozenset(
        {"match_field", "match_value", "name", "email", "phone", "visible_to", "add_time", "custom_fields"}
    ),
)


def plan(payload: dict[str, Any], rt: Runtime) -> Write | Skip:
    warnings: list[str] = []
    match, value, found = common.lookup(rt, PERSON, payload, "match_field", "match_value")
    body: dict[str, Any] = {}
    if common.given(payload, "name"):
        body["name"] = str(payload["name"])
    if common.given(payload, "email"):
        body["emails"] = common.emails(payload["email"])
    if common.given(payload, "phone"):
        body["phones"] = common.contacts(payload["phone"])
    # A link never creates the organization: not found, it is left out (a warning) and, with no digest
    # of org_id kept, tried again on a later run.
    if (org_id := common.association(rt, ORGANIZATION, payload, "organization", warnings)) is not None:
        body["org_id"] = org_id
    common.owned_fields(rt, PERSON, payload, body)
    how = "match on email or an 'External ID' field"
    if existing := common.update_found(PERSON, match, value, found, body, warnings, how):
        return existing
    update_body = common.snapshot(body)
    for key in ("emails", "phones"):
        if key in body:
            body[key] = policy.complete_contacts(body[key])
    common.write_back(body, match, value, warnings)
    if not body.get("name"):
        emails = body.get("emails") or []
        if not emails:
            raise Reject("a new person needs a name: map the `name` field", field="name")
        # Pipedrive requires a name; the address is what its own web forms fall back to.
        body["name"] = emails[0]["value"]
        warnings.append("no name given: the new person is named after their email address")
    if common.given(payload, "add_time"):
        body["add_time"] = common.convert(payload, "add_time", values.rfc3339)
    return common.create(PERSON, body, update_body, warnings, remember=(match, value))
