"""Cost of routing one event: 3 triggers evaluated, one 10-field mapping applied (issue 3: < 50 µs).

Measured on the path a run takes: the target's mapper (run/routing.py) and its stream maps, each given
its own copy of the record, as the SDK's `_process_record_message` hands it over.

Run: .venv/bin/python benchmarks/bench_routing.py
"""

from __future__ import annotations

import copy
import logging
import sys
import timeit
from decimal import Decimal
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from target_pipedrive.mapping.engine import compile_mappings
from target_pipedrive.run.routing import MappingRouter

BAR_US = 50.0

MAPPINGS = [
    {
        "name": "People",
        "trigger": 'type = "identify" and traits.email != null',
        "action": "upsert_person",
        "fields": {"match_field": "email", "match_value": {"@path": "$.traits.email"}},
    },
    {
        "name": "Organizations",
        "trigger": 'type = "group" or (type = "track" and event = "Company Updated")',
        "action": "upsert_organization",
        "fields": {"match_value": {"@path": "$.groupId"}},
    },
    {
        "name": "Activities",
        "trigger": 'type = "track" and event = "Activity Upserted" and !contains(event, "Test")',
        "action": "upsert_activity",
        "fields": {
            "activity_id": {"@path": "$.properties.activity_id"},
            "person_match_field": "email",
            "person_match_value": {"@path": "$.context.traits.email"},
            "organization_match_value": {"@path": "$.context.groupId"},
            "deal_match_value": {"@path": "$.properties.deal_id"},
            "subject": {"@template": "{{properties.kind}}: {{properties.subject}}"},
            "type": {"@case": {"operator": "lower", "value": {"@path": "$.properties.kind"}}},
            "note": {
                "@if": {
                    "exists": {"@path": "$.properties.note"},
                    "then": {"@path": "$.properties.note"},
                    "else": "(no note)",
                }
            },
            "due_date": {"@path": "$.properties.due_date"},
            "done": {"@path": "$.properties.done"},
        },
    },
]

EVENT = {
    "type": "track",
    "event": "Activity Upserted",
    "userId": "user-42",
    "anonymousId": "a1b2c3",
    "messageId": "m-123",
    "timestamp": "2024-05-01T10:00:00Z",
    "context": {"groupId": "acme", "traits": {"email": "ann@example.com"}, "ip": "10.0.0.1"},
    "properties": {
        "activity_id": "1234",
        "deal_id": 77,
        "kind": "Call",
        "subject": "Intro",
        "note": "Talked about pricing",
        "due_date": "2024-05-02",
        "done": "true",
        "score": Decimal("4.5"),
    },
}


def route(stream_maps: list, record: dict) -> list[dict]:
    """The envelopes of the mappings that act on the record, as the SDK's routing loop makes them."""
    envelopes = []
    for stream_map in stream_maps:
        envelope = stream_map.transform(copy.copy(record))
        if envelope is not None:
            envelopes.append(envelope)
    return envelopes


def main() -> None:
    router = MappingRouter(compile_mappings(MAPPINGS), {}, logging.getLogger("bench"))
    router.register_raw_stream_schema("segment_events", {"properties": {}}, None)
    stream_maps = router.stream_maps["segment_events"]
    routed = route(stream_maps, EVENT)
    assert len(routed) == 1 and isinstance(routed[0]["payload"], dict), routed
    number = 20_000
    best = min(timeit.repeat(lambda: route(stream_maps, EVENT), number=number, repeat=7))
    per_event_us = best / number * 1e6
    print(f"routing one event (3 triggers + one 10-field mapping): {per_event_us:.1f} µs/event")
    print(f"bar: < {BAR_US:.0f} µs/event -> {'OK' if per_event_us < BAR_US else 'TOO SLOW'}")
    print(f"payload: {routed[0]['payload']}")


if __name__ == "__main__":
    main()
