"""Archived deals and leads (Pipedrive changelog, effective 2025-07-15): lists leave them out and they
cannot be edited, so a record for one is skipped with a warning, never turned into a second entity,
whichever way the lookup went (ledger, prefetched list, search, id)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from .cli import Run, messages, run_target
from .test_associations import ACTIVITY, DEAL, LEAD, NOTE, SEED, config, mapping, track


def writes_since(sandbox: Any, seen: int) -> list[tuple[str, str]]:
    return [(e["method"], e["path"]) for e in sandbox.log()[seen:] if e["method"] != "GET"]


def assert_skipped_as_archived(run: Run, mapping_name: str, entity_id: Any) -> None:
    assert run.returncode == 0, run.stderr
    summary = run.summary()
    assert summary["skipped"] == 1 and summary["written"] == 0 and summary["rejected"] == 0
    assert summary["mappings"][mapping_name]["skipped"] == 1
    assert f"{entity_id} is archived" in run.stderr


def archived_deal(tmp_path: Path, cfg: dict[str, Any], api: Any) -> int:
    """A deal the target created (External ID d1), then archived by a user in Pipedrive."""
    first = track("Deal Upserted", "g1", deal_id="d1", title="Renewal", email="ann@acme.example")
    assert run_target(tmp_path, cfg, messages(*SEED, first)).returncode == 0
    [deal] = api.call("GET", "/api/v2/deals", params={"limit": 500})
    api.call("PATCH", f"/api/v2/deals/{deal['id']}", json={"is_archived": True})
    assert api.call("GET", "/api/v2/deals", params={"limit": 500}) == []
    return int(deal["id"])


CHANGED = track("Deal Upserted", "g1", deal_id="d1", title="Renewal 2027", email="ann@acme.example")


def test_an_archived_deal_found_through_the_ledger_is_skipped(tmp_path, sandbox, base_config, api):
    cfg = config(base_config, DEAL)
    deal_id = archived_deal(tmp_path, cfg, api)
    seen = len(sandbox.log())
    # Same ledger: it holds the deal's id; Pipedrive refuses the edit of an archived deal.
    run = run_target(tmp_path, cfg, messages(CHANGED))
    assert_skipped_as_archived(run, "deals", deal_id)
    assert writes_since(sandbox, seen) == [("PATCH", f"/api/v2/deals/{deal_id}")]
    assert len(api.call("GET", "/api/v2/deals/archived", params={"limit": 500})) == 1


@pytest.mark.parametrize("strategy", ["best", "segment"])
def test_an_archived_deal_missing_from_the_list_is_never_created_again(
    tmp_path, sandbox, base_config, api, strategy
):
    cfg = config(base_config, DEAL)
    deal_id = archived_deal(tmp_path, cfg, api)
    seen = len(sandbox.log())
    # A fresh disk (no ledger): the prefetched list (best) or the search (segment) is all there is.
    fresh = tmp_path / "fresh"
    fresh.mkdir()
    run = run_target(fresh, cfg | {"strategy": strategy}, messages(*SEED, CHANGED))
    assert run.returncode == 0, run.stderr
    assert run.summary()["mappings"]["deals"]["skipped"] == 1
    assert f"deal {deal_id} is archived" in run.stderr
    assert ("POST", "/api/v2/deals") not in writes_since(sandbox, seen)
    assert len(api.call("GET", "/api/v2/deals/archived", params={"limit": 500})) == 1
    assert api.call("GET", "/api/v2/deals", params={"limit": 500}) == []


def test_an_archived_deal_matched_by_id_is_skipped(tmp_path, sandbox, base_config, api):
    cfg = config(base_config, DEAL)
    deal_id = archived_deal(tmp_path, cfg, api)
    by_id = mapping(
        "deals by id",
        "upsert_deal",
        "Deal Upserted",
        deal_match_field="id",
        deal_match_value={"@path": "$.properties.id"},
        title={"@path": "$.properties.title"},
    )
    seen = len(sandbox.log())
    run = run_target(
        tmp_path, base_config | {"mappings": [by_id]}, messages(track("Deal Upserted", id=deal_id, title="X"))
    )
    assert_skipped_as_archived(run, "deals by id", deal_id)
    assert writes_since(sandbox, seen) == []


def test_an_archived_deal_can_still_be_deleted(tmp_path, sandbox, base_config, api):
    cfg = config(base_config, DEAL)
    deal_id = archived_deal(tmp_path, cfg, api)
    fresh = tmp_path / "fresh"
    fresh.mkdir()
    gone = track("Deal Upserted", "g1", deal_id="d1", title="Renewal", status="deleted")
    seen = len(sandbox.log())
    run = run_target(fresh, cfg, messages(gone))
    assert run.returncode == 0, run.stderr
    assert writes_since(sandbox, seen) == [("DELETE", f"/api/v2/deals/{deal_id}")]
    assert run.summary()["mappings"]["deals"]["deleted"] == 1


def archived_lead(tmp_path: Path, cfg: dict[str, Any], sandbox: Any, api: Any) -> tuple[dict[str, Any], str]:
    """A lead event the target wrote, and the id of its lead, then archived by a user in Pipedrive."""
    lead = track("Lead Upserted", title="Maybe", amount=500, email="ann@acme.example")
    lead["messageId"] = "lead-1"
    assert run_target(tmp_path, cfg, messages(*SEED, lead)).returncode == 0
    [created] = sandbox.entities("leads")
    api.call("PATCH", f"/api/v1/leads/{created['id']}", json={"is_archived": True})
    return lead, str(created["id"])


def test_an_archived_lead_is_skipped_not_created_again(tmp_path, sandbox, base_config, api):
    cfg = config(base_config, LEAD)
    lead, lead_id = archived_lead(tmp_path, cfg, sandbox, api)
    seen = len(sandbox.log())
    # The same event, changed at the source: its replay marker leads to the archived lead.
    changed = lead | {"properties": lead["properties"] | {"title": "Surely"}}
    run = run_target(tmp_path, cfg, messages(changed))
    assert_skipped_as_archived(run, "leads", lead_id)
    assert writes_since(sandbox, seen) == [("PATCH", f"/api/v1/leads/{lead_id}")]
    assert len(api.call("GET", "/api/v1/leads/archived")) == 1
    assert api.call("GET", "/api/v1/leads") in ([], None)


@pytest.mark.parametrize("ledger", ["fresh disk", "no ledger"])
def test_an_archived_lead_is_not_created_again_when_the_ledger_is_lost(
    tmp_path, sandbox, base_config, api, ledger
):
    """Without a ledger that knows the account, a lead is matched by its content on its person: the
    lead list leaves archived leads out, so GET /v1/leads/archived must be asked too."""
    cfg = config(base_config, LEAD)
    lead, lead_id = archived_lead(tmp_path, cfg, sandbox, api)
    fresh = tmp_path / "fresh"
    fresh.mkdir()
    lost = cfg if ledger == "fresh disk" else cfg | {"ledger_path": ""}
    seen = len(sandbox.log())
    run = run_target(fresh, lost, messages(*SEED, lead))
    assert run.returncode == 0, run.stderr
    assert run.summary()["mappings"]["leads"]["skipped"] == 1
    assert f"lead {lead_id} is archived" in run.stderr
    assert ("POST", "/api/v1/leads") not in writes_since(sandbox, seen)
    [person] = sandbox.entities("persons")
    asked = [e["query"] for e in sandbox.log()[seen:] if e["path"] == "/api/v1/leads/archived"]
    assert asked and all(query.get("person_id") == str(person["id"]) for query in asked), asked
    if ledger == "fresh disk":
        # That ledger knows the account now (no more content match): the event's marker leads to the lead.
        changed = lead | {"properties": lead["properties"] | {"title": "Surely"}}
        again = run_target(fresh, lost, messages(changed))
        assert_skipped_as_archived(again, "leads", lead_id)
    assert [item["id"] for item in api.call("GET", "/api/v1/leads/archived")] == [lead_id]
    assert api.call("GET", "/api/v1/leads") in ([], None)


def test_notes_and_activities_link_to_an_archived_deal_and_are_not_duplicated(
    tmp_path, sandbox, base_config, api
):
    """Pipedrive links notes and activities to archived deals; the deal lists leave them out, so a
    lookup through a fresh ledger must fall back on the archived deals, as the deal action does."""
    deal_link = {"deal_match_field": "External ID", "deal_match_value": {"@path": "$.properties.deal_id"}}
    activities = ACTIVITY | {"fields": ACTIVITY["fields"] | deal_link}
    cfg = config(base_config, DEAL, NOTE, activities)
    deal_id = archived_deal(tmp_path, cfg, api)
    note = track("Note Upserted", deal_id="d1", content="Called about the renewal")
    note["messageId"] = "note-1"
    call = track("Activity Upserted", deal_id="d1", subject="Renewal call", type="call")
    call["messageId"] = "call-1"
    for attempt in ("first", "second"):
        # Each time a fresh disk: the second finds what the first made by its content.
        fresh = tmp_path / attempt
        fresh.mkdir()
        run = run_target(fresh, cfg, messages(note, call))
        assert run.returncode == 0, run.stderr
        assert run.rejects == [] and run.summary()["rejected"] == 0, run.rejects
        outcome = "created" if attempt == "first" else "unchanged"
        mappings = run.summary()["mappings"]
        assert mappings["notes"][outcome] == 1 and mappings["activities"][outcome] == 1, mappings
    [made] = sandbox.entities("notes")
    assert made["deal_id"] == deal_id
    [activity] = sandbox.entities("activities")
    assert activity["deal_id"] == deal_id
    assert api.call("GET", "/api/v2/deals", params={"limit": 500}) == []


def test_a_note_links_to_an_archived_lead_and_is_not_duplicated(tmp_path, sandbox, base_config, api):
    """A note names its lead by id (no lookup that lists leave archived ones out of): linked as given,
    and found by its content on that lead when the ledger is lost."""
    notes = NOTE | {"fields": NOTE["fields"] | {"lead_id": {"@path": "$.properties.lead_id"}}}
    cfg = config(base_config, LEAD, notes)
    _, lead_id = archived_lead(tmp_path, cfg, sandbox, api)
    note = track("Note Upserted", lead_id=lead_id, content="Asked for a quote")
    note["messageId"] = "note-2"
    for attempt in ("first", "second"):
        fresh = tmp_path / attempt
        fresh.mkdir()
        run = run_target(fresh, cfg, messages(note))
        assert run.returncode == 0 and run.rejects == [], run.stderr
        outcome = "created" if attempt == "first" else "unchanged"
        assert run.summary()["mappings"]["notes"][outcome] == 1, run.summary()
    [made] = sandbox.entities("notes")
    assert made["lead_id"] == lead_id


def archived_listings(sandbox: Any, seen: int) -> list[dict[str, Any]]:
    """The queries of the archived-deal lists asked for since `seen`."""
    asked = sandbox.log()[seen:]
    return [e["query"] for e in asked if (e["method"], e["path"]) == ("GET", "/api/v2/deals/archived")]


def test_archived_deals_are_listed_whole_once_then_only_their_changes(tmp_path, sandbox, base_config, api):
    """The ledger's key index keeps the archived deals' keys: a later run that misses a deal asks for the
    archived deals changed since (updated_since), not for every archived deal again (20 tokens a page)."""
    cfg = config(base_config, DEAL)
    deal_id = archived_deal(tmp_path, cfg, api)
    # Another working folder: its ledger has never seen the deal, so only the archived list knows it.
    other = tmp_path / "other"
    other.mkdir()
    seen = len(sandbox.log())
    run = run_target(other, cfg, messages(*SEED, CHANGED))
    assert run.returncode == 0, run.stderr
    assert run.summary()["mappings"]["deals"]["skipped"] == 1
    assert f"deal {deal_id} is archived" in run.stderr
    whole = archived_listings(sandbox, seen)
    assert whole and not any("updated_since" in query for query in whole)

    seen = len(sandbox.log())
    new = track("Deal Upserted", "g1", deal_id="d2", title="Expansion", email="ann@acme.example")
    run = run_target(other, cfg, messages(new, CHANGED))
    assert run.returncode == 0, run.stderr
    deals = run.summary()["mappings"]["deals"]
    assert deals["skipped"] == 1 and deals["created"] == 1, deals
    changes = archived_listings(sandbox, seen)
    assert changes and all("updated_since" in query for query in changes), changes
    assert [d["custom_fields"][api.field_key("deal", "External ID")] for d in sandbox.entities("deals")] == [
        "d1",
        "d2",
    ]
