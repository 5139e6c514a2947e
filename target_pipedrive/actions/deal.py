"""upsert_deal: create or update a Deal (API v2 /deals)."""

from __future__ import annotations

from .spec import ActionSpec, FieldSpec, add_time_field, custom_fields_field, match_pair, visible_to_field


def _prop(name: str) -> dict[str, str]:
    return {"@path": f"$.properties.{name}"}


SPEC = ActionSpec(
    name="upsert_deal",
    title="Create or update a Deal",
    description="Update a Deal in Pipedrive or create it if it doesn't exist yet.",
    default_trigger='type = "track" and event = "Deal Upserted"',
    fields=(
        *match_pair("deal", "Deal", default=_prop("deal_id")),
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
        FieldSpec("title", "Title", "string", "Deal title", required=True, default=_prop("title")),
        FieldSpec(
            "value", "Value", "string", "Value of the deal. If omitted, value will be set to 0.", default=_prop("value")
        ),
        FieldSpec(
            "currency",
            "Currency",
            "string",
            "Currency of the deal, a 3-character code. If omitted, the user's default currency applies.",
            default=_prop("currency"),
        ),
        FieldSpec(
            "stage_id",
            "Stage ID",
            "number",
            "The ID of the stage this Deal is placed in. If omitted, the first stage of the default pipeline.",
            default=_prop("stage_id"),
        ),
        FieldSpec(
            "status",
            "Status",
            "string",
            "Deal status - open, won, lost or deleted. If omitted, status will be set to open.",
            choices=("open", "won", "lost", "deleted"),
        ),
        FieldSpec(
            "expected_close_date",
            "Expected Close Date",
            "string",
            "The expected close date of the Deal. In ISO 8601 format: YYYY-MM-DD.",
            default=_prop("expected_close_date"),
        ),
        FieldSpec(
            "probability",
            "Success Probability",
            "number",
            "Deal success probability percentage.",
            default=_prop("success_probability"),
        ),
        FieldSpec(
            "lost_reason",
            "Lost Reason",
            "string",
            "Optional message about why the deal was lost (to be used when status=lost)",
            default=_prop("lost_reason"),
        ),
        visible_to_field("Deal"),
        add_time_field("deal"),
        custom_fields_field(),
    ),
)
