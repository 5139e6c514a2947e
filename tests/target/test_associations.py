"""Organizations, deals, activities, leads and notes over real HTTP, with their associations."""

from __future__ import annotations

from typing import Any

import pytest

from .cli import messages, run_target

ORG = {
    "name": "orgs",
    "trigger": 'type = "group"',
    "action": "upsert_organization",
    "fields": {
        "match_field": "External ID",
        "match_value": {"@path": "$.groupId"},
        "name": {"@path": "$.traits.name"},
    },
}
PERSON = {
    "name": "people",
    "trigger": 'type = "identify"',
    "action": "upsert_person",
    "fields": {
        "match_field": "email",
        "match_value": {"@path": "$.traits.email"},
        "name": {"@path": "$.traits.name"},
    },
}
LINKS = {
    "person_match_field": "email",
    "person_match_value": {"@path": "$.properties.email"},
    "organization_match_field": "External ID",
    "organization_match_value": {"@path": "$.context.groupId"},
}


def track(event: str, group: str | None = None, **properties: Any) -> dict[str, Any]:
    record: dict[str, Any] = {"type": "track", "event": event, "properties": properties}
    if group:
        record["context"] = {"groupId": group}
    return record


def mapping(name: str, action: str, event: str, **fields: Any) -> dict[str, Any]:
    return {
        "name": name,
        "trigger": f'type = "track" and event = "{event}"',
        "action": action,
        "fields": fields,
    }


SEED = [
    {"type": "group", "groupId": "g1", "traits": {"name": "Acme"}},
    {"type": "identify", "userId": "u1", "traits": {"email": "ann@acme.example", "name": "Ann"}},
]

DEAL = mapping(
    "deals",
    "upsert_deal",
    "Deal Upserted",
    deal_match_field="External ID",
    deal_match_value={"@path": "$.properties.deal_id"},
    title={"@path": "$.properties.title"},
    value={"@path": "$.properties.value"},
    currency={"@path": "$.properties.currency"},
    status={"@path": "$.properties.status"},
    custom_fields={"Region": {"@path": "$.properties.region"}},
    **LINKS,
)


def config(base: dict[str, Any], *extra: dict[str, Any]) -> dict[str, Any]:
    return base | {"mappings": [ORG, PERSON, *extra]}


def test_organization_created_then_updated(tmp_path, sandbox, base_config, api):
    cfg = config(base_config)
    assert run_target(tmp_path, cfg, messages(SEED[0])).returncode == 0
    renamed = {"type": "group", "groupId": "g1", "traits": {"name": "Acme Corp"}}
    assert run_target(tmp_path, cfg, messages(renamed)).returncode == 0
    [org] = sandbox.entities("organizations")
    assert org["name"] == "Acme Corp"
    assert org["custom_fields"][api.field_key("organization", "External ID")] == "g1"


def test_deal_with_person_and_org_created_then_updated(tmp_path, sandbox, base_config, api):
    cfg = config(base_config, DEAL)
    deal = track(
        "Deal Upserted",
        "g1",
        deal_id="d1",
        title="Big",
        value="4800.50",
        currency="usd",
        email="ann@acme.example",
        region="EMEA",
        status="open",
    )
    run = run_target(tmp_path, cfg, messages(*SEED, deal))
    assert run.returncode == 0, run.stderr
    [person], [org] = sandbox.entities("persons"), sandbox.entities("organizations")
    [created] = sandbox.entities("deals")
    assert created["person_id"] == person["id"] and created["org_id"] == org["id"]
    assert created["value"] == 4800.5 and created["currency"] == "USD"
    assert created["custom_fields"][api.field_key("deal", "Region")] == api.option_id(
        "deal", "Region", "EMEA"
    )
    assert created["custom_fields"][api.field_key("deal", "External ID")] == "d1"
    won = track("Deal Upserted", "g1", deal_id="d1", title="Big", status="won", email="ann@acme.example")
    assert run_target(tmp_path, cfg, messages(won)).returncode == 0
    [updated] = sandbox.entities("deals")
    assert updated["id"] == created["id"] and updated["status"] == "won"


def test_deal_without_any_association_is_rejected(tmp_path, sandbox, base_config):
    deal = track("Deal Upserted", "nope", deal_id="d2", title="Orphan", email="nobody@example.com")
    run = run_target(tmp_path, config(base_config, DEAL), messages(deal))
    assert run.returncode == 0, run.stderr
    [reject] = run.rejects
    assert "No related organization or person" in reject["reason"]
    assert sandbox.entities("deals") == []


def test_deal_with_one_association_missing_links_the_other(tmp_path, sandbox, base_config):
    deal = track("Deal Upserted", "g1", deal_id="d3", title="Half", email="ghost@example.com")
    run = run_target(tmp_path, config(base_config, DEAL), messages(SEED[0], deal))
    assert run.returncode == 0, run.stderr
    [created] = sandbox.entities("deals")
    assert created["person_id"] is None and created["org_id"] is not None
    assert "ghost@example.com" in run.stderr


