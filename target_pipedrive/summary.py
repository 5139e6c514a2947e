"""The run's accounting: per mapping and per record, so that every record in is accounted for.

records in = written + unchanged + filtered by trigger + rejected, always: a record that several
mappings act on counts once, as rejected if any of them rejected it, else written if any wrote it.
"""

from __future__ import annotations

import threading
from collections import Counter
from dataclasses import dataclass, field
from typing import Any

_RANK = {"rejected": 3, "written": 2, "unchanged": 1}


@dataclass
class MappingTally:
    matched: int = 0
    created: int = 0
    updated: int = 0
    deleted: int = 0
    unchanged: int = 0
    rejected: int = 0
    warnings: int = 0
    api_calls: int = 0
    tokens: int = 0

    def as_dict(self) -> dict[str, int]:
        return dict(self.__dict__)


@dataclass
class RecordTicket:
    """One record's worst outcome so far, across the mappings that acted on it."""

    worst: str | None = None


@dataclass
class RunSummary:
    records_in: int = 0
    records: Counter[str] = field(default_factory=Counter)
    mappings: dict[str, MappingTally] = field(default_factory=dict)
    # The record being routed (the reader thread's); its work may finish later on another thread.
    current: RecordTicket | None = None
    rejected_records: int = 0
    _lock: threading.Lock = field(default_factory=threading.Lock)

    def record_started(self) -> RecordTicket:
        with self._lock:
            self.records_in += 1
            self.current = RecordTicket()
            return self.current

    def count(self, name: str, **amounts: int) -> None:
        """Add to a mapping's counters (matched, warnings, api_calls, …) from any thread."""
        with self._lock:
            tally = self.mappings.setdefault(name, MappingTally())
            for counter, amount in amounts.items():
                setattr(tally, counter, getattr(tally, counter) + amount)

    def mapping(self, name: str) -> MappingTally:
        with self._lock:
            return self.mappings.setdefault(name, MappingTally())

    def record_outcome(self, mapping: str, outcome: str, ticket: RecordTicket | None = None) -> None:
        """Tally one mapping's outcome (created/updated/deleted/unchanged/rejected) for a record."""
        tally = self.mapping(mapping)
        with self._lock:
            ticket = ticket or self.current or RecordTicket()
            setattr(tally, outcome, getattr(tally, outcome) + 1)
            kind = outcome if outcome in ("rejected", "unchanged") else "written"
            if ticket.worst is None or _RANK[kind] > _RANK[ticket.worst]:
                if kind == "rejected":
                    self.rejected_records += 1
                ticket.worst = kind

    def rejected_so_far(self) -> int:
        """Records any mapping rejected so far, finished or still in flight."""
        with self._lock:
            return self.rejected_records

    def record_finished(self, ticket: RecordTicket | None = None) -> None:
        with self._lock:
            ticket = ticket or self.current or RecordTicket()
            self.records[ticket.worst or "filtered"] += 1
            if ticket is self.current:
                self.current = None

    def as_dict(self, api: dict[str, Any] | None = None) -> dict[str, Any]:
        return {
            "records_in": self.records_in,
            "written": self.records["written"],
            "unchanged": self.records["unchanged"],
            "filtered": self.records["filtered"],
            "rejected": self.records["rejected"],
            # Records a failed run stopped before finishing (after its last state: the rerun has them).
            "unfinished": self.records_in - sum(self.records.values()),
            "mappings": {name: tally.as_dict() for name, tally in self.mappings.items()},
            "api": api or {},
        }
