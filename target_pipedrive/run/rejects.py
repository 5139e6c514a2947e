"""Rejected records: the reject file (one JSON line per record that could not be written, with everything
needed to fix it), and the max_rejects cap."""

from __future__ import annotations

import json
import logging
import threading
from pathlib import Path
from typing import IO, TYPE_CHECKING, Any

from ..stops import OutputUnwritable, RunStopped

if TYPE_CHECKING:
    from .context import RecordContext
    from .dry_run import DryRunPlan
    from .summary import RecordTicket, RunSummary


class RejectFile:
    """Appends rejects to a JSONL file, created on the first reject only."""

    def __init__(self, path: str | None, *, setting: str = "reject_file") -> None:
        self.path = Path(path) if path else None
        self.setting = setting
        self._handle: IO[str] | None = None
        self._lock = threading.Lock()

    def write(self, entry: dict[str, Any]) -> None:
        if self.path is None:
            return
        try:
            line = json.dumps(entry, ensure_ascii=False, default=str)
        except RecursionError:
            entry = {**entry, "record": "(not shown: the record is nested too deeply to be written)"}
            line = json.dumps(entry, ensure_ascii=False, default=str)
        with self._lock:
            try:
                if self._handle is None:
                    self.path.parent.mkdir(parents=True, exist_ok=True)
                    # A lone surrogate from a tap must not make the reject itself fail.
                    self._handle = self.path.open("a", encoding="utf-8", errors="backslashreplace")
                self._handle.write(line + "\n")
                self._handle.flush()
            except OSError as exc:
                # A reject that cannot be kept must not pass silently: the run stops cleanly.
                raise OutputUnwritable(self.setting, self.path, exc) from None

    def close(self) -> None:
        with self._lock:
            handle, self._handle = self._handle, None
        if handle is not None:
            try:
                handle.close()
            except OSError as exc:
                raise OutputUnwritable(self.setting, self.path, exc) from None


# Below this many records in, a fractional max_rejects is not judged yet.
MIN_RECORDS_FOR_RATE = 100


class TooManyRejects(RunStopped):
    """More records were rejected than max_rejects allows: a clean stop (its last state is out)."""


class Rejects:
    """Records that cannot be written: each kept in the reject file with its reason (a WARNING: a data
    reject is expected now and then, and the run goes on), counted, and the run stopped once they pass
    `max_rejects` (a count; a fraction below 1 of the records in, judged from 100 records; 0: the first)."""

    def __init__(
        self,
        file: RejectFile,
        summary: RunSummary,
        logger: logging.Logger,
        *,
        max_rejects: float | None,
        plan: DryRunPlan | None = None,
    ) -> None:
        self.file = file
        self.summary = summary
        self.logger = logger
        self.max_rejects = max_rejects
        self.plan = plan

    def reject(
        self,
        ctx: RecordContext,
        reason: str,
        field: str | None,
        *,
        status: int | None = None,
        pipedrive_error: str | None = None,
    ) -> None:
        """One mapping rejects the record."""
        self.summary.record_outcome(ctx.mapping, "rejected", ctx.record.ticket)
        where = f"field {field!r}: " if field else ""
        if self.plan is not None:
            self.plan.rejected(ctx.mapping, where + reason)
        self.logger.warning(
            "Rejected %s by mapping %r (%s): %s%s", ctx.describe(), ctx.mapping, ctx.action, where, reason
        )
        self._keep(
            ctx.stream, ctx.line, ctx.source, reason, ctx.mapping, ctx.action, field, status, pipedrive_error
        )
        self.check_cap()

    def refuse(
        self, stream: str, record: dict[str, Any], reason: str, line: int, ticket: RecordTicket
    ) -> None:
        """A whole record rejected before any mapping saw it (a poison record, input_guard.py)."""
        self.logger.warning("line %d: rejected a record of stream %r: %s", line, stream, reason)
        if self.plan is not None:
            self.plan.rejected(None, reason)
        self._keep(stream, line, record, reason, None, None, None, None, None)
        self.summary.record_refused(ticket)
        self.check_cap()

    def _keep(
        self,
        stream: str,
        line: int,
        record: dict[str, Any],
        reason: str,
        mapping: str | None,
        action: str | None,
        field: str | None,
        status: int | None,
        pipedrive_error: str | None,
    ) -> None:
        self.file.write(
            {
                "stream": stream,
                # Where the record is in the input: its line of stdin (or --input), counted from 1; null
                # when the run did not read it from a stream of lines.
                "input_line": line or None,
                "record": record,
                "mapping": mapping,
                "action": action,
                "field": field,
                "reason": reason,
                "http_status": status,
                "pipedrive_error": pipedrive_error,
            }
        )

    def check_cap(self) -> None:
        """TooManyRejects once the rejects pass max_rejects."""
        cap = self.max_rejects
        if cap is None:
            return
        rejected = self.summary.rejected_so_far()
        records = self.summary.records_in
        fix = f"The rejects are in {self.file.path}; fix the mappings or the data, or raise max_rejects"
        if (cap >= 1 or cap == 0) and rejected > cap:
            raise TooManyRejects(
                f"{rejected} records rejected, more than max_rejects = {cap:g}: the run stops. {fix}"
            )
        if 0 < cap < 1 and records >= MIN_RECORDS_FOR_RATE and rejected > cap * records:
            raise TooManyRejects(
                f"{rejected} of {records} records rejected, more than max_rejects = {cap:.0%}: the run "
                f"stops. {fix}"
            )
