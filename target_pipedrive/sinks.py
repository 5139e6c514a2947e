"""One sink class per Pipedrive action; each mapping gets a sink of its action's class."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any, ClassVar

from singer_sdk import metrics
from singer_sdk.sinks import RecordSink

if TYPE_CHECKING:
    from .run.executor import RecordExecutor
    from .target import TargetPipedrive


class ActionSink(RecordSink):
    """Records arrive already routed and mapped (see routing.py); the sink runs its action on each."""

    action: ClassVar[str]

    def __init__(self, target: TargetPipedrive, stream_name: str, schema: dict, key_properties: Any) -> None:
        super().__init__(target, stream_name, schema, key_properties)
        self._executor: RecordExecutor = target.executor

    @property
    def include_sdc_metadata_properties(self) -> bool:
        # Singer metadata columns mean nothing to a CRM.
        return False

    @property
    def validate_schema(self) -> bool:
        # The SDK would validate the envelope routing.py built, whose shape is fixed; the tap's values
        # are checked by the mapping (types, required fields, choices), which rejects per record.
        return False

    def process_record(self, record: dict, context: dict) -> None:
        self._executor.handle(self.stream_name, self.action, record)


class PersonSink(ActionSink):
    action = "upsert_person"


class OrganizationSink(ActionSink):
    action = "upsert_organization"


class ActivitySink(ActionSink):
    action = "upsert_activity"


class DealSink(ActionSink):
    action = "upsert_deal"


class LeadSink(ActionSink):
    action = "upsert_lead"


class NoteSink(ActionSink):
    action = "upsert_note"


class _UnloggedCounter(metrics.Counter):
    """A record counter that never logs: the bookkeeping stream is internal, and a METRIC line about it
    (always 0) would only puzzle whoever reads the log."""

    def _pop(self) -> None:
        self.value = 0


class BookkeepingSink(RecordSink):
    """The sink of the routing bookkeeping maps: they never emit a record, so it never gets one."""

    def get_sink_record_counter(self) -> metrics.Counter:
        return _UnloggedCounter(metrics.Metric.RECORD_COUNT, {metrics.Tag.STREAM: self.stream_name})

    @property
    def include_sdc_metadata_properties(self) -> bool:
        return False

    def process_record(self, record: dict, context: dict) -> None:
        raise AssertionError("the routing bookkeeping maps emit no records")


SINK_CLASSES: dict[str, type[ActionSink]] = {
    cls.action: cls for cls in (PersonSink, OrganizationSink, ActivitySink, DealSink, LeadSink, NoteSink)
}
