"""upsert_organization: create or update an Organization (API v2 /organizations)."""

from __future__ import annotations

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
            "name", "Organization Name", "string", "Name of the organization", default={"@path": "$.traits.name"}
        ),
        visible_to_field("Organization"),
        add_time_field("organization"),
        custom_fields_field(),
    ),
)
