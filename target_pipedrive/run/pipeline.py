"""One record through one mapping, start to end: its marker (a replay updates what the event created),
the action's plan, the mapping's mode, the write policy, the write; every outcome accounted for."""

from __future__ import annotations

import logging

from ..account.finder import Lookups
from ..account.runtime import Runtime
from ..actions import PLANNERS
from ..actions.common import given
from ..actions.plan import CREATE_ONLY, UPSERT, Reject, Skip, Skipped, Write, within_mode
from ..pipedrive.errors import ApiNeeded, PipedriveRequestError
from .context import RecordContext
from .creates import CreateUnconfirmed
from .dry_run import DryRunPlan
from .identity import marker_of
from .links import Linker
from .narrowing import Narrower
from .payload_memo import PayloadMemo
from .rejects import Rejects
from .summary import RunSummary
from .writes import Writer
from .written import WriteMemory, label_of


class RecordPipeline:
    def __init__(
        self,
        runtime: Runtime,
        memory: WriteMemory,
        narrower: Narrower,
        writer: Writer,
        rejects: Rejects,
        summary: RunSummary,
        logger: logging.Logger,
        plan: DryRunPlan | None = None,
    ) -> None:
        self.runtime = runtime
        self.memory = memory
        self.narrower = narrower
        self.writer = writer
        self.rejects = rejects
        self.summary = summary
        self.logger = logger
        self.plan = plan
        self.linker = Linker(runtime, memory, writer, summary)
        self.memo = PayloadMemo(runtime, memory)

    def run(self, ctx: RecordContext) -> None:
        """The record through the mapping, its API calls and tokens counted for the mapping."""
        stats = self.runtime.client.stats
        calls, tokens = stats.thread_totals()
        try:
            self._handle(ctx)
        finally:
            after_calls, after_tokens = stats.thread_totals()
            self._account(ctx, api_calls=after_calls - calls, tokens=after_tokens - tokens)

    def run_here(self, ctx: RecordContext) -> bool:
        """The record through the mapping from what the run and the ledger know, without the API (an
        unchanged record, a reject): True when done. False when it needs the API: nothing of it was
        sent or counted, and a fresh context of it goes through `run` on a thread."""
        try:
            with self.runtime.client.local_only():
                self._handle(ctx)
        except ApiNeeded:
            return False
        self._account(ctx)
        return True

    def _account(self, ctx: RecordContext, **api: int) -> None:
        """The mapping matched the record: counted, with its warnings, once its work is over."""
        self.summary.count(ctx.mapping, matched=1, warnings=len(ctx.warnings), **api)
        for warning in ctx.warnings:
            self._log_warning(ctx, warning)

    def _handle(self, ctx: RecordContext) -> None:
        if ctx.refusal is not None or ctx.payload is None:
            refusal = ctx.refusal
            self.rejects.reject(
                ctx, refusal.reason if refusal else "no payload", refusal.field if refusal else None
            )
            return
        payload = ctx.payload
        ctx.marker = marker_of(
            ctx.mapping, ctx.action, ctx.record.event, ctx.source, payload, self.runtime.ledger
        )
        marker = ctx.marker
        if marker is not None and (entry := self.memory.entry(marker.scope, marker.key, always=True)):
            if entry.digest == marker.digest and not self.runtime.full_refresh:
                if marker.occurrence:
                    self._taken_as_earlier(ctx, marker.occurrence)
                self.summary.record_outcome(ctx.mapping, "unchanged", ctx.record.ticket)
                return
            # The event was written before (a replay): update what it created, never create it twice.
            ctx.payload = {**payload, marker.id_field: entry.entity_id}
        try:
            self._plan_and_send(ctx)
        except Reject as exc:
            self.rejects.reject(ctx, exc.reason, exc.field)
        except Skipped as exc:  # an archived entity, or a create an update_only mapping does not make
            self.warn(ctx, [f"skipped: {exc.reason}"])
            self.summary.record_outcome(ctx.mapping, "skipped", ctx.record.ticket)
            if self.plan is not None:
                self.plan.skipped(ctx.mapping, exc.reason)
        except CreateUnconfirmed as exc:
            # The answer's id is at fault, not a field of the mapping's: the reason names it.
            self.rejects.reject(ctx, exc.reason, None, status=exc.status, pipedrive_error=exc.pipedrive_error)
        except PipedriveRequestError as exc:
            self.rejects.reject(
                ctx,
                f"Pipedrive refused the request: {exc.pipedrive_error}",
                None,
                status=exc.status,
                pipedrive_error=exc.pipedrive_error,
            )

    def _taken_as_earlier(self, ctx: RecordContext, occurrence: int) -> None:
        """A row without a messageId whose n-th identical row of the run an earlier run wrote (a run
        never sees its own n-th twice): right for a replay of the same input, wrong for a run resumed
        from a STATE between identical rows, or a new batch repeating an old row. Only a messageId can
        tell those apart, so the run says so, once per mapping."""
        if self.runtime.first_time(f"taken-as-earlier:{ctx.mapping}"):
            self.logger.warning(
                "Mapping %r, %s: an identical event without a messageId (the %s such in this run) was "
                "written by an earlier run, so it is taken as that event and not written again. If the "
                "source sends identical events as new ones (or this run resumed from a STATE between "
                "two of them), give each event a messageId (map a row id to it) to keep them apart "
                "(said once per run)",
                ctx.mapping,
                ctx.describe(),
                _ordinal(occurrence),
            )

    def _plan_and_send(self, ctx: RecordContext) -> None:
        marker, payload = ctx.marker, ctx.payload or {}
        try:
            if self.memo.unchanged(ctx):
                self.summary.record_outcome(ctx.mapping, "unchanged", ctx.record.ticket)
                return
            self._plan_once(ctx)
            return
        except PipedriveRequestError as exc:
            stale_marker = marker is not None and exc.status == 404 and given(payload, marker.id_field)
            if exc.status not in (400, 404, 410) or not (ctx.lookups.unverified or stale_marker):
                raise
            # An id remembered from an earlier run is gone (deleted or merged in Pipedrive; one in its
            # trash answers as a 404 too, pipedrive/trash.py): forget it and plan the record again from
            # what Pipedrive says now.
            self.logger.info(
                "Mapping %r: an id from the sync ledger or the key index is stale; looking it up again",
                ctx.mapping,
            )
        for entity_name, entity_id in list(ctx.lookups.unverified):
            self.runtime.finder.forget(entity_name, entity_id)
        if marker is not None and self.runtime.ledger is not None:
            self.runtime.ledger.forget(marker.scope, marker.key)
            ctx.payload = {key: value for key, value in payload.items() if key != marker.id_field}
        ctx.lookups = Lookups(trust_ledger=False)
        self._plan_once(ctx)

    def _plan_once(self, ctx: RecordContext) -> None:
        assert ctx.payload is not None
        plan = PLANNERS[ctx.action](ctx.payload, self.runtime.for_record(ctx.lookups))
        self.warn(ctx, plan.warnings)
        links, entity_id = plan.links, plan.entity_id
        if isinstance(plan, Write) and ctx.policy.mode != UPSERT:
            # The mapping's mode (upsert, update_only, create_only): update_only raises Skipped for a
            # create, create_only turns a change to an existing entity into a Skip (unchanged).
            plan = within_mode(ctx.policy.mode, plan, label_of(plan))
        if isinstance(plan, Write):
            plan = self.narrower.narrow(ctx, plan)
        if isinstance(plan, Write):
            entity_id = self.writer.send(ctx, plan)
        if links and not (isinstance(plan, Skip) and ctx.policy.mode == CREATE_ONLY):
            # Other entities pointed at this one (an organization's person), once it is written. On the
            # reading thread a link that needs the API hands the record on: nothing is counted before.
            created = isinstance(plan, Write) and plan.method == "POST"
            self.warn(ctx, self.linker.link(ctx, entity_id, links, created=created))
        if isinstance(plan, Skip):
            self.summary.record_outcome(ctx.mapping, "unchanged", ctx.record.ticket)

    def warn(self, ctx: RecordContext, warnings: list[str]) -> None:
        """Kept with the record, counted and said when its work is over (`_account`)."""
        ctx.warnings.extend(warnings)

    def _log_warning(self, ctx: RecordContext, warning: str) -> None:
        """Each warning is counted per record (the summary's `warnings`), but said once per run and
        mapping: a warning about the data's shape would otherwise fill the log, one line per record."""
        if self.runtime.first_time(f"warning:{ctx.mapping}:{warning}"):
            self.logger.warning(
                "Mapping %r, %s: %s (said once per run; the summary counts every record)",
                ctx.mapping,
                ctx.describe(),
                warning,
            )
        else:
            self.logger.debug("Mapping %r, %s: %s", ctx.mapping, ctx.describe(), warning)


def _ordinal(number: int) -> str:
    if 10 <= number % 100 <= 20:
        return f"{number}th"
    return f"{number}{ {1: 'st', 2: 'nd', 3: 'rd'}.get(number % 10, 'th') }"
