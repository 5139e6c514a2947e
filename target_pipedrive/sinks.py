"""One sink class per Pipedrive action, derived from the actions (actions/): each mapping gets a sink of
its action's class, which hands the mapping's result for the record being routed to the run."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any, ClassVar

from singer_sdk.sinks import RecordSink

from .actions import ACTION_SPECS

if TYPE_CHECKING:
    from .run.records import RecordFlow
    from .target import TargetPipedrive


class ActionSink(RecordSink):
    """Records arrive already routed and mapped (run/routing.py); the run's flow takes each one."""

    action: ClassVar[str]

    def __init__(self, target: TargetPipedrive, stream_name: str, schema: dict, key_properties: Any) -> None:
        super().__init__(target, stream_name, schema, key_properties)
        self._flow: RecordFlow = target.run.flow

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
        self._flow.mapped(self.stream_name, record)


def _sink_class(action: str) -> type[ActionSink]:
    entity = ACTION_SPECS[action].entity
    return type(f"{entity.title()}Sink", (ActionSink,), {"action": action, "__module__": __name__})


# The sink class of each action (PersonSink, OrganizationSink, …), one per action spec.
SINK_CLASSES: dict[str, type[ActionSink]] = {action: _sink_class(action) for action in ACTION_SPECS}
