"""TargetPipedrive: Segment-shaped events into Pipedrive persons, organizations, deals and more."""

from __future__ import annotations

import contextlib
import copy
import json
import sqlite3
from pathlib import Path
from types import FrameType
from typing import Any, ClassVar

import click
from singer_sdk import Target
from singer_sdk.exceptions import ConfigValidationError
from singer_sdk.helpers._classproperty import classproperty
from singer_sdk.helpers.capabilities import CapabilitiesEnum, PluginCapabilities
from singer_sdk.sinks import Sink

from .mapping.engine import CompiledMapping, compile_mappings
from .mapping.errors import MappingConfigError
from .run.dry_run import DryRunPlan, work_on_a_copy
from .run.executor import RecordExecutor
from .run.input_guard import GuardedInput
from .run.progress import ProgressReporter
from .run.rejects import RejectFile
from .run.routing import BOOKKEEPING_ALIAS, MappingRouter
from .run.startup_checks import check_against_account
from .run.summary import RunSummary, summary_headline, summary_table
from .settings import SETTINGS, check_settings, environment_settings, setting
from .sinks import SINK_CLASSES, BookkeepingSink
from .stops import OutputUnwritable, RunTerminated, clean_message
from .tools.connect import connect

# Seconds a run stopped by a signal gives the records in flight before it ends:
# their requests may be answered; the rerun from the last state finds what they did either way.
GRACE_SECONDS = 5.0


