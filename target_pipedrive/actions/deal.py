"""upsert_deal: create or update a Deal (API v2 /deals)."""

from __future__ import annotations

from typing import Any

from ..account.finder import LookupRejected
from ..account.match import MatchField
from ..account.runtime import Runtime
from ..pipedrive import formats as values
from ..pipedrive.entities import DEAL
from . import common, spec
from .plan import Archived, Reject, Skip, Write
from .spec import ActionSpec, FieldSpec

SPEC = ActionSpec(
    name="upsert_deal",
    title="Create or update a Deal",
    description="Update a Deal in Pipedrive or create it if it doesn't exist yet.",
    default_trigger='type = "track" and event = "Deal Upserted"',
    fields=(
        *spec.match_pair("deal", "Deal", default=spec.prop("deal_id")),
        *spec.required_links(),
        FieldSpec("title", "Title", "string", "Deal title", required=True, default=spec.prop("title")),
        FieldSpec(
            "value",
            "Value",
            "string",
            "Value of the deal. If omitted, value will be set to 0.",
            default=spec.prop("value"),
        ),
        FieldSpec(
            "currency",
            "Currency",
            "string",
            "Currency of the deal, a 3-character code. If omitted, the user's default currency applies.",
            default=spec.prop("currency"),
        ),
        FieldSpec(
            "stage_id",
            "Stage ID",
            "number",
            "The ID of the stage this Deal is placed in. "
            "If omitted, the first stage of the default pipeline.",
            default=spec.prop("stage_id"),
        ),
        FieldSpec(
            "pipeline",
            "Pipeline",
            "string",
            "The pipeline the Deal is placed in, by name or id (sent as pipeline_id). Given alone, the "
            "deal goes to the pipeline's first stage.",
            directory="pipeline",
        ),
        FieldSpec(
            "stage",
            "Stage",
            "string",
            'The stage the Deal is placed in: a stage name, "Pipeline / Stage", or an id (sent as '
            "stage_id). A name found in several pipelines needs the pipeline. Takes the place of stage_id.",
            directory="stage",
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
            default=spec.prop("expected_close_date"),
        ),
        FieldSpec(
            "probability",
            "Success Probability",
            "number",
            "Deal success probability percentage.",
            default=spec.prop("success_probability"),
        ),
        FieldSpec(
            "lost_reason",
            "Lost Reason",
            "string",
            "Optional message about why the deal was lost (to be used when status=lost)",
            default=spec.prop("lost_reason"),
        ),
        spec.owner_field("deal"),
        spec.visible_to_field("Deal"),
        spec.add_time_field("deal"),
        spec.custom_fields_field(),
    ),
    entity="deal",
    segment_slug="createUpdateDeal",
    # Body keys that the mapping names otherwise (summary counts, preserve names).
    body_fields={**spec.LINK_BODY, "pipeline_id": "pipeline"},
    # `stage` names the body's stage_id too (stage_id, the older field, is its key).
    field_aliases={"stage": "stage_id"},
)


def _body(payload: dict[str, Any], rt: Runtime, warnings: list[str]) -> dict[str, Any]:
    body: dict[str, Any] = {}
    if common.given(payload, "title"):
        body["title"] = str(payload["title"])
    if common.given(payload, "value"):
        body["value"] = common.convert(payload, "value", values.number, what="deal value")
    if common.given(payload, "currency"):
        body["currency"] = common.convert(payload, "currency", values.currency)
    _placement(payload, rt, body, warnings)
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
    common.owned_fields(rt, DEAL, payload, body)
    if common.given(payload, "add_time") and rt.first_time("deal.add_time"):
        warnings.append("Pipedrive's API v2 cannot set a deal's creation time: add_time is not sent")
    return body


def _placement(payload: dict[str, Any], rt: Runtime, body: dict[str, Any], warnings: list[str]) -> None:
    """`pipeline` and `stage` (names or ids, read from the account's directory) as pipeline_id and
    stage_id; the older numeric `stage_id` when no `stage` is given."""
    pipeline_id = None
    if common.given(payload, "pipeline"):
        pipeline_id = common.convert(payload, "pipeline", rt.directory.pipeline)
        body["pipeline_id"] = pipeline_id
    if common.given(payload, "stage"):
        stage = common.convert(payload, "stage", lambda wanted: rt.directory.stage(wanted, pipeline_id))
        body["stage_id"] = stage.id
        if common.given(payload, "stage_id"):
            warnings.append("both stage and stage_id are mapped: stage is sent, stage_id left out")
    elif common.given(payload, "stage_id"):
        stage_id = common.convert(payload, "stage_id", values.integer, what="stage id")
        if pipeline_id is not None:
            # Pipedrive would ignore pipeline_id and place the deal in the stage's own pipeline.
            common.convert(payload, "stage_id", lambda wanted: rt.directory.stage(stage_id, pipeline_id))
        body["stage_id"] = stage_id


def plan(payload: dict[str, Any], rt: Runtime) -> Write | Skip:
    warnings: list[str] = []
    match: MatchField | None = None
    value: str | None = None
    found: int | None = None
    if common.given(payload, "deal_match_value"):
        match, value, found = common.lookup(rt, DEAL, payload, "deal_match_field", "deal_match_value")
    deleted = payload.get("status") == "deleted"
    person_id, org_id = common.person_and_organization(rt, payload, warnings)
    # A deal to delete needs no body: an owner or stage name the account lacks must not stop the delete.
    body = {} if deleted else _body(payload, rt, warnings)
    if person_id is not None:
        body["person_id"] = person_id
    if org_id is not None:
        body["org_id"] = org_id
    if (gone := _archived(rt, match, value, found, deleted, warnings)) is not None:
        return gone
    if found is not None:
        return _update(found, match, value, body, deleted, warnings)
    if match is not None and match.kind == "id":
        raise Reject(f"deal {value} does not exist", field="deal_match_value")
    if deleted:
        return Skip("the deal is deleted and does not exist in Pipedrive", warnings)
    common.require_link(person_id, org_id, "deal")
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
    if found is not None or match is None or value is None:
        return None
    try:
        archived = rt.finder.find_archived(match, value)
    except LookupRejected as exc:
        raise Reject(str(exc), field="deal_match_value") from exc
    if archived is not None:
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
    return common.create(DEAL, body, update_body, warnings, remember=remember)
