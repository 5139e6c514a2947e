"""The benchmark's input: Segment-shaped events as Singer messages, the same on every run (fixed seed).

Three families, each a list of event dicts that `write_singer` turns into a Singer file:
- `people`: one identify per new person (S1), and the same people again (S2) or with 10% changed (S3);
- `mixed`: identify, group and track events over one growing account (S4, and S5 at scale), every
  track event naming a person, organization or order that an earlier event introduced.
"""

from __future__ import annotations

import json
import random
from dataclasses import dataclass
from pathlib import Path
from typing import Any

STREAM = "segment_events"
SCHEMA = {
    "type": "SCHEMA",
    "stream": STREAM,
    "key_properties": ["messageId"],
    "schema": {
        "type": "object",
        "properties": {
            "messageId": {"type": "string"},
            "type": {"type": "string"},
            "event": {"type": ["string", "null"]},
            "userId": {"type": ["string", "null"]},
            "groupId": {"type": ["string", "null"]},
            "timestamp": {"type": ["string", "null"]},
            "traits": {"type": ["object", "null"]},
            "properties": {"type": ["object", "null"]},
            "context": {"type": ["object", "null"]},
        },
    },
}
STATE_EVERY = 500  # a tap checkpoints now and then; the target passes each STATE on
TIERS = ("Gold", "Silver", "Bronze")
SEGMENTS = ("SMB", "Mid-Market", "Enterprise")
REGIONS = ("EMEA", "AMER", "APAC")
FIRST = ("Ada", "Grace", "Alan", "Edsger", "Barbara", "Donald", "Frances", "John", "Radia", "Ken")
LAST = (
    "Lovelace",
    "Hopper",
    "Turing",
    "Dijkstra",
    "Liskov",
    "Knuth",
    "Allen",
    "Backus",
    "Perlman",
    "Thompson",
)


def _timestamp(n: int) -> str:
    return f"2026-11-20T{(n // 3600) % 24:02d}:{(n // 60) % 60:02d}:{n % 60:02d}.000Z"


@dataclass(frozen=True)
class Person:
    user_id: str
    email: str
    name: str
    tier: str
    lifetime_value: int

    def identify(self, message_id: str, n: int) -> dict[str, Any]:
        return {
            "messageId": message_id,
            "type": "identify",
            "userId": self.user_id,
            "timestamp": _timestamp(n),
            "traits": {
                "email": self.email,
                "name": self.name,
                "tier": self.tier,
                "lifetime_value": self.lifetime_value,
            },
        }


def _person(rng: random.Random, i: int) -> Person:
    return Person(
        user_id=f"u-{i:06d}",
        email=f"person{i:06d}@bench.example",
        name=f"{rng.choice(FIRST)} {rng.choice(LAST)} {i}",
        tier=rng.choice(TIERS),
        lifetime_value=rng.randrange(100, 100_000),
    )


def people(count: int, seed: int = 6) -> list[Person]:
    rng = random.Random(seed)
    return [_person(rng, i) for i in range(count)]


def identify_events(persons: list[Person], run: str) -> list[dict[str, Any]]:
    # A new messageId per run: a re-sync is the same facts sent again, not a replay of the same events.
    return [p.identify(f"{run}-{i:06d}", i) for i, p in enumerate(persons)]


def with_changes(persons: list[Person], share: float, seed: int = 7) -> tuple[list[Person], int]:
    """The same people, `share` of them with a changed tier or lifetime value; returns (people, changed)."""
    rng = random.Random(seed)
    changed = set(rng.sample(range(len(persons)), round(len(persons) * share)))
    result = []
    for i, p in enumerate(persons):
        if i not in changed:
            result.append(p)
        elif i % 2:
            result.append(
                Person(p.user_id, p.email, p.name, TIERS[(TIERS.index(p.tier) + 1) % 3], p.lifetime_value)
            )
        else:
            result.append(Person(p.user_id, p.email, p.name, p.tier, p.lifetime_value + 1))
    return result, len(changed)


# The mixed stream's make-up: weights of each kind of event (identify, group, and three track events).
MIX = {"identify": 30, "group": 10, "order": 20, "activity": 20, "note": 20}
REPEAT_ORDER = 0.2  # share of "Order Completed" events that update an order seen before


