"""Duplicates left in the sandbox: entities beyond the first that share a match key.

Speed and thrift mean nothing if a strategy creates a person twice (Segment's algorithm does when it
searches before the search index has caught up with its own create), so every scenario counts them.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable, Iterable
from typing import Any

from pipedrive_sandbox.seed import field_key
from pipedrive_sandbox.server import SandboxServer


def _primary_email(person: dict[str, Any]) -> str | None:
    emails = person.get("emails") or []
    return str(emails[0]["value"]).casefold() if emails else None


def _custom(entity: str, name: str) -> Callable[[dict[str, Any]], str | None]:
    key = field_key(entity, name)
    return lambda item: (item.get("custom_fields") or {}).get(key)


# The key each scenario matches an entity kind on (events.py, configs.py).
MATCH_KEYS: dict[str, Callable[[dict[str, Any]], str | None]] = {
    "persons": _primary_email,
    "organizations": _custom("organization", "External ID"),
    "deals": _custom("deal", "External ID"),
}


def _surplus(keys: Iterable[str | None]) -> int:
    counts = Counter(key for key in keys if key is not None)
    return sum(n - 1 for n in counts.values())


def count_duplicates(server: SandboxServer) -> int:
    state = server.state()
    return sum(_surplus(map(key, state[kind])) for kind, key in MATCH_KEYS.items())
