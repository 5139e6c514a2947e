"""Routing one record the way a run does: the target's mapper (run/routing.py) builds the stream's maps
and each map transforms the record itself, as the target does (TargetPipedrive.route_record): every
routing here also checks that no mapping changed the record."""

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
    by_name = {mapping.name: mapping for mapping in mappings}
    before = copy.deepcopy(record)
    routed: list[tuple[CompiledMapping, dict[str, Any] | RecordRejected]] = [
        (by_name[name], envelope["rejected"] or envelope["payload"])
        for name, envelope in router.envelopes(stream, record)
    ]
    assert record == before, "a mapping changed the record it read"
    return routed