def test_deal_status_deleted_marks_existing_deal_deleted(tmp_path, sandbox, base_config):
    cfg = config(base_config, DEAL)
    deal = track("Deal Upserted", "g1", deal_id="d4", title="Gone soon", email="ann@acme.example")
    assert run_target(tmp_path, cfg, messages(*SEED, deal)).returncode == 0
    [kept] = sandbox.entities("deals")
    seen = len(sandbox.log())
    gone = track("Deal Upserted", "g1", deal_id="d4", title="Gone soon", status="deleted")
    run = run_target(tmp_path, cfg, messages(gone, gone))
    assert run.returncode == 0, run.stderr
    # API v2 deletes with DELETE only; PATCH {"is_deleted": true} leaves a real deal alive.
    writes = [(e["method"], e["path"]) for e in sandbox.log()[seen:] if e["method"] != "GET"]
    assert writes == [("DELETE", f"/api/v2/deals/{kept['id']}")]
    assert sandbox.entities("deals") == []
    deals = run.summary()["mappings"]["deals"]
    # The second event finds no deal to delete: nothing is sent, nothing created.
    assert deals["deleted"] == 1 and deals["unchanged"] == 1 and deals["created"] == 0


def test_deal_invalid_value_is_rejected(tmp_path, sandbox, base_config):
    deal = track("Deal Upserted", "g1", deal_id="d5", title="Bad", value="lots", email="ann@acme.example")
    run = run_target(tmp_path, config(base_config, DEAL), messages(*SEED, deal))
    assert run.returncode == 0, run.stderr
    [reject] = run.rejects
    assert reject["field"] == "value"
    assert sandbox.entities("deals") == []


ACTIVITY = mapping(
    "activities",
    "upsert_activity",
    "Activity Upserted",
    activity_id={"@path": "$.properties.activity_id"},
    subject={"@path": "$.properties.subject"},
    type={"@path": "$.properties.type"},
    due_date={"@path": "$.properties.due_date"},
    due_time={"@path": "$.properties.due_time"},
    duration={"@path": "$.properties.duration"},
    done={"@path": "$.properties.done"},
    description={"@path": "$.properties.description"},
    **LINKS,
)


def test_activity_created_with_participant_then_updated_by_id(tmp_path, sandbox, base_config):
    cfg = config(base_config, ACTIVITY)
    call = track(
        "Activity Upserted",
        "g1",
        subject="Call Ann",
        type="Call",
        due_date="2026-12-01",
        due_time="9:30",
        duration="01:15",
        done=False,
        email="ann@acme.example",
        description="hi",
    )
    run = run_target(tmp_path, cfg, messages(*SEED, call))
    assert run.returncode == 0, run.stderr
    [person] = sandbox.entities("persons")
    [activity] = sandbox.entities("activities")
    assert activity["type"] == "call"
    assert activity["due_time"].startswith("09:30") and activity["duration"].startswith("01:15")
    assert activity["participants"][0]["person_id"] == person["id"]
    assert activity["public_description"] == "hi"
    done = track("Activity Upserted", activity_id=activity["id"], done=True)
    assert run_target(tmp_path, cfg, messages(done)).returncode == 0
    [updated] = sandbox.entities("activities")
    assert updated["done"] is True and updated["subject"] == "Call Ann"


def test_activity_update_of_missing_id_is_rejected(tmp_path, sandbox, base_config):
    run = run_target(
        tmp_path,
        config(base_config, ACTIVITY),
        messages(track("Activity Upserted", activity_id=999, done=True)),
    )
    assert run.returncode == 0, run.stderr
    [reject] = run.rejects
    assert reject["http_status"] == 404
    assert sandbox.entities("activities") == []


@pytest.mark.parametrize(
    ("prop", "value"), [("due_time", "25:00"), ("type", "telepathy"), ("due_date", "2026-13-01")]
)
def test_activity_invalid_values_are_rejected(tmp_path, sandbox, base_config, prop, value):
    event = track("Activity Upserted", subject="X", **{prop: value})
    run = run_target(tmp_path, config(base_config, ACTIVITY), messages(event))
    assert run.returncode == 0, run.stderr
    [reject] = run.rejects
    assert reject["field"] == prop
    assert sandbox.entities("activities") == []


LEAD = mapping(
    "leads",
    "upsert_lead",
    "Lead Upserted",
    lead_id={"@path": "$.properties.lead_id"},
    title={"@path": "$.properties.title"},
    amount={"@path": "$.properties.amount"},
    currency={"@path": "$.properties.currency"},
    visible_to={"@path": "$.properties.visible_to"},
    **LINKS,
)


