"""TargetPipedrive: Segment-shaped events into Pipedrive persons, organizations, deals and more."""

from __future__ import annotations

import copy
import json
from pathlib import Path
from types import FrameType
from typing import Any, ClassVar

from singer_sdk import Target
from singer_sdk.exceptions import ConfigValidationError
from singer_sdk.helpers.capabilities import CapabilitiesEnum, PluginCapabilities
from singer_sdk.sinks import Sink

from .dry_run_plan import DryRunPlan
from .executor import RecordExecutor
from .input_guard import GuardedInput
from .mapping.engine import CompiledMapping, compile_mappings
from .mapping.errors import MappingConfigError
from .progress import ProgressReporter
from .rejects import RejectFile
from .routing import BOOKKEEPING_ALIAS, MappingRouter
from .settings import SETTINGS, setting
from .sinks import SINK_CLASSES, BookkeepingSink
from .startup_checks import check_against_account
from .summary import RunSummary
from .tools.connect import connect


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
        try:
            self.runtime = connect(config, self.logger, for_run=True)
        except ValueError as exc:
            raise ConfigValidationError(str(exc), errors=[str(exc)]) from exc
        self.client = self.runtime.client
        problems = check_against_account(self.runtime, self.compiled_mappings)
        if problems:
            raise ConfigValidationError("The config does not fit the Pipedrive account", errors=problems)
        self.summary = RunSummary()
        self.rejects = RejectFile(config.get("reject_file"))
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
            self.executor.plan = DryRunPlan(config.get("dry_run_file"), self.logger)
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
        # The SDK drains, passes the last state on and exits; the summary and the report come first, so
        # that a run stopped by its scheduler still says what it did (records in flight finish on exit).
        try:
            self._log_summary()
        finally:
            super()._handle_termination(signum, frame)

    def process_endofpipe(self) -> None:
        try:
            self.executor.drain()
            super().process_endofpipe()
        finally:
            self.executor.close()
            if self.executor.plan is not None:
                self.executor.plan.close()
            self.rejects.close()
            if self.runtime.ledger is not None:
                self.runtime.ledger.close()
            self._log_summary()

    def summary_report(self) -> dict[str, Any]:
        return self.summary.as_dict(api=self.client.stats.snapshot())

    def _log_summary(self) -> None:
        report = self.summary_report()
        self.logger.info("Run summary: %s", json.dumps(report, sort_keys=True))
        if path := self.config.get("report_file"):
            Path(path).parent.mkdir(parents=True, exist_ok=True)
            Path(path).write_text(json.dumps(report, indent=2, sort_keys=True) + "\n", encoding="utf-8")
