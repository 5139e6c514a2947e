"""Cost of routing one event: 3 triggers evaluated, one 10-field mapping applied (issue 3: < 50 µs).

Run: .venv/bin/python benchmarks/bench_routing.py
"""

from __future__ import annotations

import sys
import timeit
from decimal import Decimal
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from target_pipedrive.mapping.engine import compile_mappings, route

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


def main() -> None:
    mappings = compile_mappings(MAPPINGS)
    routed = route(mappings, EVENT, "segment_events")
    assert len(routed) == 1 and isinstance(routed[0][1], dict), routed
    number = 20_000
    best = min(timeit.repeat(lambda: route(mappings, EVENT, "segment_events"), number=number, repeat=7))
    per_event_us = best / number * 1e6
    print(f"routing one event (3 triggers + one 10-field mapping): {per_event_us:.1f} µs/event")
    print(f"bar: < {BAR_US:.0f} µs/event -> {'OK' if per_event_us < BAR_US else 'TOO SLOW'}")
    print(f"payload: {routed[0][1]}")


if __name__ == "__main__":
    main()
