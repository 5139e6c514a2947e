"""Sending a planned write: a create (once: creates.py), an update or a delete, or, in a dry run, its
entry in the plan; then what it leaves known (written.py) and its outcome in the summary."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from ..account.runtime import Runtime
from ..actions.plan import Archived, Write
from ..pipedrive.errors import PipedriveRequestError
from .context import RecordContext
from .creates import INTENT_SCOPE, Creates
from .dry_run import DryRunPlan
from .summary import RunSummary
from .unsettled import Unsettled
from .written import WriteMemory, entity_of


class Writer:
    def __init__(
        self,
        runtime: Runtime,
        memory: WriteMemory,
        creates: Creates,
        unsettled: Unsettled,
        summary: RunSummary,
        plan: DryRunPlan | None = None,
    ) -> None:
        self.runtime = runtime
        self.memory = memory
        self.creates = creates
        self.unsettled = unsettled
        self.summary = summary
        # A dry run's plan: what it would send (the dry run sends nothing).
        self.plan = plan
        self._planned_creates = 0

    def send(self, ctx: RecordContext, write: Write) -> Any:
        """Send the write and account for it; the id of the entity written (None once deleted)."""
        ledger, intent, in_doubt = self.runtime.ledger, None, False
        outcome: str = write.outcome
        if self.plan is None:
            # Before the intent row and any bookkeeping: a thread working from memory hands it on.
            self.runtime.client.sending(write.method, write.path)
        # A lost ledger: an entity an earlier run created for the event is already there, nothing is
        # sent (the content match is a read: a dry run makes it as the real run would).
        if (found := self.creates.found_by_content(ctx, write)) is not None:
            entity_id, outcome = found, "unchanged"
        elif self.plan is not None:
            entity_id = self._pretend(ctx, write)
        elif write.method == "POST":
            intent = self.creates.intent_key(write, ctx.marker)
            entity_id = self.creates.create_once(ctx, write, intent)
        else:
            in_doubt = self._send_update(write)
            entity_id = write.entity_id
        if write.method == "DELETE" and entity_id is not None:
            # Gone from Pipedrive: later records (and runs) must not find it by its match value.
            self.runtime.finder.forget(entity_of(write).name, int(entity_id))
            entity_id = None
        if entity_id is not None:
            # An update that may yet be overtaken leaves no digest: the next record is compared with
            # Pipedrive, not with what may not hold.
            self.memory.remember(ctx.mapping, write, entity_id, digests=not in_doubt, memo=ctx.memo)
            if ctx.marker is not None and ledger is not None:
                marker = ctx.marker
                ledger.put(marker.scope, marker.key, marker.entity, entity_id, marker.digest)
        if intent is not None and ledger is not None:
            # Only now that the marker (or identity) is recorded: a crash in between finds the intent.
            ledger.forget(INTENT_SCOPE, intent)
        if outcome == "updated" and write.fields:
            self.summary.count_fields(ctx.mapping, write.fields)
        self.summary.record_outcome(ctx.mapping, outcome, ctx.record.ticket)
        return entity_id

    def change(self, ctx: RecordContext, write: Write) -> bool:
        """An update made on the side of a record's write (run/links.py): sent, or in a dry run planned,
        without an outcome of its own. True when it may yet be overtaken (unsettled.py)."""
        if self.plan is not None:
            self.plan.add(ctx.mapping, {"method": write.method, "path": write.path, "body": write.body})
            return False
        return self._send_update(write)

    def _send_update(self, write: Write) -> bool:
        """`_update`, its outcome kept in the outbox (unsettled.py) from before it is sent: a run killed
        while it is in flight leaves it there, to be checked once outcome_settle has passed."""
        pending = self.unsettled.sending(write)
        try:
            in_doubt = self._update(write, self.unsettled.leaving(write, pending))
        except (PipedriveRequestError, Archived):
            self.unsettled.refused(pending)  # answered: nothing of it applied
            raise
        self.unsettled.updated(write, pending, in_doubt=in_doubt)
        return in_doubt

    def _update(self, write: Write, leaving: Callable[[], None] | None = None) -> bool:
        """PATCH, PUT or DELETE; an edit Pipedrive refuses because the entity is archived (deals,
        leads) is told apart from a stale id, which would be forgotten and created again. True when an
        attempt whose answer was lost may still commit after it (unsettled.py)."""
        client = self.runtime.client
        try:
            return client.request(write.method, write.path, body=write.body, leaving=leaving).in_doubt
        except PipedriveRequestError as exc:
            entity, entity_id = entity_of(write), write.path.rpartition("/")[2]
            if write.method == "DELETE" or entity.archived_path is None or exc.status < 400:
                raise
            try:
                held = client.get(write.path).data
            except PipedriveRequestError:
                raise exc from None
            if isinstance(held, dict) and held.get("is_archived"):
                if entity_id.isdigit():
                    self.runtime.finder.archived(entity, int(entity_id))
                raise Archived(entity.label, entity_id) from None
            raise

    def _pretend(self, ctx: RecordContext, write: Write) -> Any:
        """Dry run: note what would be sent, and give the id the write would give, so that the run
        remembers it as a real run would (in memory: the dry run's ledger is a copy, dry_run.py) and
        later records see the would-be entity. Negative ids stand for entities it would create."""
        assert self.plan is not None
        self.plan.add(ctx.mapping, {"method": write.method, "path": write.path, "body": write.body})
        if write.method != "POST":
            return write.entity_id
        self._planned_creates += 1
        return -self._planned_creates
