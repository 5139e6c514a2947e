"""The run's records, from the reader to the pipeline.

The reader thread hands each record over as it routes it (target.py): `arrived` before the SDK runs the
stream's maps (one per mapping: routing.py), `mapped` from each mapping's sink, `routed` once every
mapping has seen it. The record's work then runs at once (one record in flight) or on the dispatcher's
threads (dispatch.py), and the record is accounted for when all of it is done."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any

from ..actions import ACTION_SPECS
from ..mapping.engine import CompiledMapping
from ..mapping.warehouse import as_event
from .context import RecordContext, RoutedRecord
from .dispatch import Dispatcher, record_keys
from .identity import EventIdentities
from .pipeline import RecordPipeline
from .rejects import Rejects
from .summary import RecordTicket, RunSummary


class RecordFlow:
    def __init__(
        self,
        mappings: Mapping[str, CompiledMapping],
        pipeline: RecordPipeline,
        rejects: Rejects,
        summary: RunSummary,
        *,
        max_in_flight: int = 1,
        in_flight: Callable[[int], int] | None = None,
        segment_warehouse: bool = False,
        after_record: Callable[[], None] = lambda: None,
    ) -> None:
        self.mappings = mappings
        self.pipeline = pipeline
        self.rejects = rejects
        self.summary = summary
        self.segment_warehouse = segment_warehouse
        self.after_record = after_record
        # max_in_flight is the ceiling; `in_flight(ceiling)` how many work at once now (pacing.py).
        limit = (lambda: in_flight(max_in_flight)) if in_flight is not None else None
        self.dispatcher = Dispatcher(max_in_flight, limit) if max_in_flight > 1 else None
        self.identities = EventIdentities()
        # The record the reader thread is routing (between `arrived` and `routed`).
        self._routing: RoutedRecord | None = None

    def arrived(self, stream: str, raw: dict[str, Any], line: int) -> RoutedRecord:
        """A record read: counted in, and presented as the mappings see it (a row of Segment's
        warehouse tables as the Segment event it was, with `segment_warehouse`)."""
        ticket = self.summary.record_started()
        source = as_event(raw, stream) if self.segment_warehouse else raw
        record = RoutedRecord(line, stream, source, None, ticket)
        self._routing = record
        return record

    def mapped(self, mapping_name: str, envelope: dict[str, Any]) -> None:
        """A mapping's result for the record being routed (its sink's record): run now, or with the
        record's other mappings once it is routed when records are dispatched to threads."""
        record = self._routing
        assert record is not None, "a mapping's record arrived outside of routing"
        mapping = self.mappings[mapping_name]
        if record.event is None and ACTION_SPECS[mapping.action].marker_id is not None:
            # Counted only for the records that need one: identical rows of a stream trigger the same
            # mappings, so the n-th identical row is still the n-th of those that need an identity.
            record.event = self.identities.of(record.source, record.stream)
        ctx = RecordContext(
            record,
            mapping.name,
            mapping.action,
            mapping.policy,
            envelope.get("payload"),
            envelope.get("rejected"),
        )
        if self.dispatcher is None:
            self.pipeline.run(ctx)
        else:
            record.contexts.append(ctx)

    def routed(self) -> None:
        """Every mapping has seen the record being routed: account for it, or dispatch its work.

        What needs no API call (an unchanged record, a reject) is decided here on the reader thread,
        unless an earlier record sharing one of its keys is still in flight: what the run knows of
        that key may be about to change, so the record waits its turn on a thread (per-key order)."""
        record, self._routing = self._routing, None
        if record is None:
            return
        if self.dispatcher is None or not record.contexts:
            self._finished(record.ticket)
            return
        contexts, keys = list(record.contexts), None
        # Nothing in flight at all (a re-sync of unchanged rows): no need to know the record's keys.
        if self.dispatcher.idle() or not self.dispatcher.busy(keys := record_keys(contexts)):
            while contexts and self.pipeline.run_here(contexts[0].fresh()):
                contexts.pop(0)
            if not contexts:
                self._finished(record.ticket)
                return

        def work() -> None:
            for ctx in contexts:
                self.pipeline.run(ctx)
            self._finished(record.ticket)

        self.dispatcher.submit(record_keys(contexts) if keys is None else keys, work, record.line)

    def refuse(self, stream: str, raw: dict[str, Any], reason: str, line: int) -> None:
        """A whole record rejected before routing (a poison record): kept, counted, and the cap checked."""
        ticket = self.summary.record_started()
        self.rejects.refuse(stream, raw, reason, line, ticket)
        self.after_record()

    def _finished(self, ticket: RecordTicket) -> None:
        self.summary.record_finished(ticket)
        self.after_record()

    def failed_line(self, exc: BaseException) -> int | None:
        """The input line of the record whose work on a thread failed with `exc` (None: not one)."""
        return self.dispatcher.line_of(exc) if self.dispatcher is not None else None

    def drain(self, timeout: float | None = None, *, raise_failure: bool = True) -> int:
        """Wait for every dispatched record (before a STATE is passed on); raise a fatal error.
        A run that is stopping waits at most `timeout` and gets the records still in flight."""
        if self.dispatcher is not None:
            return self.dispatcher.drain(timeout, raise_failure=raise_failure)
        return 0

    def close(self, *, wait: bool = True) -> None:
        if self.dispatcher is not None:
            self.dispatcher.close(wait=wait)
