"""Comparing two sandboxes' entities as a person would: by content, not by ids or timestamps.

Ids and timestamps differ between any two runs, so they are dropped; a link to another entity (a deal's
person_id, a note's deal_id, an activity's participants) becomes that entity's match key (email,
External ID), so that "the deal of ada@x.io" compares equal across runs. What is left is a multiset per
entity kind: a fault-free run and a run through faults and reruns must leave the same multisets.
"""

from __future__ import annotations

import json
import time
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from pipedrive_sandbox.server import SandboxServer

from .duplicates import MATCH_KEYS

# Set by the server on each write: never the same twice.
SERVER_KEYS = frozenset({"id", "add_time", "update_time", "won_time", "lost_time", "close_time"})
LINKS = {"person_id": "persons", "org_id": "organizations", "deal_id": "deals", "lead_id": "leads"}
KINDS = ("persons", "organizations", "deals", "activities", "leads", "notes")

Entities = dict[str, list[dict[str, Any]]]


def _match_key(kind: str) -> Callable[[dict[str, Any]], Any]:
    if kind == "leads":
        return lambda lead: lead.get("title")
    return MATCH_KEYS.get(kind, lambda item: item.get("id"))


def _link_keys(state: Entities) -> dict[str, dict[Any, Any]]:
    """Per linked kind: id → the match key of the entity with that id."""
    return {
        kind: {item["id"]: _match_key(kind)(item) for item in state.get(kind, [])} for kind in LINKS.values()
    }


def _normalized(value: Any, links: dict[str, dict[Any, Any]]) -> Any:
    if isinstance(value, list):
        return [_normalized(item, links) for item in value]
    if not isinstance(value, dict):
        return value
    result = {}
    for key, item in value.items():
        if key in SERVER_KEYS:
            continue
        if key in LINKS and item is not None:
            item = ("→", LINKS[key], links[LINKS[key]].get(item, f"missing #{item}"))
        result[key] = _normalized(item, links)
    return result


def comparable(state: Entities) -> dict[str, Counter[str]]:
    """Per kind, the multiset of entities as canonical JSON without ids, timestamps or link ids."""
    links = _link_keys(state)
    return {
        kind: Counter(
            json.dumps(_normalized(item, links), sort_keys=True, default=str) for item in state.get(kind, [])
        )
        for kind in KINDS
    }


@dataclass(frozen=True)
class Difference:
    kind: str
    missing: int  # in the expected state, not in the actual one
    extra: int  # in the actual state, not in the expected one
    example: str

    def __str__(self) -> str:
        return f"{self.kind}: {self.missing} missing, {self.extra} extra (e.g. {self.example[:300]})"


def differences(expected: Entities, actual: Entities) -> list[Difference]:
    want, got = comparable(expected), comparable(actual)
    result = []
    for kind in KINDS:
        missing, extra = want[kind] - got[kind], got[kind] - want[kind]
        if missing or extra:
            example = next(iter(missing or extra))
            result.append(Difference(kind, sum(missing.values()), sum(extra.values()), example))
    return result


def duplicates_by_match_key(state: Entities) -> dict[str, int]:
    """Per matchable kind, entities beyond the first sharing a match key (email, External ID)."""
    result = {}
    for kind, key in MATCH_KEYS.items():
        counts = Counter(k for k in map(key, state.get(kind, [])) if k is not None)
        result[kind] = sum(n - 1 for n in counts.values())
    return result


def sizes(state: Entities) -> dict[str, int]:
    return {kind: len(state.get(kind, [])) for kind in KINDS}


def wait_until_answered(server: SandboxServer, *, timeout: float = 30) -> None:
    """Until every request the sandbox received is answered: a slow write commits late, after the client
    gave up on it, and only then does the sandbox hold its final state."""
    deadline = time.monotonic() + timeout
    while any("status" not in entry for entry in server.log()):
        if time.monotonic() > deadline:
            raise TimeoutError("the sandbox is still answering a request")
        time.sleep(0.05)
