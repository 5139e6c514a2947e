"""segment_warehouse: rows of Segment's warehouse tables presented as the events they were."""

from __future__ import annotations

from target_pipedrive.mapping.engine import compile_mappings
from target_pipedrive.mapping.presets import preset_mappings
from target_pipedrive.mapping.warehouse import as_event, table_of

from .routed import route


def test_identifies_row_becomes_an_identify():
    row = {
        "id": "m-1",
        "user_id": "u-1",
        "anonymous_id": "a-1",
        "received_at": "2026-11-20T09:00:00Z",
        "sent_at": "2026-11-20T09:00:01Z",
        "timestamp": "2026-11-20T09:00:00Z",
        "original_timestamp": "2026-11-20T08:59:59Z",
        "uuid_ts": "2026-11-20T10:00:00Z",
        "_sdc_extracted_at": "2026-11-20T10:05:00Z",
        "context_ip": "203.0.113.9",
        "context_traits_email": "ctx@example.com",
        "context_page_url": "https://example.com/",
        "context_user_agent": "Mozilla/5.0",
        "context_group_id": "g-1",
        "email": "ada@example.com",
        "first_name": "Ada",
    }
    assert as_event(row, "public-identifies") == {
        "type": "identify",
        "messageId": "m-1",
        "userId": "u-1",
        "anonymousId": "a-1",
        "receivedAt": "2026-11-20T09:00:00Z",
        "sentAt": "2026-11-20T09:00:01Z",
        "timestamp": "2026-11-20T09:00:00Z",
        "originalTimestamp": "2026-11-20T08:59:59Z",
        "context": {
            "ip": "203.0.113.9",
            "traits": {"email": "ctx@example.com"},
            "page": {"url": "https://example.com/"},
            "userAgent": "Mozilla/5.0",
            "groupId": "g-1",
        },
        "traits": {"email": "ada@example.com", "first_name": "Ada"},
    }


def test_each_table_gets_its_type_and_its_ids():
    assert as_event({"id": "u-1", "email": "a@b.c"}, "users") == {
        "type": "identify",
        "userId": "u-1",
        "traits": {"email": "a@b.c"},
    }
    assert as_event({"id": "g-1", "name": "Acme"}, "segment.accounts") == {
        "type": "group",
        "groupId": "g-1",
        "traits": {"name": "Acme"},
    }
    group = as_event({"id": "m-2", "group_id": "g-1", "user_id": "u-1", "name": "Acme"}, "db-app-groups")
    assert group == {
        "type": "group",
        "messageId": "m-2",
        "groupId": "g-1",
        "userId": "u-1",
        "traits": {"name": "Acme"},
    }
    page = as_event({"id": "m-3", "name": "Pricing", "category": "Docs", "path": "/pricing"}, "pages")
    assert page == {
        "type": "page",
        "messageId": "m-3",
        "name": "Pricing",
        "category": "Docs",
        "properties": {"path": "/pricing"},
    }
    assert as_event({"id": "m-4", "name": "Home"}, "screens")["type"] == "screen"
    # message_id, when a table has one, is the messageId (the row's id is then left as it is).
    assert as_event({"id": "x", "message_id": "m-5"}, "tracks")["messageId"] == "m-5"


def test_tracks_and_per_event_tables_become_tracks():
    tracks = as_event({"id": "m-1", "event": "order_completed", "event_text": "Order Completed"}, "tracks")
    assert tracks == {"type": "track", "messageId": "m-1", "event": "Order Completed", "properties": {}}
    row = {
        "id": "m-2",
        "event": "order_completed",
        "event_text": "Order Completed",
        "total": 30,
        "user_id": "u",
    }
    assert as_event(row, "public-order_completed") == {
        "type": "track",
        "messageId": "m-2",
        "userId": "u",
        "event": "Order Completed",
        "properties": {"total": 30},
    }
    # Without event_text: the event column; without either on the tracks table: the table's name.
    assert as_event({"id": "m", "event": "signed_up"}, "x-signed_up")["event"] == "signed_up"
    assert as_event({"id": "m", "event_text": " "}, "x-signed_up")["event"] == "signed_up"


def test_other_streams_and_events_pass_as_they_are():
    row = {"id": 1, "title": "not a Segment table"}
    assert as_event(row, "public-deals") is row
    event = {"type": "identify", "userId": "u-1", "traits": {"email": "a@b.c"}}
    assert as_event(event, "identifies") is event  # converting twice changes nothing (a replay)
    assert table_of("tap-db.schema.Identifies") == "identifies"


def test_a_warehouse_row_hits_the_presets():
    mappings = compile_mappings(preset_mappings())
    identify = as_event(
        {"id": "m-1", "user_id": "u-1", "email": "ada@example.com", "name": "Ada"}, "identifies"
    )
    [(mapping, payload)] = route(mappings, identify, "public-identifies")
    assert mapping.action == "upsert_person"
    assert payload == {
        "match_field": "email",
        "match_value": "ada@example.com",
        "name": "Ada",
        "email": ["ada@example.com"],
    }
    row = {"id": "m-2", "event": "activity_upserted", "event_text": "Activity Upserted", "subject": "Call"}
    [(mapping, payload)] = route(
        mappings, as_event(row, "public-activity_upserted"), "public-activity_upserted"
    )
    assert mapping.action == "upsert_activity"
    assert payload["subject"] == "Call"