class _MixedStream:
    """Builds the mixed events one by one, remembering who and what earlier events introduced."""

    def __init__(self, seed: int) -> None:
        self.rng = random.Random(seed)
        self.persons: list[Person] = []
        self.org_of: dict[str, str] = {}  # userId → groupId
        self.groups: list[str] = []
        self.orders: list[tuple[str, Person]] = []
        self.n = 0

    def _base(self, kind: str, person: Person) -> dict[str, Any]:
        self.n += 1
        return {
            "messageId": f"mixed-{self.n:07d}",
            "type": kind,
            "userId": person.user_id,
            "timestamp": _timestamp(self.n),
        }

    def identify(self) -> dict[str, Any]:
        # Now and then a known person again (a trait changes), mostly someone new.
        if self.persons and self.rng.random() < 0.1:
            known = self.rng.choice(self.persons)
            person = Person(
                known.user_id, known.email, known.name, self.rng.choice(TIERS), known.lifetime_value
            )
        else:
            person = _person(self.rng, len(self.persons))
            self.persons.append(person)
        event = person.identify("", 0) | self._base("identify", person)
        if person.user_id in self.org_of:
            event["context"] = {"groupId": self.org_of[person.user_id]}
        return event

    def group(self) -> dict[str, Any]:
        person = self.rng.choice(self.persons)
        group_id = f"org-{len(self.groups):05d}"
        self.groups.append(group_id)
        self.org_of[person.user_id] = group_id
        return self._base("group", person) | {
            "groupId": group_id,
            "traits": {
                "name": f"{person.name.split()[1]} & Co {len(self.groups)}",
                "segment": self.rng.choice(SEGMENTS),
            },
        }

    def _track(self, event: str, person: Person, properties: dict[str, Any]) -> dict[str, Any]:
        context = {"groupId": self.org_of[person.user_id]} if person.user_id in self.org_of else {}
        return self._base("track", person) | {
            "event": event,
            "properties": {"email": person.email, **properties},
            "context": context,
        }

    def order(self) -> dict[str, Any]:
        if self.orders and self.rng.random() < REPEAT_ORDER:
            order_id, person = self.rng.choice(self.orders)
            status = "won"
        else:
            person = self.rng.choice(self.persons)
            order_id, status = f"order-{len(self.orders):06d}", "open"
            self.orders.append((order_id, person))
        return self._track(
            "Order Completed",
            person,
            {
                "order_id": order_id,
                "revenue": self.rng.randrange(50, 5000),
                "currency": "USD",
                "status": status,
                "region": self.rng.choice(REGIONS),
            },
        )

    def activity(self) -> dict[str, Any]:
        person = self.rng.choice(self.persons)
        if self.rng.random() < 0.5:
            return self._track(
                "Call Logged", person, {"subject": f"Call with {person.name}", "duration": "00:15"}
            )
        kind = self.rng.choice(("meeting", "task", "email"))
        return self._track(
            "Activity Upserted",
            person,
            {
                "subject": f"{kind.title()} with {person.name}",
                "type": kind,
                "due_date": "2026-12-01",
                "done": False,
            },
        )

    def note(self) -> dict[str, Any]:
        if not self.orders:
            return self.order()
        order_id, person = self.rng.choice(self.orders)
        return self._track(
            "Note Added", person, {"order_id": order_id, "content": f"Follow up on {order_id}"}
        )

    def next(self) -> dict[str, Any]:
        kind = self.rng.choices(list(MIX), list(MIX.values()))[0]
        if not self.persons:
            kind = "identify"  # every other event names someone introduced before
        return dict(getattr(self, kind)())


def mixed_events(count: int, seed: int = 8) -> list[dict[str, Any]]:
    stream = _MixedStream(seed)
    return [stream.next() for _ in range(count)]


def write_singer(events: list[dict[str, Any]], path: Path) -> Path:
    """One SCHEMA, a RECORD per event and a STATE every STATE_EVERY records, as a tap would send them."""
    with path.open("w", encoding="utf-8") as out:
        out.write(json.dumps(SCHEMA) + "\n")
        for i, event in enumerate(events, 1):
            out.write(json.dumps({"type": "RECORD", "stream": STREAM, "record": event}) + "\n")
            if i % STATE_EVERY == 0 or i == len(events):
                state = {"bookmarks": {STREAM: {"messageId": event["messageId"]}}}
                out.write(json.dumps({"type": "STATE", "value": state}) + "\n")
    return path
