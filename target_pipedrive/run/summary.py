"""The run's accounting: per mapping and per record, so that every record in is accounted for.

records in = written + unchanged + skipped + filtered by trigger + rejected, always: a record that several
mappings act on counts once, as rejected if any of them rejected it, else written if any wrote it.
"""

from __future__ import annotations

import threading
from collections import Counter
from dataclasses import dataclass, field
from typing import Any

_RANK = {"rejected": 4, "written": 3, "skipped": 2, "unchanged": 1}


@dataclass
class MappingTally:
    matched: int = 0
    created: int = 0
    updated: int = 0
    deleted: int = 0
    unchanged: int = 0
    # Not written on purpose, with a warning saying why (an archived deal or lead).
    skipped: int = 0
    rejected: int = 0
    warnings: int = 0
    api_calls: int = 0
    tokens: int = 0
    # Lists read to match activities, notes and leads by content when the ledger did not know the
    # account (a lost ledger), and their tokens (included in api_calls and tokens).
    content_checks: int = 0
    content_check_tokens: int = 0
    # Updates per field they changed (the mapping's field keys; custom fields as custom_fields.<name>).
    fields_updated: dict[str, int] = field(default_factory=dict)

    def as_dict(self) -> dict[str, Any]:
        return {**self.__dict__, "fields_updated": dict(self.fields_updated)}


@dataclass
class RecordTicket:
    """One record's worst outcome so far, across the mappings that acted on it."""

    worst: str | None = None


@dataclass
class RunSummary:
    records_in: int = 0
    records: Counter[str] = field(default_factory=Counter)
    mappings: dict[str, MappingTally] = field(default_factory=dict)
    rejected_records: int = 0
    _lock: threading.Lock = field(default_factory=threading.Lock)

    def record_started(self) -> RecordTicket:
        with self._lock:
            self.records_in += 1
        return RecordTicket()

    def count(self, name: str, **amounts: int) -> None:
        """Add to a mapping's counters (matched, warnings, api_calls, …) from any thread."""
        with self._lock:
            tally = self._tally(name)
            for counter, amount in amounts.items():
                setattr(tally, counter, getattr(tally, counter) + amount)

    def count_fields(self, name: str, fields: list[str]) -> None:
        """An update of a mapping sent these fields."""
        with self._lock:
            counts = self._tally(name).fields_updated
            for key in fields:
                counts[key] = counts.get(key, 0) + 1

    def mapping(self, name: str) -> MappingTally:
        with self._lock:
            return self._tally(name)

    def _tally(self, name: str) -> MappingTally:
        """A mapping's tally (with the lock held): made once, not on every count."""
        tally = self.mappings.get(name)
        if tally is None:
            tally = self.mappings[name] = MappingTally()
        return tally

    def record_outcome(self, mapping: str, outcome: str, ticket: RecordTicket) -> None:
        """Tally one mapping's outcome (created/updated/deleted/unchanged/rejected) for a record."""
        with self._lock:
            tally = self._tally(mapping)
            setattr(tally, outcome, getattr(tally, outcome) + 1)
            kind = outcome if outcome in ("rejected", "unchanged", "skipped") else "written"
            if ticket.worst is None or _RANK[kind] > _RANK[ticket.worst]:
                if kind == "rejected":
                    self.rejected_records += 1
                ticket.worst = kind

    def record_refused(self, ticket: RecordTicket) -> None:
        """A record rejected before any mapping saw it (a poison record, input_guard.py)."""
        with self._lock:
            if ticket.worst != "rejected":
                self.rejected_records += 1
            ticket.worst = "rejected"
        self.record_finished(ticket)

    def rejected_so_far(self) -> int:
        """Records any mapping rejected so far, finished or still in flight."""
        with self._lock:
            return self.rejected_records

    def record_finished(self, ticket: RecordTicket) -> None:
        with self._lock:
            self.records[ticket.worst or "filtered"] += 1

    def as_dict(self, api: dict[str, Any] | None = None) -> dict[str, Any]:
        return {
            "records_in": self.records_in,
            "written": self.records["written"],
            "unchanged": self.records["unchanged"],
            "skipped": self.records["skipped"],
            "filtered": self.records["filtered"],
            "rejected": self.records["rejected"],
            # Records a failed run stopped before finishing (after its last state: the rerun has them).
            "unfinished": self.records_in - sum(self.records.values()),
            "mappings": {name: tally.as_dict() for name, tally in self.mappings.items()},
            "api": api or {},
        }


# The end-of-run table's columns: (key in a mapping's tally, heading).
TABLE_COLUMNS = (
    ("matched", "matched"),
    ("created", "created"),
    ("updated", "updated"),
    ("unchanged", "unchanged"),
    ("skipped", "skipped"),
    ("rejected", "rejected"),
    ("api_calls", "API calls"),
    ("tokens", "tokens"),
)


def summary_table(report: dict[str, Any], mapping_names: list[str] | tuple[str, ...] = ()) -> list[str]:
    """The run summary for people: one line per mapping (every configured one, in config order, even
    if it matched nothing), then the whole run's API use (start-up look-ups included), aligned."""
    mappings: dict[str, dict[str, Any]] = report.get("mappings", {})
    names = list(dict.fromkeys([*mapping_names, *mappings]))
    rows = [["mapping", *(heading for _, heading in TABLE_COLUMNS)]]
    for name in names:
        tally = mappings.get(name, {})
        rows.append([name, *(str(tally.get(key, 0)) for key, _ in TABLE_COLUMNS)])
    api = report.get("api") or {}
    rows.append(
        ["whole run", *([""] * (len(TABLE_COLUMNS) - 2)), str(api.get("calls", 0)), str(api.get("tokens", 0))]
    )
    widths = [max(len(row[i]) for row in rows) for i in range(len(rows[0]))]
    lines = []
    for number, row in enumerate(rows):
        cells = [
            row[0].ljust(widths[0]),
            *(cell.rjust(width) for cell, width in zip(row[1:], widths[1:], strict=True)),
        ]
        lines.append("  ".join(cells).rstrip())
        if number == 0:
            lines.append("  ".join("-" * width for width in widths))
    return lines


def summary_headline(report: dict[str, Any]) -> str:
    """One line: what became of the records in."""
    return (
        f"{report['records_in']} records in: {report['written']} written, {report['unchanged']} unchanged, "
        f"{report['skipped']} skipped, {report['filtered']} filtered by trigger, "
        f"{report['rejected']} rejected"
        + (f", {report['unfinished']} unfinished" if report.get("unfinished") else "")
    )