class TargetPipedrive(GuardedInput, Target):
    """Upserts Segment-shaped events into Pipedrive through config-defined mappings."""

    name = "target-pipedrive"
    config_jsonschema = SETTINGS.to_dict()
    # Mappings replace the SDK's stream maps and flattening (routing.py), and check the records' values
    # themselves (validate-records would only check the envelope routing.py builds: sinks.py).
    capabilities: ClassVar[list[CapabilitiesEnum]] = [
        PluginCapabilities.ABOUT,
        PluginCapabilities.STRUCTURED_LOGGING,
    ]

    # Set when a signal stops the run; the run is ending (summary, last state) once `_ending` is set.
    _signal: int | None = None
    _ending = False

    @classmethod
    def append_builtin_config(cls, config_jsonschema: dict) -> None:
        """None of the SDK's built-in settings: records go through the mappings one by one, so load
        methods, batch sizes and record metadata would do nothing (settings.SDK_SETTINGS_NOT_USED)."""

    @classmethod
    def cb_config(cls, ctx: click.Context, param: click.Option, value: tuple[str, ...]) -> Any:
        """`--config`: a file that is missing, not JSON or absurdly nested is a usage error, one line."""
        try:
            return super().cb_config(ctx, param, value)
        except RecursionError:
            raise click.BadParameter("the config file is nested too deeply to be a config") from None
        except (OSError, ValueError) as exc:
            # Parse errors name a position, never the file's content (it holds the token).
            raise click.BadParameter(f"cannot read the config file: {exc}") from None

    @classproperty
    def _env_var_config(cls) -> dict[str, Any]:  # noqa: N805
        return environment_settings(cls._env_var_prefix)

    def _validate_config(self, *, raise_errors: bool = True) -> list[str]:
        """Every setting's type and range, and the files the run writes, before anything else; each
        problem names the setting and the fix, and never shows the token (settings.check_settings)."""
        checked, problems, warnings = check_settings(self._config)
        for warning in warnings:
            self.logger.warning(warning)
        if problems and raise_errors:
            raise ConfigValidationError("Invalid settings", errors=problems)
        self._config = checked
        return problems

    def setup_mapper(self) -> None:
        """Compile the mappings and prepare the run before any message is read."""
        config = dict(self.config)
        try:
            self.compiled_mappings: list[CompiledMapping] = compile_mappings(
                config.get("mappings"),
                person_field=config.get("person_field") or "id",
                organization_field=config.get("organization_field") or "id",
            )
        except MappingConfigError as exc:
            raise ConfigValidationError("Invalid mappings", errors=str(exc).splitlines()) from exc
        except RecursionError:
            problem = (
                "setting mappings: a value is nested too deeply; a mapping's directives nest a few levels"
            )
            raise ConfigValidationError("Invalid mappings", errors=[problem]) from None
        try:
            self.runtime = connect(config, self.logger, for_run=True)
        except ValueError as exc:
            raise ConfigValidationError(str(exc), errors=[str(exc)]) from exc
        except (sqlite3.Error, OSError) as exc:
            path = config.get("ledger_path")
            problem = (
                f"setting ledger_path: {path!r} is not a usable sync ledger ({exc}); move the file away (a "
                "new ledger is made, and the next run looks entities up again) or point ledger_path elsewhere"
            )
            raise ConfigValidationError("Unusable sync ledger", errors=[problem]) from None
        self.client = self.runtime.client
        problems = check_against_account(self.runtime, self.compiled_mappings)
        if problems:
            raise ConfigValidationError("The config does not fit the Pipedrive account", errors=problems)
        self.summary = RunSummary()
        self.rejects = RejectFile(config.get("reject_file"), setting="reject_file")
        max_rejects = config.get("max_rejects")
        self.executor = RecordExecutor(
            self.runtime,
            self.summary,
            self.rejects,
            self.logger,
            dry_run=bool(config.get("dry_run")),
            max_rejects=float(max_rejects) if max_rejects is not None else None,
            # A dry run has no writes to overlap, and its log reads best in input order.
            max_in_flight=1 if config.get("dry_run") else int(setting(config, "max_in_flight", 4)),
        )
        self.progress = ProgressReporter(
            self.summary,
            self.client.stats.snapshot,
            self.logger,
            interval=float(setting(config, "progress_interval", 5)),
        )
        self.mapping_actions = {mapping.name: mapping.action for mapping in self.compiled_mappings}
        self.executor.policies = {mapping.name: mapping.policy for mapping in self.compiled_mappings}
        self._emitted_state: dict | None = None
        self.mapper = MappingRouter(
            self.compiled_mappings,
            self.summary,
            config,
            self.logger,
            after_record=self.executor.record_routed,
        )
        self.executor.after_record = self.progress.tick
        if config.get("dry_run"):
            self.executor.plan = DryRunPlan(
                config.get("dry_run_file"), self.logger, self.runtime, self.mapping_actions
            )
            if self.runtime.ledger is not None:
                work_on_a_copy(self.runtime.ledger)
        self.executor.input_line = lambda: int(getattr(self.message_reader, "line_number", 0))

    def get_sink_class(self, stream_name: str) -> type[Sink]:
        if stream_name == BOOKKEEPING_ALIAS:
            return BookkeepingSink
        return SINK_CLASSES[self.mapping_actions[stream_name]]

    def _process_state_message(self, message_dict: dict) -> None:
        # Once the records in flight are done, every record before this STATE is written or
        # rejected: pass the checkpoint on now, not only at the end (the SDK's default), so that a
        # run that fails later resumes from here and loses nothing.
        self.executor.drain()
        super()._process_state_message(message_dict)
        if self._latest_state is not None:
            self._write_state_message(self._latest_state)

    def _write_state_message(self, state: dict) -> None:
        # The SDK writes the latest state again when it drains at the end; once is enough.
        if state == self._emitted_state:
            return
        self._emitted_state = copy.deepcopy(state)
        super()._write_state_message(state)

    def _handle_termination(self, signum: int, frame: FrameType | None) -> None:
        # SIGTERM or SIGINT (Meltano's timeout, a deploy, Ctrl-C): every wait ends and nothing more is
        # sent; the exception stops the reader wherever it is, and the run ends as after any clean stop
        # (the last safe state, the summary logged and written), with exit code 143 or 130.
        self._signal = signum
        runtime = getattr(self, "runtime", None)
        if runtime is not None:
            runtime.client.interrupt()
        if self.stopping or self._ending:
            self.logger.warning("Received signal %d while the run is ending: ending it now", signum)
            return
        raise RunTerminated(signum)

    def refuse_record(self, stream: str, record: dict[str, Any], reason: str) -> None:
        ticket = self.summary.record_started()
        line = int(getattr(self.message_reader, "line_number", 0))
        # A data problem, expected now and then: the record is kept in the reject file and the run goes on.
        self.logger.warning("line %d: rejected a record of stream %r: %s", line, stream, reason)
        if self.executor.plan is not None:
            self.executor.plan.rejected(None, reason)
        self.rejects.write(
            {
                "stream": stream,
                "record": record,
                "mapping": None,
                "action": None,
                "field": None,
                "reason": reason,
                "http_status": None,
                "pipedrive_error": None,
            }
        )
        self.summary.record_refused(ticket)
        self.progress.tick()
        self.executor.check_reject_cap()

    def describe_failure(self, exc: BaseException) -> str | None:
        return clean_message(exc, ledger_path=self.config.get("ledger_path"))

    def process_endofpipe(self) -> None:
        if self._ending:
            return
        if not self.stopping:
            try:
                self.executor.drain()
            except Exception as exc:
                # A record still in flight when the input ended failed: the same clean stop as at its line.
                self._stop_after_failure(int(getattr(self.message_reader, "line_number", 0)), exc)
                raise
            self._ending = True
            try:
                super().process_endofpipe()  # passes the last state on
            finally:
                self._end_run()
            return
        # A clean stop: the records in flight finish (a later record is not started). After a signal,
        # nothing more is sent and they get a few seconds.
        self._ending = True
        left = self.executor.drain(GRACE_SECONDS if self._signal else None, raise_failure=False)
        if left:
            self.logger.warning(
                "%d record(s) in flight were not waited for; the rerun from the last state writes them", left
            )
        try:
            super().process_endofpipe()  # passes the last safe state on (again, if at all)
        finally:
            self._end_run(settled=not left)

    def _end_run(self, *, settled: bool = True) -> None:
        """Close what the run wrote, then log and write the summary (each step even if one fails)."""
        with contextlib.ExitStack() as closing:  # callbacks run last to first
            closing.callback(self._log_summary)
            # A record still in flight may yet write to the ledger; SQLite keeps it whole either way.
            if self.runtime.ledger is not None and settled:
                closing.callback(self.runtime.ledger.close)
            closing.callback(self.rejects.close)
            if self.executor.plan is not None:
                closing.callback(self._close_plan)
            closing.callback(self.executor.close, wait=settled)

    def summary_report(self) -> dict[str, Any]:
        return self.summary.as_dict(api=self.client.stats.snapshot())

    def _close_plan(self) -> None:
        assert self.executor.plan is not None
        self.executor.plan.close(self.summary_report(), [m.name for m in self.compiled_mappings])

    def _log_summary(self) -> None:
        """The summary twice: one JSON line for programs, then a short table for people, and where the
        rejects and the report went."""
        report = self.summary_report()
        self.logger.info("Run summary: %s", json.dumps(report, sort_keys=True))
        self.logger.info("Run: %s", summary_headline(report))
        for line in summary_table(report, [mapping.name for mapping in self.compiled_mappings]):
            self.logger.info("  %s", line)
        if report["rejected"]:
            where = f"in {self.rejects.path}, each with its reason" if self.rejects.path else "not kept"
            self.logger.info("Rejected records: %d, %s", report["rejected"], where)
        if path := self.config.get("report_file"):
            try:
                Path(path).parent.mkdir(parents=True, exist_ok=True)
                Path(path).write_text(json.dumps(report, indent=2, sort_keys=True) + "\n", encoding="utf-8")
            except OSError as exc:
                raise OutputUnwritable("report_file", path, exc) from None
            self.logger.info("Report: %s", path)
