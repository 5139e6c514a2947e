"""upsert_person: create or update a Person (API v2 /persons)."""

from __future__ import annotations

from .spec import ActionSpec, FieldSpec, add_time_field, custom_fields_field, visible_to_field

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
            "string",
            "Email addresses for this person.",
            multiple=True,
            default={"@path": "$.traits.email"},
        ),
        FieldSpec(
            "phone",
            "Phone Number",
            "string",
            "Phone numbers for the person.",
            multiple=True,
            default={"@path": "$.traits.phone"},
        ),
        visible_to_field("Person"),
        add_time_field("person"),
        custom_fields_field(),
    ),
)
