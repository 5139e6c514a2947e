"""The run, assembled in one place from the settings: the account (client, catalogue, finder, ledger),
the start-up checks, the write path's parts, the flow of records and what it reports. Everything it
opens is closed by one ExitStack, last opened first closed, each step even if one fails."""

from __future__ import annotations

import contextlib
import json
import logging
import os
import sqlite3
from dataclasses import dataclass, field
from datetime import datetime, timezone
from pathlib import Path
from typing import Any

from singer_sdk.exceptions import ConfigValidationError

from ..account.ledger import unusable_message
from ..account.runtime import Runtime
from ..mapping.engine import CompiledMapping, compile_mappings
from ..mapping.errors import MappingConfigError
from ..settings import Settings
from ..stops import OutputUnwritable
from .connect import connect
from .creates import Creates
from .dry_run import DryRunPlan, work_on_a_copy
from .narrowing import Narrower
from .pipeline import RecordPipeline
from .progress import ProgressReporter
from .records import RecordFlow
from .rejects import RejectFile, Rejects
from .startup_checks import check_against_account
from .summary import RunSummary, summary_headline, summary_table
from .unsettled import Unsettled
from .writes import Writer
from .written import WriteMemory


@dataclass
class Run:
    settings: Settings
    mappings: list[CompiledMapping]
    runtime: Runtime
    summary: RunSummary
    rejects: Rejects
    flow: RecordFlow
    progress: ProgressReporter
    plan: DryRunPlan | None
    logger: logging.Logger
    # Whether the records in flight were all waited for: only then is the ledger closed (a record
    # still in flight may yet write to it; SQLite keeps it whole either way).
    settled: bool = True
    closing: contextlib.ExitStack = field(default_factory=contextlib.ExitStack)
    # The report's: "running" until the run ends, then "finished", or "stopped" (a clean stop).
    status: str = "running"
    started_at: str = field(default_factory=lambda: _now())
    ended_at: str | None = None

    @property
    def mapping_names(self) -> list[str]:
        return [mapping.name for mapping in self.mappings]

    def report(self) -> dict[str, Any]:
        when = {"status": self.status, "started_at": self.started_at, "ended_at": self.ended_at}
        return self.summary.as_dict(api=self.runtime.client.stats.snapshot()) | when

    def end(self, *, settled: bool = True, stopped: bool = False) -> None:
        """Close what the run opened, then log and write the summary."""
        self.settled = settled
        self.status, self.ended_at = ("stopped" if stopped else "finished"), _now()
        self.closing.close()

    def log_summary(self) -> None:
        """The summary twice: one JSON line for programs, then a short table for people, and where the
        rejects and the report went."""
        report = self.report()
        self.logger.info("Run summary: %s", json.dumps(report, sort_keys=True))
        self.logger.info("Run: %s", summary_headline(report))
        for line in summary_table(report, self.mapping_names):
            self.logger.info("  %s", line)
        if report["rejected"]:
            kept = self.rejects.file.path
            where = f"in {kept}, each with its reason" if kept else "not kept"
            self.logger.info("Rejected records: %d, %s", report["rejected"], where)
        if path := self.settings.report_file:
            _write_report(path, json.dumps(report, indent=2, sort_keys=True) + "\n")
            self.logger.info("Report: %s", path)


def _write_report_stub(path: str | None, stub: dict[str, Any]) -> None:
    """The report file before the summary: a run killed before its end (kill -9, out of memory) leaves
    `running`, one stopped at start-up `stopped`, never the previous run's summary as if it were its own."""
    if path:
        _write_report(path, json.dumps(stub | {"pid": os.getpid()}, sort_keys=True) + "\n")


def _write_report(path: str, text: str) -> None:
    """The report file replaced whole (a new file renamed over it): a reader never sees half of one."""
    target = Path(path)
    try:
        target.parent.mkdir(parents=True, exist_ok=True)
        fresh = target.with_name(f".{target.name}.{os.getpid()}.tmp")
        fresh.write_text(text, encoding="utf-8")
        os.replace(fresh, target)
    except OSError as exc:
        raise OutputUnwritable("report_file", path, exc) from None


def _now() -> str:
    return datetime.now(timezone.utc).isoformat(timespec="seconds")