def test_lead_created_with_person_and_default_currency_then_updated(tmp_path, sandbox, base_config):
    cfg = config(base_config, LEAD)
    lead = track("Lead Upserted", title="Maybe", amount=500, email="ann@acme.example", visible_to=3)
    run = run_target(tmp_path, cfg, messages(*SEED, lead))
    assert run.returncode == 0, run.stderr
    [person] = sandbox.entities("persons")
    [created] = sandbox.entities("leads")
    assert created["person_id"] == person["id"]
    assert created["value"] == {"amount": 500, "currency": "USD"}
    assert created["visible_to"] == "3"
    again = track("Lead Upserted", lead_id=created["id"], title="Surely")
    assert run_target(tmp_path, cfg, messages(again)).returncode == 0
    [updated] = sandbox.entities("leads")
    assert updated["title"] == "Surely"


def test_lead_without_association_is_rejected(tmp_path, sandbox, base_config):
    run = run_target(tmp_path, config(base_config, LEAD), messages(track("Lead Upserted", title="Orphan")))
    assert run.returncode == 0, run.stderr
    [reject] = run.rejects
    assert "No related organization or person" in reject["reason"]


NOTE = mapping(
    "notes",
    "upsert_note",
    "Note Upserted",
    note_id={"@path": "$.properties.note_id"},
    content={"@path": "$.properties.content"},
    deal_match_field="External ID",
    deal_match_value={"@path": "$.properties.deal_id"},
    **LINKS,
)


def test_note_linked_to_deal_and_person_then_updated(tmp_path, sandbox, base_config):
    cfg = config(base_config, DEAL, NOTE)
    deal = track("Deal Upserted", "g1", deal_id="d9", title="Noted", email="ann@acme.example")
    note = track("Note Upserted", deal_id="d9", content="<b>hello</b>", email="ann@acme.example")
    run = run_target(tmp_path, cfg, messages(*SEED, deal, note))
    assert run.returncode == 0, run.stderr
    [created_deal] = sandbox.entities("deals")
    [created] = sandbox.entities("notes")
    assert created["deal_id"] == created_deal["id"] and created["person_id"] is not None
    edit = track("Note Upserted", note_id=created["id"], content="edited", deal_id="d9")
    assert run_target(tmp_path, cfg, messages(edit)).returncode == 0
    [updated] = sandbox.entities("notes")
    assert updated["content"] == "edited"


def test_note_without_any_link_is_rejected(tmp_path, sandbox, base_config):
    run = run_target(tmp_path, config(base_config, NOTE), messages(track("Note Upserted", content="lonely")))
    assert run.returncode == 0, run.stderr
    [reject] = run.rejects
    assert "must be linked" in reject["reason"]
    assert sandbox.entities("notes") == []


def test_a_deal_finds_the_person_created_earlier_in_the_run_despite_search_lag(
    tmp_path, sandbox, base_config
):
    sandbox.configure(search_delay=30)
    deal = track("Deal Upserted", "g1", deal_id="d7", title="Lag", email="ann@acme.example")
    run = run_target(tmp_path, config(base_config, DEAL), messages(*SEED, deal))
    assert run.returncode == 0, run.stderr
    [created] = sandbox.entities("deals")
    assert created["person_id"] is not None and created["org_id"] is not None


def test_activity_update_by_id_holding_the_same_times_sends_nothing(tmp_path, sandbox, base_config):
    # Pipedrive answers due_time and duration with seconds ("09:30:00"); the record's "09:30" is the
    # same time. Without a ledger the update is compared with the activity as read: unchanged.
    cfg = config(base_config, ACTIVITY)
    first = track("Activity Upserted", subject="Call", type="Call", due_time="09:30", duration="01:15")
    assert run_target(tmp_path, cfg, messages(first)).returncode == 0
    [activity] = sandbox.entities("activities")
    assert (activity["due_time"], activity["duration"]) == ("09:30:00", "01:15:00")
    again = track(
        "Activity Upserted", activity_id=activity["id"], subject="Call", due_time="09:30", duration="01:15"
    )
    seq = sandbox.log()[-1]["seq"]
    run = run_target(tmp_path, cfg | {"ledger_path": ""}, messages(again))
    assert run.returncode == 0, run.stderr
    assert not [e for e in sandbox.log() if e["seq"] > seq and e["method"] in ("PATCH", "PUT")]
    assert run.summary()["mappings"]["activities"]["unchanged"] == 1


def test_two_message_ids_that_differ_only_in_lone_surrogates_are_two_notes(tmp_path, sandbox, base_config):
    # Lone surrogates are replaced (Pipedrive stores Unicode only), but not in a way that folds two
    # events into one: each keeps its note, and a rerun changes nothing.
    cfg = config(base_config, NOTE)
    notes = [
        track("Note Upserted", content=content, email="ann@acme.example") | {"messageId": message_id}
        for content, message_id in (("note A", "m\ud800"), ("note B", "m\udfff"))
    ]
    run = run_target(tmp_path, cfg, messages(*SEED, *notes))
    assert run.returncode == 0, run.stderr
    assert sorted(note["content"] for note in sandbox.entities("notes")) == ["note A", "note B"]
    again = run_target(tmp_path, cfg, messages(*SEED, *notes))
    assert again.summary()["mappings"]["notes"]["unchanged"] == 2
    assert len(sandbox.entities("notes")) == 2
