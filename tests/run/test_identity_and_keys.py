"""Event identity (markers, occurrences) and the keys that order records in flight."""

from __future__ import annotations

from target_pipedrive.account.ledger import Ledger
from target_pipedrive.actions.policy import WritePolicy
from target_pipedrive.run.context import RecordContext, RoutedRecord
from target_pipedrive.run.dispatch import record_keys
from target_pipedrive.run.identity import EventIdentities, event_key, event_moment, marker_of
from target_pipedrive.run.summary import RecordTicket


def test_a_message_id_names_the_event_within_its_stream():
    identities = EventIdentities()
    first = identities.of({"messageId": "m-1"}, "web")
    assert first == identities.of({"messageId": "m-1"}, "web")
    assert first.key != identities.of({"messageId": "m-1"}, "app").key
    assert first.legacy_key == "m-1"


def test_identical_rows_without_an_id_are_told_apart_by_their_order():
    identities = EventIdentities()
    row = {"type": "track", "event": "Note Added"}
    one, two = identities.of(row, "s"), identities.of(dict(row), "s")
    assert one.key != two.key
    assert one.key == event_key(row, "s", 1)
    assert one.legacy_key is not None and two.legacy_key is None  # the old key names one entity


def test_only_actions_without_a_match_field_get_a_marker(tmp_path):
    event = EventIdentities().of({"messageId": "m-1", "timestamp": "2026-01-02T03:04:05Z"}, "s")
    assert marker_of("People", "upsert_person", event, {}, {"name": "x"}, None) is None
    marker = marker_of(
        "Notes", "upsert_note", event, {"timestamp": "2026-01-02T03:04:05Z"}, {"content": "c"}, None
    )
    assert marker is not None and (marker.entity, marker.id_field) == ("note", "note_id")
    assert marker.since is not None and marker.since.year == 2026
    assert marker_of("Notes", "upsert_note", event, {}, {"content": "c", "note_id": 5}, None) is None


def test_a_marker_of_an_earlier_version_moves_to_the_new_key(tmp_path):
    ledger = Ledger(tmp_path / "l.sqlite", "http://127.0.0.1:1")
    ledger.put("marker:Notes", "m-1", "note", 7, "digest")
    event = EventIdentities().of({"messageId": "m-1"}, "s")
    marker = marker_of("Notes", "upsert_note", event, {}, {"content": "c"}, ledger)
    assert marker is not None and marker.key == event.key
    assert ledger.get("marker:Notes", event.key) is not None
    assert ledger.get("marker:Notes", "m-1") is None
    ledger.close()


def _context(action: str, payload: dict, message_id: str) -> RecordContext:
    event = EventIdentities().of({"messageId": message_id}, "s")
    record = RoutedRecord(1, "s", {}, event, RecordTicket())
    return RecordContext(record, "m", action, WritePolicy(), payload)


def test_records_that_could_meet_one_entity_share_a_key():
    phone_a = record_keys([_context("upsert_person", {"match_value": "+1 (555) 010-2030"}, "a")])
    phone_b = record_keys([_context("upsert_person", {"match_value": "15550102030"}, "b")])
    assert phone_a & phone_b
    deal = record_keys([_context("upsert_deal", {"person_match_value": "5.0"}, "c")])
    person = record_keys([_context("upsert_person", {"match_value": "5"}, "d")])
    assert deal & person
    other = record_keys([_context("upsert_person", {"match_value": "bob@example.test"}, "e")])
    assert not (other & phone_a)


def test_a_record_waits_for_an_earlier_one_with_its_event():
    keys = record_keys([_context("upsert_note", {"content": "x"}, "same")])
    assert keys == record_keys([_context("upsert_activity", {"subject": "y"}, "same")])


def test_an_event_moment_days_from_year_1_does_not_narrow_the_search():
    # The search for a lost create goes back a day from it and into UTC: that would overflow.
    assert event_moment({"timestamp": "0001-01-01T00:00:00+01:00"}) is None
    moment = event_moment({"timestamp": "0001-01-01T00:00:00+01:00", "sentAt": "2026-01-01T00:00:00Z"})
    assert moment is not None and moment.year == 2026
