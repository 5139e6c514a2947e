"""Routing records to mappings through the SDK's own mapper extension point.

Each source stream gets one StreamMap per enabled mapping: its trigger is the filter, its directives
the transform, its alias the mapping's name (so each mapping gets a sink of its action's class,
sinks.py). The map hands its sink an envelope: the payload the mapping built, or why it could not
build one (the RecordRejected). This replaces the SDK's `stream_maps` setting, which the target
therefore does not advertise; a mapper plugin between tap and target still works.
"""

from __future__ import annotations

import logging
from collections.abc import Iterator, Sequence
from typing import Any

from singer_sdk.mapper import PluginMapper, StreamMap

from ..mapping.engine import CompiledMapping
from ..mapping.errors import RecordRejected

# Every sink's schema: the SDK does not validate it (sinks.py), the mapping has validated the payload.
ENVELOPE_SCHEMA: dict[str, Any] = {
    "type": "object",
    "properties": {"payload": {"type": ["object", "null"]}, "rejected": {"type": ["object", "null"]}},
}


class MappingMap(StreamMap):
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
        try:
            return {"payload": self.mapping.apply(record), "rejected": None}
        except RecordRejected as exc:  # the sink's record carries the refusal: the flow rejects it
            return {"payload": None, "rejected": exc}


class MappingRouter(PluginMapper):
    """The target's mapper: every source stream is routed through every enabled mapping."""

    def __init__(
        self, mappings: Sequence[CompiledMapping], plugin_config: dict[str, Any], logger: logging.Logger
    ) -> None:
        # The SDK's own stream_maps are not ours to interpret: mappings replace them.
        super().__init__(
            plugin_config={k: v for k, v in plugin_config.items() if k != "stream_maps"}, logger=logger
        )
        self.mappings = [mapping for mapping in mappings if mapping.enabled]

    def register_raw_stream_schema(
        self, stream_name: str, schema: dict[str, Any], key_properties: Sequence[str] | None
    ) -> None:
        self.stream_maps[stream_name] = [
            MappingMap(mapping, stream_name, schema) for mapping in self.mappings
        ]

    def envelopes(self, stream_name: str, record: dict[str, Any]) -> Iterator[tuple[str, dict[str, Any]]]:
        """Each mapping the record triggers, by name, with its envelope. The record is not copied per
        map, as the SDK does for maps that may change it: mappings only read it (tests/mapping/routed.py
        checks that every mapping test leaves its record as it was)."""
        for stream_map in self.stream_maps[stream_name]:
            envelope = stream_map.transform(record)
            if envelope is not None:
                yield stream_map.stream_alias, envelope
