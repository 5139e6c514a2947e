"""The write path in-process: plan, narrow, write, remember, account, on a run built as the target's."""

from __future__ import annotations

from typing import Any

import pytest
import requests

from target_pipedrive.run.rejects import TooManyRejects

from .conftest import NOTES, PEOPLE, identify, writes


def _report(feeder: Any) -> dict[str, Any]:
    return feeder.run.report()


def test_a_create_then_an_unchanged_rerun_sends_nothing(make_run, sandbox):
    first = make_run([PEOPLE])
    first.feed(identify("ada@example.test", "Ada"))
    first.run.end()
    assert writes(sandbox) == [("POST", "/api/v2/persons")]
    seen = len(sandbox.log())

    again = make_run([PEOPLE])
    again.feed(identify("ada@example.test", "Ada"))
    assert sandbox.log()[seen:] == []  # the ledger knows the person and the values it was given
    report = _report(again)
    assert (report["records_in"], report["unchanged"], report["written"]) == (1, 1, 0)
    assert report["mappings"]["People"]["api_calls"] == 0


def test_an_update_sends_only_the_field_that_changed(make_run, sandbox):
    first = make_run([PEOPLE])
    first.feed(identify("ada@example.test", "Ada"))
    first.run.end()
    seen = len(sandbox.log())

    again = make_run([PEOPLE])
    again.feed(identify("ada@example.test", "Ada Lovelace"))
    [patch] = [entry for entry in sandbox.log()[seen:] if entry["method"] == "PATCH"]
    assert patch["body"] == {"name": "Ada Lovelace"}
    assert again.run.report()["mappings"]["People"]["fields_updated"] == {"name": 1}


def test_a_stale_ledger_id_is_forgotten_and_the_record_planned_again(make_run, sandbox):
    first = make_run([PEOPLE])
    first.feed(identify("ada@example.test", "Ada"))
    first.run.end()
    [person] = sandbox.entities("persons")
    requests.delete(
        f"{sandbox.url}/api/v2/persons/{person['id']}", headers={"x-api-token": sandbox.token}, timeout=10
    ).raise_for_status()

    seen = len(sandbox.log())
    again = make_run([PEOPLE])
    again.feed(identify("ada@example.test", "Ada Lovelace"))
    sent = [(e["method"], e["status"]) for e in sandbox.log()[seen:] if e["method"] != "GET"]
    assert sent == [("PATCH", 404), ("POST", 200)]  # the ledger's id, then planned again from Pipedrive
    alive = [p for p in sandbox.entities("persons") if not p.get("is_deleted")]
    assert [p["name"] for p in alive] == ["Ada Lovelace"]
    assert alive[0]["id"] != person["id"]
    assert again.run.report()["rejected"] == 0


def test_a_replayed_note_updates_what_its_event_created(make_run, sandbox):
    note = {
        "type": "track",
        "event": "Note Added",
        "messageId": "m-1",
        "properties": {"text": "Called", "email": "ada@example.test"},
    }
    first = make_run([PEOPLE, NOTES])
    first.feed(identify("ada@example.test", "Ada"), note)
    first.run.end()
    assert len(sandbox.entities("notes")) == 1

    again = make_run([PEOPLE, NOTES])
    again.feed({**note, "properties": {**note["properties"], "text": "Called twice"}})
    [only] = sandbox.entities("notes")
    assert "Called twice" in only["content"]


def test_records_in_flight_that_share_a_match_value_make_one_person(make_run, sandbox):
    feeder = make_run([PEOPLE], max_in_flight=4)
    feeder.feed(*(identify("ada@example.test", f"Ada {n}") for n in range(6)))
    assert len(sandbox.entities("persons")) == 1
    assert sandbox.entities("persons")[0]["name"] == "Ada 5"  # input order kept per person


def test_rejects_are_kept_and_the_cap_stops_the_run(make_run, tmp_path):
    needs_email = {**PEOPLE, "fields": {**PEOPLE["fields"], "email": {"@path": "$.traits.missing"}}}
    needs_email["fields"]["match_value"] = {"@path": "$.traits.missing"}
    feeder = make_run([needs_email], max_rejects=1)
    feeder.feed(identify("a@example.test", "A"))
    assert feeder.run.report()["rejected"] == 1
    with pytest.raises(TooManyRejects, match="more than max_rejects = 1"):
        feeder.feed(identify("b@example.test", "B"))
    assert len((tmp_path / "rejects.jsonl").read_text().splitlines()) == 2
