"""What identifies a source event across runs, and the ledger marker of an event that creates an
activity, note or lead (those have no match field: a replay is recognised by its marker)."""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from datetime import datetime, timedelta, timezone
from functools import cached_property
from typing import Any

from ..account.ledger import Ledger, digest
from ..actions import ACTION_SPECS
from ..actions.common import given
from ..pipedrive.server_clock import parse_stamp

# Event keys as json.dumps(…, ensure_ascii=False) writes them, with one encoder for the run.
_key_text = json.JSONEncoder(ensure_ascii=False).encode
# The moments a Segment event names (the earliest is taken).
_EVENT_TIMES = ("timestamp", "originalTimestamp", "sentAt", "receivedAt")


@dataclass(frozen=True)
class EventIdentity:
    """A source event's key in the ledger, and the key versions before stream-scoped identity gave it
    (a row under that key moves to `key` when the event comes again; None for the 2nd, 3rd… identical
    row of a run)."""

    key: str
    legacy_key: str | None
    # Which identical row of the run it is (rows without a messageId); 0 for an event with one.
    occurrence: int = 0


@dataclass(frozen=True)
class Marker:
    """The ledger row of a source event that creates an activity, note or lead."""

    scope: str
    key: str
    entity: str
    id_field: str
    digest: str
    legacy_key: str | None = None
    # The event's occurrence among identical rows without a messageId (0: it has one).
    occurrence: int = 0
    # The source event, for `since`.
    source: dict[str, Any] = field(default_factory=dict, repr=False, compare=False)

    @cached_property
    def since(self) -> datetime | None:
        """The earliest moment the event names (timestamp, sentAt, receivedAt…): what it created was
        created after it. Narrows the content match of a lost ledger (None: not narrowed). Parsed
        only then: most markers never need it."""
        return event_moment(self.source)


def event_key(source: dict[str, Any], stream: str, occurrence: int = 1, *, hashed: str | None = None) -> str:
    """What identifies a source event across runs: its stream and its messageId (two streams may
    number their events alike); without one, its stream, a hash of the whole event and which
    identical event of the run it is (1st, 2nd…), so that two identical rows stay two entities and a
    replay of the same input maps the n-th to the n-th again.

    Rows without a messageId have no identity of their own: a rerun that starts (from a STATE) between
    two identical rows counts the later one as the 1st and takes it for the earlier one's event. A
    messageId, or any field that tells the rows apart, avoids that."""
    message_id = source.get("messageId")
    if message_id:
        return _key_text([stream, str(message_id)])
    return _key_text([stream, hashed or digest(source), occurrence])


def legacy_event_key(source: dict[str, Any]) -> str:
    """The key versions before stream-scoped identity gave an event (its messageId, else its hash)."""
    return str(source.get("messageId") or digest(source))


def event_moment(source: dict[str, Any]) -> datetime | None:
    """The earliest moment a Segment event names: what it created was created after it."""
    moments = [parse_stamp(str(source[key])) for key in _EVENT_TIMES if source.get(key)]
    known = [moment for moment in moments if moment is not None and _narrows(moment)]
    return min(known) if known else None


def _narrows(moment: datetime) -> bool:
    """Whether the search for a lost create can start from `moment`: it goes back a margin (a day at
    most) and turns it into UTC, which overflows for a moment days from year 1
    (0001-01-01T00:00:00+01:00). Such a stamp narrows nothing anyway: the search is not narrowed."""
    try:
        (moment - timedelta(days=2)).astimezone(timezone.utc)
    except OverflowError:
        return False
    return True


class EventIdentities:
    """Identities of the run's events, in input order (the reader thread asks, one record at a time):
    rows without a messageId are told apart by which identical row of their stream they are."""

    def __init__(self) -> None:
        # (stream, hash) → how many identical rows the run has seen.
        self._occurrences: dict[tuple[str, str], int] = {}

    def of(self, source: dict[str, Any], stream: str) -> EventIdentity:
        if source.get("messageId"):
            return EventIdentity(event_key(source, stream), legacy_event_key(source))
        hashed = digest(source)
        occurrence = self._occurrences.get((stream, hashed), 0) + 1
        self._occurrences[stream, hashed] = occurrence
        # The old key named one entity: the first identical row of the run takes it over.
        legacy = hashed if occurrence == 1 else None
        return EventIdentity(event_key(source, stream, occurrence, hashed=hashed), legacy, occurrence)


def marker_of(
    mapping: str,
    action: str,
    event: EventIdentity | None,
    source: dict[str, Any],
    payload: dict[str, Any],
    ledger: Ledger | None,
) -> Marker | None:
    """The marker of an event whose action creates an entity without a match field (None for other
    actions, and when the payload names the entity's id itself).

    A ledger of an earlier version holds the event under its old key (without the stream): the first
    event of the run to come with that key takes the row over, atomically, so that a rerun updates what
    the earlier run created instead of creating it again, and a second stream (or identical row)
    reusing the old key creates its own entity. A dry run moves nothing: it reads the old row as it is."""
    spec = ACTION_SPECS[action]
    if spec.marker_id is None or given(payload, spec.marker_id):
        return None
    assert event is not None, "a record routed to an action with markers has its event identity"
    key, legacy = event.key, event.legacy_key
    scope = f"marker:{mapping}"
    if legacy is not None and ledger is not None and ledger.has(scope, legacy):
        if not ledger.read_only:
            ledger.rename(scope, legacy, key)  # never over a row the new key has
        elif not ledger.has(scope, key):
            key = legacy
    return Marker(scope, key, spec.entity, spec.marker_id, digest(payload), legacy, event.occurrence, source)
