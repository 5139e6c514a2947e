"""TargetPipedrive: Segment-shaped events into Pipedrive persons, organizations, deals and more."""

from __future__ import annotations

import copy
from types import FrameType
from typing import Any, ClassVar

import click
from singer_sdk import Target
from singer_sdk.exceptions import ConfigValidationError
from singer_sdk.helpers._classproperty import classproperty
from singer_sdk.helpers.capabilities import CapabilitiesEnum, PluginCapabilities
from singer_sdk.sinks import Sink

from .run.build import Run, build_run
from .run.input_guard import GuardedInput
from .run.routing import MappingRouter
from .settings import SETTINGS, Settings, check_settings, environment_settings
from .sinks import SINK_CLASSES
from .stops import RunTerminated, clean_message

# Seconds a run stopped by a signal gives the records in flight before it ends:
# their requests may be answered; the rerun from the last state finds what they did either way.
GRACE_SECONDS = 5.0


class TargetPipedrive(GuardedInput, Target):
    """Upserts Segment-shaped events into Pipedrive through config-defined mappings."""

    name = "target-pipedrive"
    config_jsonschema = SETTINGS.to_dict()
    # Mappings replace the SDK's stream maps and flattening (run/routing.py), and check the records' values
    # themselves (validate-records would only check the envelope run/routing.py builds: sinks.py).
    capabilities: ClassVar[list[CapabilitiesEnum]] = [
        PluginCapabilities.ABOUT,
        PluginCapabilities.STRUCTURED_LOGGING,
    ]

    # Set when a signal stops the run; the run is ending (summary, last state) once `_ending` is set.
    _signal: int | None = None
    _ending = False
    # The SDK's mapper attribute, set to ours in setup_mapper.
    mapper: MappingRouter

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
        """Build the run (run/build.py) before any message is read, and route records through it."""
        self.run: Run = build_run(Settings.of(self.config), self.logger)
        self.mapper = MappingRouter(self.run.mappings, dict(self.config), self.logger)
        self._emitted_state: dict | None = None

    def get_sink_class(self, stream_name: str) -> type[Sink]:
        return SINK_CLASSES[self.run.flow.mappings[stream_name].action]

    def route_record(self, stream: str, record: dict[str, Any], message_dict: dict) -> None:
        # The record arrives, the stream's maps (one per mapping) build their envelopes, each mapping's
        # sink hands its envelope to the flow, then the flow dispatches the record's work (run/records.py).
        flow = self.run.flow
        routed = flow.arrived(stream, record, self._line())
        # The SDK's record loop (target_base._process_record_message) less what these sinks never use:
        # a copy of the record per map, metadata columns, schema validation, batch draining (sinks.py).
        # It was a tenth of an unchanged re-sync's CPU.
        for name, envelope in self.mapper.envelopes(stream, routed.source):
            sink = self.get_sink(name, record=envelope)
            sink.tally_record_read()
            sink.process_record(envelope, {})
            sink.record_counter_metric.increment()
        flow.routed()

    def refuse_record(self, stream: str, record: dict[str, Any], reason: str) -> None:
        self.run.flow.refuse(stream, record, reason, self._line())

    def failed_line(self, exc: BaseException) -> int | None:
        run = getattr(self, "run", None)
        return run.flow.failed_line(exc) if run is not None else None

    def _line(self) -> int:
        return int(getattr(self.message_reader, "line_number", 0))

    def _process_state_message(self, message_dict: dict) -> None:
        # Once the records in flight are done, every record before this STATE is written or
        # rejected: pass the checkpoint on now, not only at the end (the SDK's default), so that a
        # run that fails later resumes from here and loses nothing.
        self.run.flow.drain()
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
        run = getattr(self, "run", None)
        if run is not None:
            run.runtime.client.interrupt()
        if self.stopping or self._ending:
            self.logger.warning("Received signal %d while the run is ending: ending it now", signum)
            return
        raise RunTerminated(signum)

    def describe_failure(self, exc: BaseException) -> str | None:
        return clean_message(exc, ledger_path=self.config.get("ledger_path"))

    def process_endofpipe(self) -> None:
        if self._ending:
            return
        if not self.stopping:
            try:
                self.run.flow.drain()
            except Exception as exc:
                # A record still in flight when the input ended failed: the same clean stop as at its line.
                self._stop_after_failure(self._line(), exc)
                raise
            self._ending = True
            try:
                super().process_endofpipe()  # passes the last state on
            finally:
                self.run.end()
            return
        # A clean stop: the records in flight finish (a later record is not started). After a signal,
        # nothing more is sent and they get a few seconds.
        self._ending = True
        left = self.run.flow.drain(GRACE_SECONDS if self._signal else None, raise_failure=False)
        if left:
            self.logger.warning(
                "%d record(s) in flight were not waited for; the rerun from the last state writes them", left
            )
        try:
            super().process_endofpipe()  # passes the last safe state on (again, if at all)
        finally:
            self.run.end(settled=not left, stopped=True)
