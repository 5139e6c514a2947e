"""upsert_lead: create or update a Lead (API v1 /leads: no v2 CRUD exists)."""

from __future__ import annotations

from typing import Any

from ..account.runtime import Runtime
from ..pipedrive import formats as values
from ..pipedrive.entities import LEAD
from . import common
from .plan import Skip, Write
from .spec import ActionSpec, FieldSpec, owner_field, required_links, visible_to_field


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
        *required_links(),
        FieldSpec(
            "title", "Title", "string", "The name of the Lead", required=True, default=_trait_or_prop("title")
        ),
        FieldSpec(
            "amount", "Amount", "number", "Potential value of the lead", default=_trait_or_prop("amount")
        ),
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
        FieldSpec(
            "labels",
            "Labels",
            "string",
            "The lead's labels, by name or id, one or many (sent as label_ids). An unknown label rejects "
            "the record with the valid ones.",
            multiple=True,
            directory="label",
        ),
        owner_field("lead"),
        visible_to_field("Lead"),
    ),
    entity="lead",
    segment_slug="createUpdateLead",
    # No match field: a replayed event is recognised by its marker, which fills in this id.
    marker_id="lead_id",
    # Body keys that the mapping names otherwise (summary counts, preserve names).
    body_fields={
        "value": "amount",
        "person_id": "person_match_value",
        "organization_id": "organization_match_value",
        "label_ids": "labels",
    },
    # A lead"s currency is part of its value.
    field_aliases={"currency": "value"},
    # The links a lost create is looked for on (API v1 lists by link), in this order.
    content_links=("person_id", "organization_id"),
)


def plan(payload: dict[str, Any], rt: Runtime) -> Write | Skip:
    warnings: list[str] = []
    body: dict[str, Any] = {}
    if common.given(payload, "title"):
        body["title"] = str(payload["title"])
    if common.given(payload, "amount"):
        amount = common.convert(payload, "amount", values.number, what="amount")
        # Without a currency, an update keeps the lead's own (policy.lead_value reads it); a create
        # takes the user's default currency, as Pipedrive's own forms do.
        code = None
        if common.given(payload, "currency"):
            code = common.convert(payload, "currency", values.currency)
        body["value"] = {"amount": amount, "currency": code}
    elif common.given(payload, "currency"):
        warnings.append("currency without amount: the lead's value is left as it is")
    if common.given(payload, "expected_close_date"):
        body["expected_close_date"] = common.convert(payload, "expected_close_date", values.date)
    common.owned_fields(rt, LEAD, payload, body)
    if "visible_to" in body:
        # Leads live on API v1, where visible_to is a string.
        body["visible_to"] = str(body["visible_to"])
    if common.given(payload, "labels"):
        body["label_ids"] = list(dict.fromkeys(common.convert(payload, "labels", _label_ids, rt=rt)))
    person_id, org_id = common.person_and_organization(rt, payload, warnings)
    if person_id is not None:
        body["person_id"] = person_id
    if org_id is not None:
        body["organization_id"] = org_id
    if common.given(payload, "lead_id"):
        lead_id = str(payload["lead_id"]).strip()
        return common.update(LEAD, lead_id, body, warnings)
    common.require_link(person_id, org_id, "lead")
    update_body = common.snapshot(body)
    if "value" in body and body["value"]["currency"] is None:
        body["value"] = {**body["value"], "currency": rt.default_currency()}
    return common.create(LEAD, body, update_body, warnings)


def _label_ids(labels: list[Any], rt: Runtime) -> list[str]:
    return [rt.directory.label(label) for label in labels]
