"""One record's context on its way through one mapping: built when the record is routed, then passed,
explicitly, to every step up to the request (planning, the write policy, the write, the accounting)."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from ..account.finder import Lookups
from ..actions.policy import WritePolicy
from ..mapping.errors import RecordRejected
from .identity import EventIdentity, Marker
from .summary import RecordTicket


def describe_record(source: dict[str, Any], stream: str) -> str:
    """How messages name a record: its stream and the Segment ids it carries."""
    ids = [f"{key}={source[key]!r}" for key in ("messageId", "userId", "groupId") if source.get(key)]
    return f"record of stream {stream!r}" + (f" ({', '.join(ids)})" if ids else "")


@dataclass
class RoutedRecord:
    """A record as it arrived (its input line, stream, the event the mappings see, its identity and
    its accounting ticket), and what each mapping made of it while it was routed. The identity is
    taken (in input order, on the reading thread) only once an action with markers needs it."""

    line: int
    stream: str
    source: dict[str, Any]
    event: EventIdentity | None
    ticket: RecordTicket
    contexts: list[RecordContext] = field(default_factory=list)


@dataclass
class RecordContext:
    """One record through one mapping: the mapping, its payload (or why it has none), and what the
    lookups and the ledger learned on the way (`lookups`, `marker`)."""

    record: RoutedRecord
    mapping: str
    action: str
    policy: WritePolicy
    payload: dict[str, Any] | None
    # Why the mapping could not build a payload from the record (and the field at fault).
    refusal: RecordRejected | None = None
    lookups: Lookups = field(default_factory=Lookups)
    marker: Marker | None = None
    # The digest of the payload as planned (payload_memo.py), for the write row; None: not kept.
    memo: str | None = None
    # Said and counted once the record's work through the mapping is over (pipeline.py).
    warnings: list[str] = field(default_factory=list)

    def fresh(self) -> RecordContext:
        """The context as routing made it: for work that starts over (on a thread, after a try that
        needed the API) without what the try learned or changed."""
        return RecordContext(self.record, self.mapping, self.action, self.policy, self.payload, self.refusal)

    @property
    def source(self) -> dict[str, Any]:
        return self.record.source

    @property
    def stream(self) -> str:
        return self.record.stream

    @property
    def line(self) -> int:
        return self.record.line

    def describe(self) -> str:
        return describe_record(self.source, self.stream)
