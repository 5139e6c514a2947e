"""upsert_organization: create or update an Organization (API v2 /organizations)."""

from __future__ import annotations

from typing import Any

from ..account.runtime import Runtime
from ..pipedrive import formats as values
from ..pipedrive.entities import ORGANIZATION
from . import common
from .plan import Reject, Skip, Write
from .spec import ActionSpec, FieldSpec, add_time_field, custom_fields_field, visible_to_field

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
        visible_to_field("Organization"),
        add_time_field("organization"),
        custom_fields_field(),
    ),
    entity="organization",
    segment_slug="createUpdateOrganization",
)


def plan(payload: dict[str, Any], rt: Runtime) -> Write | Skip:
    warnings: list[str] = []
    match, value, found = common.lookup(rt, ORGANIZATION, payload, "match_field", "match_value")
    body: dict[str, Any] = {}
    if common.given(payload, "name"):
        body["name"] = str(payload["name"])
    if (visibility := common.visible_to(rt, ORGANIZATION, payload)) is not None:
        body["visible_to"] = visibility
    if fields := common.custom_field_values(rt, ORGANIZATION, payload):
        body["custom_fields"] = fields
    how = "match on name or an 'External ID' field"
    if existing := common.update_found(ORGANIZATION, match, value, found, body, warnings, how):
        return existing
    update_body = common.snapshot(body)
    common.write_back(body, match, value, warnings)
    if not body.get("name"):
        raise Reject("a new organization needs a name: map the `name` field", field="name")
    if common.given(payload, "add_time"):
        body["add_time"] = common.convert(payload, "add_time", values.rfc3339)
    return Write(
        "POST",
        ORGANIZATION.collection,
        body,
        "created",
        remember=(match, value),
        warnings=warnings,
        update_body=update_body,
    )