def compiled_mappings(settings: Settings) -> list[CompiledMapping]:
    """The mappings of the settings; ConfigValidationError lists every problem."""
    try:
        return compile_mappings(
            settings.mappings,
            person_field=settings.person_field,
            organization_field=settings.organization_field,
        )
    except MappingConfigError as exc:
        raise ConfigValidationError("Invalid mappings", errors=str(exc).splitlines()) from exc
    except RecursionError:
        problem = "setting mappings: a value is nested too deeply; a mapping's directives nest a few levels"
        raise ConfigValidationError("Invalid mappings", errors=[problem]) from None


def connected(settings: Settings, logger: logging.Logger) -> Runtime:
    """The account as the run writes to it; ConfigValidationError when it cannot be reached or used."""
    try:
        return connect(settings, logger, for_run=True)
    except ValueError as exc:
        raise ConfigValidationError(str(exc), errors=[str(exc)]) from exc
    except (sqlite3.Error, OSError) as exc:
        where = str(settings.ledger_path)
        problem = unusable_message(exc, backend="sqlite", where=where, setting="ledger_path")
        raise ConfigValidationError("Unusable sync ledger", errors=[problem]) from None


def build_run(settings: Settings, logger: logging.Logger) -> Run:
    """The whole run, before any message is read: a config or account problem stops it here. The
    report file says so from the very start (a wait for the writer lock included)."""
    started_at = _now()
    _write_report_stub(settings.report_file, {"status": "running", "started_at": started_at})
    try:
        return _build(settings, logger, started_at)
    except BaseException:
        with contextlib.suppress(OutputUnwritable):
            stopped = {"status": "stopped", "started_at": started_at, "ended_at": _now()}
            _write_report_stub(settings.report_file, stopped)
        raise


def _build(settings: Settings, logger: logging.Logger, started_at: str) -> Run:
    mappings = compiled_mappings(settings)
    runtime = connected(settings, logger)
    problems = check_against_account(runtime, mappings)
    if problems:
        if runtime.ledger is not None:
            runtime.ledger.close()
        raise ConfigValidationError("The config does not fit the Pipedrive account", errors=problems)
    summary = RunSummary()
    plan = None
    if settings.dry_run:
        actions = {mapping.name: mapping.action for mapping in mappings}
        plan = DryRunPlan(settings.dry_run_file, logger, runtime, actions)
        if runtime.ledger is not None:
            work_on_a_copy(runtime.ledger)
    rejects = Rejects(
        RejectFile(settings.reject_file, setting="reject_file"),
        summary,
        logger,
        max_rejects=float(settings.max_rejects) if settings.max_rejects is not None else None,
        plan=plan,
    )
    memory = WriteMemory(runtime)
    unsettled = Unsettled(runtime, logger)
    if plan is None:
        # Updates of an earlier run whose outcome was unknown, now settled: put right before anything else.
        unsettled.settle_or_defer()
    writer = Writer(runtime, memory, Creates(runtime, summary, logger), unsettled, summary, plan)
    narrower = Narrower(runtime, memory, dry_run=settings.dry_run)
    pipeline = RecordPipeline(runtime, memory, narrower, writer, rejects, summary, logger, plan)
    progress = ProgressReporter(
        summary, runtime.client.stats.snapshot, logger, interval=float(settings.progress_interval)
    )
    flow = RecordFlow(
        {mapping.name: mapping for mapping in mappings},
        pipeline,
        rejects,
        summary,
        # A dry run has no writes to overlap, and its log reads best in input order.
        max_in_flight=1 if settings.dry_run else int(settings.max_in_flight),
        in_flight=runtime.client.pacer.in_flight,
        segment_warehouse=settings.segment_warehouse,
        after_record=progress.tick,
    )
    run = Run(
        settings, mappings, runtime, summary, rejects, flow, progress, plan, logger, started_at=started_at
    )
    _close_in_order(run, unsettled)
    return run


def _close_in_order(run: Run, unsettled: Unsettled) -> None:
    """What `Run.end` does, last registered first: the records in flight, the dry run's plan, the
    reject file, the updates of unknown outcome that have settled meanwhile, the ledger, and then the
    summary (logged and written even if a step failed)."""
    closing = run.closing
    closing.callback(run.log_summary)
    ledger = run.runtime.ledger
    if ledger is not None:
        closing.callback(lambda: ledger.close() if run.settled else None)
        if run.plan is None:
            closing.callback(lambda: unsettled.settle_or_defer() if run.settled else None)
    closing.callback(run.rejects.file.close)
    if run.plan is not None:
        plan = run.plan
        closing.callback(lambda: plan.close(run.report(), run.mapping_names))
    closing.callback(lambda: run.flow.close(wait=run.settled))
