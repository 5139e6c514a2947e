"""Routing records to mappings through the SDK's own mapper extension point.

Each source stream gets a list of StreamMaps: one per enabled mapping (its trigger is the filter, its
directives the transform, its alias the mapping's name, so each mapping gets a sink of its action's
class), framed by two bookkeeping maps that never emit a record. The SDK runs a stream's maps in order
and processes each emitted record before calling the next map, so the opening map sees a record
arrive and the closing map sees every mapping done routing it: that is how the run counts records in,
and when the record's work can be accounted for or dispatched (`after_record`). With
`segment_warehouse` on, the opening map also turns a warehouse row into the Segment event it was
(mapping/warehouse.py), once per record, and every mapping of the stream sees that event. This replaces the
SDK's `stream_maps` setting, which the target therefore does not advertise; a mapper plugin between tap
and target still works.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Sequence
from typing import Any

from singer_sdk.mapper import PluginMapper, StreamMap

from ..mapping.engine import CompiledMapping
from ..mapping.errors import RecordRejected
from ..mapping.warehouse import as_event
from .summary import RunSummary

# The alias of the two bookkeeping maps; it gets a sink that never receives a record.
BOOKKEEPING_ALIAS = "__target_pipedrive_routing__"

ENVELOPE_SCHEMA: dict[str, Any] = {
    "type": "object",
    "properties": {
        "payload": {"type": ["object", "null"]},
        "rejected": {"type": ["object", "null"]},
        "source": {"type": "object"},
        "stream": {"type": "string"},
    },
}


class _Presented:
    """The record being routed as the mappings see it: set by the opening map (the SDK hands each map
    its own copy of the record, and runs a stream's maps in order, one record at a time)."""

    def __init__(self, stream: str, warehouse: bool) -> None:
        self.stream = stream
        self.warehouse = warehouse
        self.record: dict[str, Any] | None = None

    def arrive(self, record: dict[str, Any]) -> None:
        self.record = as_event(record, self.stream) if self.warehouse else None

    def get(self, record: dict[str, Any]) -> dict[str, Any]:
        return self.record if self.record is not None else record


class _MappingMap(StreamMap):
    """A mapping as a stream map: the trigger filters, the directives transform."""

    def __init__(
        self,
        mapping: CompiledMapping,
        source_stream: str,
        raw_schema: dict[str, Any],
        presented: _Presented | None = None,
    ) -> None:
        super().__init__(mapping.name, raw_schema, None, None)
        self.mapping = mapping
        self.source_stream = source_stream
        self.presented = presented or _Presented(source_stream, False)
        self.transformed_schema = ENVELOPE_SCHEMA
        self.transformed_key_properties = []

    def get_filter_result(self, record: dict[str, Any]) -> bool:
        return self.mapping.matches(self.presented.get(record), self.source_stream)

    def transform(self, record: dict[str, Any]) -> dict[str, Any] | None:
        record = self.presented.get(record)
        if not self.mapping.matches(record, self.source_stream):
            return None
        envelope: dict[str, Any] = {"source": record, "stream": self.source_stream, "rejected": None}
        try:
            envelope["payload"] = self.mapping.apply(record)
        except RecordRejected as exc:
            envelope["payload"] = None
            envelope["rejected"] = {"field": exc.field, "reason": str(exc)}
        return envelope


class _Bookkeeping(StreamMap):
    def __init__(
        self,
        summary: RunSummary,
        raw_schema: dict[str, Any],
        *,
        opening: bool,
        after_record: Callable[[], None] | None = None,
        presented: _Presented | None = None,
    ) -> None:
        super().__init__(BOOKKEEPING_ALIAS, raw_schema, None, None)
        self.summary = summary
        self.opening = opening
        self.after_record = after_record
        self.presented = presented
        self.transformed_schema = ENVELOPE_SCHEMA
        self.transformed_key_properties = []

    def get_filter_result(self, record: dict[str, Any]) -> bool:
        return False

    def transform(self, record: dict[str, Any]) -> None:
        if self.opening:
            self.summary.record_started()
            if self.presented is not None:
                self.presented.arrive(record)
        elif self.after_record is not None:
            self.after_record()
        else:
            self.summary.record_finished()


class MappingRouter(PluginMapper):
    """The target's mapper: every source stream is routed through every enabled mapping."""

    def __init__(
        self,
        mappings: Sequence[CompiledMapping],
        summary: RunSummary,
        plugin_config: dict[str, Any],
        logger: logging.Logger,
        after_record: Callable[[], None] | None = None,
    ) -> None:
        # The SDK's own stream_maps are not ours to interpret: mappings replace them.
        super().__init__(
            plugin_config={k: v for k, v in plugin_config.items() if k != "stream_maps"}, logger=logger
        )
        self.mappings = [mapping for mapping in mappings if mapping.enabled]
        self.summary = summary
        self.after_record = after_record
        # Rows of Segment's warehouse tables presented as Segment events (mapping/warehouse.py).
        self.segment_warehouse = bool(plugin_config.get("segment_warehouse"))

    def register_raw_stream_schema(
        self,
        stream_name: str,
        schema: dict[str, Any],
        key_properties: Sequence[str] | None,
    ) -> None:
        presented = _Presented(stream_name, self.segment_warehouse)
        self.stream_maps[stream_name] = [
            _Bookkeeping(self.summary, schema, opening=True, presented=presented),
            *(_MappingMap(mapping, stream_name, schema, presented) for mapping in self.mappings),
            _Bookkeeping(self.summary, schema, opening=False, after_record=self.after_record),
        ]
