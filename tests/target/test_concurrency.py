"""Records in flight together: never two entities for one match value, last write wins per key."""

from __future__ import annotations

from ..stops.clean_stop import assert_clean_stop
from .cli import STREAM, messages, run_target
from .test_person import identify, person_mapping

DEAL = {
    "name": "deals",
    "trigger": 'type = "track"',
    "action": "upsert_deal",
    "fields": {
        "deal_match_field": "External ID",
        "deal_match_value": {"@path": "$.properties.order"},
        "title": {"@path": "$.properties.title"},
        "person_match_field": "email",
        "person_match_value": {"@path": "$.properties.email"},
    },
}


def test_shared_keys_keep_their_order_and_never_duplicate(tmp_path, sandbox, base_config):
    sandbox.configure(search_delay=30)  # the search index sees nothing during the run
    records = []
    for round_ in range(3):
        for n in range(8):
            records.append(identify(f"u{n}", f"p{n}@x.example", f"Person {n} v{round_}"))
            order = {"order": f"o{n}", "title": f"Order {n} v{round_}", "email": f"p{n}@x.example"}
            records.append({"type": "track", "event": "Order", "properties": order})
    lines = messages(*records)
    lines.insert(20, {"type": "STATE", "value": {"at": 19}})
    lines.append({"type": "STATE", "value": {"at": len(records)}})
    config = base_config | {"mappings": [person_mapping(), DEAL], "max_in_flight": 4}
    run = run_target(tmp_path, config, lines)
    assert run.returncode == 0, run.stderr
    persons = {p["emails"][0]["value"]: p for p in sandbox.entities("persons")}
    assert len(persons) == len(sandbox.entities("persons")) == 8
    assert {p["name"] for p in persons.values()} == {f"Person {n} v2" for n in range(8)}
    deals = sandbox.entities("deals")
    assert len(deals) == 8
    for deal in deals:
        n = deal["title"].split()[1]
        assert deal["title"] == f"Order {n} v2"
        assert deal["person_id"] == persons[f"p{n}@x.example"]["id"]
    assert run.states == [{"at": 19}, {"at": 48}]
    summary = run.summary()
    assert summary["records_in"] == summary["written"] == 48
    # Every call is some mapping's but the run's own at start-up: users/me (the company, whose writer
    # lock the run takes) and one more.
    assert sum(m["api_calls"] for m in summary["mappings"].values()) == summary["api"]["calls"] - 2


def test_a_fatal_error_in_flight_emits_no_state_after_it(tmp_path, sandbox, base_config):
    sandbox.configure(faults=[{"path": "/api/v2/persons", "method": "POST", "skip": 5, "html": True}])
    lines = messages()
    for n in range(12):
        lines.append(
            {"type": "RECORD", "stream": STREAM, "record": identify(f"u{n}", f"p{n}@x.example", "P")}
        )
        lines.append({"type": "STATE", "value": {"offset": n}})
    run = run_target(tmp_path, base_config | {"mappings": [person_mapping()], "max_in_flight": 4}, lines)
    assert run.returncode != 0
    written = {p["emails"][0]["value"] for p in sandbox.entities("persons")}
    last = run.states[-1]["offset"]
    # Every record up to the last state is written; the one that failed is after it.
    assert {f"p{n}@x.example" for n in range(last + 1)} <= written
    assert len(written) < 12
    assert "blocking this client" in run.stderr


def phone_mapping() -> dict:
    fields = {
        "match_field": "phone",
        "match_value": {"@path": "$.traits.phone"},
        "name": {"@path": "$.traits.name"},
        "phone": {"@path": "$.traits.phone"},
    }
    return {"name": "people", "trigger": 'type = "identify"', "action": "upsert_person", "fields": fields}


def test_one_phone_written_two_ways_is_one_person_even_in_flight(tmp_path, sandbox, base_config):
    # The finder compares phones by their digits: records it takes for one person never run together.
    sandbox.configure(latency=0.2)
    records = []
    for n in range(6):
        records.append(identify(f"u{n}", "", f"P{n}", phone=f"+1 555 010{n}"))
        records.append(identify(f"u{n}", "", f"P{n} b", phone=f"1-555-010{n}"))
    run = run_target(
        tmp_path, base_config | {"mappings": [phone_mapping()], "max_in_flight": 4}, messages(*records)
    )
    assert run.returncode == 0, run.stderr
    assert sorted(p["name"] for p in sandbox.entities("persons")) == [f"P{n} b" for n in range(6)]


def test_the_same_event_sent_again_in_parallel_is_one_activity_and_identical_rows_stay_apart(
    tmp_path, sandbox, base_config
):
    # An at-least-once tap sends an event again: its messageId is its marker. Identical rows without
    # one are distinct events (the n-th of the run is the n-th again when the input is replayed).
    sandbox.configure(latency=0.2)
    activity = {
        "name": "acts",
        "trigger": 'type = "track"',
        "action": "upsert_activity",
        "fields": {"subject": {"@path": "$.event"}},
    }
    resent = [{"type": "track", "event": "Signed up", "userId": "u1", "messageId": "m1"}] * 4
    identical = [{"type": "track", "event": "Clicked", "userId": "u1"}] * 3
    config = base_config | {"mappings": [activity], "max_in_flight": 4}
    for _ in range(2):
        run = run_target(tmp_path, config, messages(*resent, *identical))
        assert run.returncode == 0, run.stderr
        assert sorted(a["subject"] for a in sandbox.entities("activities")) == ["Clicked"] * 3 + ["Signed up"]


def test_the_reject_cap_counts_records_still_in_flight(tmp_path, sandbox, base_config):
    sandbox.configure(latency=0.3)
    orgs = {
        "name": "orgs",
        "trigger": 'type = "identify"',
        "action": "upsert_organization",
        "fields": {
            "match_field": "name",
            "match_value": {"@path": "$.traits.company"},
            "name": {"@path": "$.traits.company"},
        },
    }
    # Each record: the person is rejected (no email to match on) while its organization is written.
    records = [
        {"type": "identify", "userId": f"u{n}", "traits": {"name": "P", "company": f"Acme{n}"}}
        for n in range(3)
    ]
    config = base_config | {"mappings": [person_mapping(), orgs], "max_in_flight": 4, "max_rejects": 1}
    run = run_target(tmp_path, config, messages(*records))
    assert_clean_stop(run, "more than max_rejects = 1", summary=True)
