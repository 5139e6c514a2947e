"""In-process tests of the write path's parts: a run built as the target builds it (run/build.py),
against the sandbox over real HTTP, with records handed to its flow as the SDK's routing hands them."""

from __future__ import annotations

import logging
from collections.abc import Callable, Iterator
from typing import Any

import pytest

from target_pipedrive.run.build import Run, build_run
from target_pipedrive.run.routing import MappingRouter
from target_pipedrive.settings import Settings, check_settings

STREAM = "segment_events"

PEOPLE = {
    "name": "People",
    "trigger": 'type = "identify"',
    "action": "upsert_person",
    "fields": {
        "match_field": "email",
        "match_value": {"@path": "$.traits.email"},
        "name": {"@path": "$.traits.name"},
        "email": {"@path": "$.traits.email"},
    },
}

NOTES = {
    "name": "Notes",
    "trigger": 'type = "track" and event = "Note Added"',
    "action": "upsert_note",
    "fields": {
        "content": {"@path": "$.properties.text"},
        "person_match_field": "email",
        "person_match_value": {"@path": "$.properties.email"},
    },
}


def identify(email: str, name: str, message_id: str | None = None) -> dict[str, Any]:
    event: dict[str, Any] = {"type": "identify", "traits": {"email": email, "name": name}}
    if message_id:
        event["messageId"] = message_id
    return event


class Feeder:
    """Records into a run the way the target routes them: arrived, each mapping's map and sink, routed."""

    def __init__(self, run: Run) -> None:
        self.run = run
        self.router = MappingRouter(run.mappings, {}, logging.getLogger("test"))
        self.router.register_raw_stream_schema(STREAM, {"properties": {}}, None)
        self.line = 0

    def feed(self, *records: dict[str, Any]) -> None:
        flow = self.run.flow
        for record in records:
            self.line += 1
            routed = flow.arrived(STREAM, record, self.line)
            for name, envelope in self.router.envelopes(STREAM, routed.source):
                flow.mapped(name, envelope)
            flow.routed()
        flow.drain()


@pytest.fixture
def make_run(sandbox: Any, tmp_path: Any) -> Iterator[Callable[..., Feeder]]:
    """`make_run(mappings, **settings)`: a run on the sandbox (ledger in tmp_path), ended after the test."""
    runs: list[Run] = []

    def make(mappings: list[dict[str, Any]], **settings: Any) -> Feeder:
        config = {
            "api_url": sandbox.url,
            "api_token": sandbox.token,
            "mappings": mappings,
            "ledger_path": str(tmp_path / "ledger.sqlite"),
            "reject_file": str(tmp_path / "rejects.jsonl"),
            **settings,
        }
        checked, problems, _ = check_settings(config)
        assert not problems, problems
        run = build_run(Settings.of(checked), logging.getLogger("test-run"))
        runs.append(run)
        return Feeder(run)

    yield make
    for run in runs:
        run.end()


def writes(sandbox: Any) -> list[tuple[str, str]]:
    """The requests that changed something, as (method, path)."""
    return [(entry["method"], entry["path"]) for entry in sandbox.log() if entry["method"] != "GET"]
