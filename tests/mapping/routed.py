"""Routing one record the way a run does: the target's mapper (run/routing.py) builds the stream's maps
and each map transforms its own copy of the record, as the SDK's `_process_record_message` does."""

from __future__ import annotations

import copy
import logging
from collections.abc import Sequence
from typing import Any

from target_pipedrive.mapping.engine import CompiledMapping
from target_pipedrive.mapping.errors import RecordRejected
from target_pipedrive.run.routing import MappingRouter


def route(
    mappings: Sequence[CompiledMapping], record: dict[str, Any], stream: str
) -> list[tuple[CompiledMapping, dict[str, Any] | RecordRejected]]:
    """The enabled mappings whose trigger matches the record, each with its payload or its rejection."""
    router = MappingRouter(mappings, {}, logging.getLogger("routed"))
    router.register_raw_stream_schema(stream, {"properties": {}}, None)
    routed: list[tuple[CompiledMapping, dict[str, Any] | RecordRejected]] = []
    for stream_map in router.stream_maps[stream]:
        envelope = stream_map.transform(copy.copy(record))
        if envelope is not None:
            routed.append((stream_map.mapping, envelope["rejected"] or envelope["payload"]))
    return routed
