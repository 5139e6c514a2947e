"""Routing records to mappings through the SDK's own mapper extension point.

Each source stream gets a list of StreamMaps: one per enabled mapping (its trigger is the filter, its
directives the transform, its alias the mapping's name, so each mapping gets a sink of its action's
class), framed by two bookkeeping maps that never emit a record. The SDK runs a stream's maps in order
and processes each emitted record before calling the next map, so the opening map sees a record
arrive and the closing map sees every mapping done routing it: that is how the run counts records in,
and when the record's work can be accounted for or dispatched (`after_record`). This replaces the
SDK's `stream_maps` setting, which the target therefore does not advertise; a mapper plugin between tap
and target still works.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Sequence
from typing import Any

from singer_sdk.mapper import PluginMapper, StreamMap

from .mapping.engine import CompiledMapping
from .mapping.errors import RecordRejected
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


class _MappingMap(StreamMap):
    """A mapping as a stream map: the trigger filters, the directives transform."""

    def __init__(self, mapping: CompiledMapping, source_stream: str, raw_schema: dict[str, Any]) -> None:
        super().__init__(mapping.name, raw_schema, None, None)
        self.mapping = mapping
        self.source_stream = source_stream
        self.transformed_schema = ENVELOPE_SCHEMA
        self.transformed_key_properties = []

    def get_filter_result(self, record: dict[str, Any]) -> bool:
        return self.mapping.matches(record, self.source_stream)

    def transform(self, record: dict[str, Any]) -> dict[str, Any] | None:
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
    ) -> None:
        super().__init__(BOOKKEEPING_ALIAS, raw_schema, None, None)
        self.summary = summary
        self.opening = opening
        self.after_record = after_record
        self.transformed_schema = ENVELOPE_SCHEMA
        self.transformed_key_properties = []

    def get_filter_result(self, record: dict[str, Any]) -> bool:
        return False

    def transform(self, record: dict[str, Any]) -> None:
        if self.opening:
            self.summary.record_started()
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

    def register_raw_stream_schema(
        self,
        stream_name: str,
        schema: dict[str, Any],
        key_properties: Sequence[str] | None,
    ) -> None:
        self.stream_maps[stream_name] = [
            _Bookkeeping(self.summary, schema, opening=True),
            *(_MappingMap(mapping, stream_name, schema) for mapping in self.mappings),
            _Bookkeeping(self.summary, schema, opening=False, after_record=self.after_record),
        ]
