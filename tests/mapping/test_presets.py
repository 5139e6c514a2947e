"""The default mappings: Segment's three presets, matching on fields that find an entity again."""

from __future__ import annotations

from typing import Any

import pytest

from target_pipedrive.actions import ACTION_SPECS
from target_pipedrive.mapping.engine import compile_mappings
from target_pipedrive.mapping.errors import RecordRejected
from target_pipedrive.mapping.presets import preset_mappings

from .routed import route


def routed(record: dict[str, Any], **settings: str) -> list[tuple[str, Any]]:
    return [(m.name, outcome) for m, outcome in route(compile_mappings(None, **settings), record, "events")]


def test_three_presets_with_segments_names_and_triggers() -> None:
    compiled = compile_mappings(None)
    assert [(m.name, m.action, m.trigger_source, m.enabled) for m in compiled] == [
        ("Create or Update a Person", "upsert_person", 'type = "identify"', True),
        ("Create or Update an Organization", "upsert_organization", 'type = "group"', True),
        (
            "Create or Update an Activity",
            "upsert_activity",
            'type = "track" and event = "Activity Upserted"',
            True,
        ),
    ]


@pytest.mark.parametrize(
    ("person_field", "organization_field"), [("id", "id"), ("External ID", "id"), ("id", " ID "), ("x", "y")]
)
def test_presets_compile_for_any_settings(person_field: str, organization_field: str) -> None:
    assert len(compile_mappings(preset_mappings(person_field, organization_field))) == 3


class TestPersonWithDefaultSetting:
    def test_matches_on_email_when_the_event_has_one(self) -> None:
        record = {"type": "identify", "userId": "u1", "traits": {"email": "ann@acme.com", "name": "Ann"}}
        assert routed(record) == [
            (
                "Create or Update a Person",
                {
                    "match_field": "email",
                    "match_value": "ann@acme.com",
                    "name": "Ann",
                    "email": ["ann@acme.com"],
                },
            )
        ]

    def test_falls_back_to_user_id_against_the_setting(self) -> None:
        record = {"type": "identify", "userId": "123", "traits": {"email": "", "phone": "555"}}
        assert routed(record) == [("Create or Update a Person", {"match_value": "123", "phone": ["555"]})]

    def test_nothing_to_match_on_is_rejected(self) -> None:
        ((_, outcome),) = routed({"type": "identify", "traits": {"name": "Ann"}})
        assert isinstance(outcome, RecordRejected) and outcome.field == "match_value"


class TestPersonWithExternalIdSetting:
    def test_user_id_against_the_setting_even_with_email(self) -> None:
        record = {"type": "identify", "userId": "u1", "traits": {"email": "ann@acme.com"}}
        assert routed(record, person_field="External ID") == [
            ("Create or Update a Person", {"match_value": "u1", "email": ["ann@acme.com"]})
        ]

    def test_anonymous_identify_falls_back_to_email(self) -> None:
        record = {"type": "identify", "anonymousId": "a1", "traits": {"email": "ann@acme.com"}}
        assert routed(record, person_field="External ID") == [
            (
                "Create or Update a Person",
                {"match_field": "email", "match_value": "ann@acme.com", "email": ["ann@acme.com"]},
            )
        ]


class TestOrganization:
    def test_name_when_the_setting_is_id(self) -> None:
        record = {"type": "group", "groupId": "g1", "traits": {"name": "Acme"}}
        assert routed(record) == [
            (
                "Create or Update an Organization",
                {"match_field": "name", "match_value": "Acme", "name": "Acme"},
            )
        ]

    def test_group_id_against_the_setting(self) -> None:
        record = {"type": "group", "groupId": "g1", "traits": {"name": "Acme"}}
        assert routed(record, organization_field="External ID") == [
            ("Create or Update an Organization", {"match_value": "g1", "name": "Acme"})
        ]


def test_activity_uses_segments_defaults() -> None:
    (activity,) = [m for m in preset_mappings() if m["action"] == "upsert_activity"]
    spec = ACTION_SPECS["upsert_activity"]
    assert activity["fields"] == {f.key: f.default for f in spec.fields if f.default is not None}
    record = {
        "type": "track",
        "event": "Activity Upserted",
        "userId": "u1",
        "context": {"groupId": "g1"},
        "properties": {"activity_id": "12", "subject": "Call", "done": "true", "deal_id": 9},
    }
    assert routed(record) == [
        (
            "Create or Update an Activity",
            {
                "activity_id": 12,
                "person_match_value": "u1",
                "organization_match_value": "g1",
                "deal_match_value": "9",
                "subject": "Call",
                "done": True,
            },
        )
    ]
