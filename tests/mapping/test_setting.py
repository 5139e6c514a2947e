"""The `mappings` setting as --about and the SDK's config validation see it."""

from __future__ import annotations

import jsonschema
import pytest

from target_pipedrive.actions import ACTION_SPECS
from target_pipedrive.mapping.presets import preset_mappings
from target_pipedrive.mapping.setting import mappings_property


def schema() -> dict:
    return mappings_property().to_dict()["mappings"]


def test_declares_mappings() -> None:
    declared = schema()
    assert "array" in declared["type"]  # null too: an absent setting means the presets
    assert declared["maxItems"] == 50
    item = declared["items"]
    assert item["additionalProperties"] is False
    assert set(item["properties"]) == {
        "name",
        "enabled",
        "trigger",
        "action",
        "fields",
        "mode",
        "contacts",
        "preserve",
        "create_only_fields",
        "link",
    }
    assert item["properties"]["contacts"]["enum"] == ["merge", "replace"]
    assert item["properties"]["mode"]["enum"] == ["upsert", "update_only", "create_only"]
    assert item["properties"]["action"]["enum"] == list(ACTION_SPECS)
    assert item["properties"]["enabled"]["default"] is True
    assert set(item["required"]) == {"name", "trigger", "action", "fields"}
    assert "presets" in declared["description"]


def test_presets_satisfy_the_schema() -> None:
    jsonschema.validate(preset_mappings(), schema())


@pytest.mark.parametrize(
    "bad",
    [
        [{"name": "x", "trigger": "true", "action": "nope", "fields": {}}],
        [{"name": "x", "trigger": "true", "action": "upsert_person"}],
        [{"name": "x", "trigger": "true", "action": "upsert_person", "fields": {}, "extra": 1}],
        [{"name": f"m{i}", "trigger": "true", "action": "upsert_person", "fields": {}} for i in range(51)],
    ],
)
def test_schema_rejects(bad: list) -> None:
    with pytest.raises(jsonschema.ValidationError):
        jsonschema.validate(bad, schema())
