"""upsert_deal: create or update a Deal (API v2 /deals)."""

from __future__ import annotations

from typing import Any

from ..account.match import MatchField
from ..account.runtime import Runtime
from ..pipedrive import formats as values
from ..pipedrive.entities import DEAL, ORGANIZATION, PERSON
from . import common
from .plan import Archived, Reject, Skip, Write
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
            "value",
            "Value",
            "string",
            "Value of the deal. If omitted, value will be set to 0.",
            default=_prop("value"),
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
            "The ID of the stage this Deal is placed in. "
            "If omitted, the first stage of the default pipeline.",
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
    entity="deal",
    segment_slug="createUpdateDeal",
    # Body keys that the mapping names otherwise (summary counts, preserve names).
    body_fields={"person_id": "person_match_value", "org_id": "organization_match_value"},
)


def _body(payload: dict[str, Any], rt: Runtime, warnings: list[str]) -> dict[str, Any]:
    body: dict[str, Any] = {}
    if common.given(payload, "title"):
        body["title"] = str(payload["title"])
    if common.given(payload, "value"):
        body["value"] = common.convert(payload, "value", values.number, what="deal value")
    if common.given(payload, "currency"):
        body["currency"] = common.convert(payload, "currency", values.currency)
    if common.given(payload, "stage_id"):
        body["stage_id"] = common.convert(payload, "stage_id", values.integer, what="stage id")
    status = payload.get("status")
    if status in ("open", "won", "lost"):
        body["status"] = status
    if common.given(payload, "expected_close_date"):
        body["expected_close_date"] = common.convert(payload, "expected_close_date", values.date)
    if common.given(payload, "probability"):
        body["probability"] = common.convert(payload, "probability", values.number, what="probability")
    if common.given(payload, "lost_reason"):
        if status == "lost":
            body["lost_reason"] = str(payload["lost_reason"])
        else:
            # Pipedrive refuses a lost reason on a deal that is not lost.
            warnings.append("lost_reason is sent only with status 'lost'; it was left out")
    if (visibility := common.visible_to(rt, DEAL, payload)) is not None:
        body["visible_to"] = visibility
    if fields := common.custom_field_values(rt, DEAL, payload):
        body["custom_fields"] = fields
    if common.given(payload, "add_time") and rt.first_time("deal.add_time"):
        warnings.append("Pipedrive's API v2 cannot set a deal's creation time: add_time is not sent")
    return body


def plan(payload: dict[str, Any], rt: Runtime) -> Write | Skip:
    warnings: list[str] = []
    match: MatchField | None = None
    value: str | None = None
    found: int | None = None
    if common.given(payload, "deal_match_value"):
        match, value, found = common.lookup(rt, DEAL, payload, "deal_match_field", "deal_match_value")
    person_id = common.association(rt, PERSON, payload, "person", warnings)
    org_id = common.association(rt, ORGANIZATION, payload, "organization", warnings)
    body = _body(payload, rt, warnings)
    if person_id is not None:
        body["person_id"] = person_id
    if org_id is not None:
        body["org_id"] = org_id
    deleted = payload.get("status") == "deleted"
    if (gone := _archived(rt, match, value, found, deleted, warnings)) is not None:
        return gone
    if found is not None:
        return _update(found, match, value, body, deleted, warnings)
    if match is not None and match.kind == "id":
        raise Reject(f"deal {value} does not exist", field="deal_match_value")
    if deleted:
        return Skip("the deal is deleted and does not exist in Pipedrive", warnings)
    if person_id is None and org_id is None:
        raise Reject(
            "No related organization or person, unable to create deal: map person_match_value or "
            "organization_match_value to an existing person or organization",
            field="person_match_value",
        )
    return _create(match, value, body, warnings)


def _archived(
    rt: Runtime,
    match: MatchField | None,
    value: str | None,
    found: int | None,
    deleted: bool,
    warnings: list[str],
) -> Write | None:
    """Refuse to write to an archived deal; a deal marked deleted is deleted even when archived.

    Lists leave archived deals out: a miss may still be an archived deal, never to be created
    again. None when no archived deal is involved.
    """
    if found is not None and rt.finder.is_archived(DEAL, found) and not deleted:
        raise Archived(DEAL.label, found)
    if (
        found is None
        and match is not None
        and value is not None
        and (archived := rt.finder.find_archived(match, value)) is not None
    ):
        if deleted:
            gone = DEAL.item(archived)
            return Write("DELETE", gone, None, "deleted", warnings=warnings, entity_id=archived)
        raise Archived(DEAL.label, archived)
    return None


def _update(
    found: int,
    match: MatchField | None,
    value: str | None,
    body: dict[str, Any],
    deleted: bool,
    warnings: list[str],
) -> Write:
    """The write for a deal the lookup found: a DELETE when marked deleted, else a PATCH."""
    if deleted:
        # API v2 deletes only with DELETE: its PATCH schema still lists is_deleted, but the
        # migration guide says PATCH can no longer delete (a real account would keep the deal).
        return Write("DELETE", DEAL.item(found), None, "deleted", warnings=warnings, entity_id=found)
    remembered = (match, value) if match is not None and value is not None else None
    return Write(
        "PATCH",
        DEAL.item(found),
        body,
        "updated",
        remember=remembered,
        warnings=warnings,
        entity_id=found,
        update_body=body,
    )


def _create(match: MatchField | None, value: str | None, body: dict[str, Any], warnings: list[str]) -> Write:
    """The POST of a new deal, writing the match value back into it when there is one."""
    remember = None
    update_body = common.snapshot(body)
    if match is not None and value is not None:
        common.write_back(body, match, value, warnings)
        remember = (match, value)
    return Write(
        "POST",
        DEAL.collection,
        body,
        "created",
        remember=remember,
        warnings=warnings,
        update_body=update_body,
    )
