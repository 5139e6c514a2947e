"""After a create whose outcome is unknown: did Pipedrive make the entity? Asked before any retry.

A timeout, a connection dropped after the request went out or a 5xx may hide a committed create. A
blind retry would make a second entity; so the executor lists what changed since just before the create
and looks for the one it sent. Lists are consistent (the search index lags behind writes, lists do not),
so "not there" means the create did not happen and may be sent again:
- persons, organizations and deals carrying a match value: the entity with that value (its identity);
- activities, and deals without one: an entity changed since then whose plain fields equal the body's
  (subject, type, dates, links: the deterministic marker of the source record);
- notes and leads (API v1 has no updated_since): the entity's links' notes or leads, compared the same way.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from datetime import datetime, timedelta, timezone
from typing import TYPE_CHECKING, Any

from .actions.plan import Write
from .pipedrive.entities import LEAD, NOTE
from .pipedrive.lookup import normalize
from .pipedrive.prefetch import has_value

if TYPE_CHECKING:
    from .pipedrive.client import PipedriveClient

# Server clocks drift; a wider window only costs a longer list, never a wrong answer.
CLOCK_SKEW = timedelta(minutes=5)
_V1_LINKS = {
    NOTE.collection: ("lead_id", "deal_id", "person_id", "org_id"),
    LEAD.collection: ("person_id", "organization_id"),
}


def since(moment: datetime) -> str:
    """The updated_since value for changes from `moment` on (RFC 3339, UTC, whole seconds)."""
    return (moment - CLOCK_SKEW).astimezone(timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ")


def find_created(
    client: PipedriveClient, write: Write, started: datetime, taken: Callable[[Any], bool]
) -> Any | None:
    """The id of the entity `write` (a POST) created, or None when Pipedrive has no such entity.

    `taken` says whether an id already belongs to another event or match key (created earlier in the
    run, or known to the ledger): an equal activity or note of an earlier event is not this one's."""
    body = write.body or {}
    items: Iterable[dict[str, Any]]
    if write.path in _V1_LINKS:
        items = _v1_linked(client, write.path, body)
    else:
        items = client.paginate_v2(write.path, {"updated_since": since(started), "limit": 500})
    after = _comparable_time(since(started))
    for item in items:
        if _comparable_time(item.get("add_time")) < after or taken(item["id"]):
            continue
        if _is_the_one(write, body, item):
            return item["id"]
    return None


def _comparable_time(value: Any) -> str:
    """'2026-11-23T10:00:00Z', '2026-11-23 10:00:00' and '…T10:00:00.000Z' as comparable text."""
    return str(value or "").replace("T", " ").rstrip("Z")[:19]


def _v1_linked(client: PipedriveClient, path: str, body: dict[str, Any]) -> list[dict[str, Any]]:
    for link in _V1_LINKS[path]:
        if body.get(link) is not None:
            return list(client.paginate_v1(path, {link: body[link]}))
    return []


def _is_the_one(write: Write, body: dict[str, Any], item: dict[str, Any]) -> bool:
    if write.remember is not None:
        match, value = write.remember
        return has_value(match, item, value, normalize)
    plain = {key: value for key, value in body.items() if isinstance(value, (str, int, float, bool))}
    return bool(plain) and all(_same(value, item.get(key)) for key, value in plain.items())


def _same(sent: Any, held: Any) -> bool:
    # Lenient on purpose, unlike unchanged.holds (where a false "same" would lose an update): here a
    # false "different" would send the create again.
    if isinstance(sent, bool) or isinstance(held, bool):
        return bool(sent) == bool(held)
    if isinstance(sent, (int, float)) and isinstance(held, (int, float, str)):
        try:
            return float(sent) == float(held)
        except ValueError:
            return False
    # Pipedrive may answer times with seconds (10:30 → 10:30:00).
    return str(sent) == str(held) or (isinstance(held, str) and held.startswith(f"{sent}:"))
