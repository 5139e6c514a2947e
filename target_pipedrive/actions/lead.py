"""upsert_lead: create or update a Lead (API v1 /leads: no v2 CRUD exists)."""

from __future__ import annotations

from .spec import ActionSpec, FieldSpec, match_pair, visible_to_field


def _trait_or_prop(name: str) -> dict[str, object]:
    return {
        "@if": {
            "exists": {"@path": f"$.traits.{name}"},
            "then": {"@path": f"$.traits.{name}"},
            "else": {"@path": f"$.properties.{name}"},
        }
    }


SPEC = ActionSpec(
    name="upsert_lead",
    title="Create or update Lead",
    description="Update a Lead in Pipedrive or create it if it doesn't exist yet.",
    default_trigger='type = "identify"',
    fields=(
        FieldSpec(
            "lead_id",
            "Lead ID",
            "string",
            "ID of Lead in Pipedrive to Update. If left empty, a new one will be created",
            default=_trait_or_prop("lead_id"),
        ),
        *match_pair(
            "person",
            "Person",
            default={"@path": "$.userId"},
            extra=" Required unless organization_match_value present",
        ),
        *match_pair(
            "organization",
            "Organization",
            default={"@path": "$.context.groupId"},
            extra=" Required unless person_match_value present",
        ),
        FieldSpec("title", "Title", "string", "The name of the Lead", required=True, default=_trait_or_prop("title")),
        FieldSpec("amount", "Amount", "number", "Potential value of the lead", default=_trait_or_prop("amount")),
        FieldSpec(
            "currency",
            "Currency",
            "string",
            "Three-letter code of the currency, e.g. USD",
            default=_trait_or_prop("currency"),
        ),
        FieldSpec(
            "expected_close_date",
            "Expected Close Date",
            "string",
            "The date the Deal created from the Lead is expected to close. In ISO 8601 format: YYYY-MM-DD.",
            default=_trait_or_prop("expected_close_date"),
        ),
        visible_to_field("Lead"),
    ),
)
