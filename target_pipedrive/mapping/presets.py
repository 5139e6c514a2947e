"""The default mappings: Segment's three presets, with match fields that find an entity again.

Segment's presets match `userId` and `groupId` against Pipedrive's numeric `id`, which they never
equal, so every identify and every group creates another person or organization. Ours:

* Person. When `person_field` is left at `id`: an identify that carries `traits.email` matches on
  email; one without matches `userId` against `id` (the lookup rejects a non-numeric value, telling
  the user to set `person_field`). When `person_field` names a field (an "External ID"), `userId` is
  matched against it on every identify that has one, because it is the stable key and on create it is
  written into that field, so the next run finds the person; an identify without a userId falls back
  to email.
* Organization. With `organization_field` set, `groupId` against it; otherwise the organization's
  name (`traits.name`), which is searchable and written on create, so it can be found again.
* Activity: Segment's default field mappings, unchanged.
"""

from __future__ import annotations

from typing import Any

from ..actions import ACTION_SPECS

PERSON_PRESET = "Create or Update a Person"
ORGANIZATION_PRESET = "Create or Update an Organization"
ACTIVITY_PRESET = "Create or Update an Activity"


def _path(path: str) -> dict[str, str]:
    return {"@path": path}


def _first_present(first: str, second: str) -> dict[str, Any]:
    """`first` when it holds a non-blank value, else `second` (a mapping-kit @if)."""
    return {"@if": {"blank": _path(first), "then": _path(first), "else": _path(second)}}


def _is_id(setting: str) -> bool:
    return setting.strip().casefold() == "id"


def _defaults(action: str) -> dict[str, Any]:
    return {spec.key: spec.default for spec in ACTION_SPECS[action].fields if spec.default is not None}


def person_preset(person_field: str = "id") -> dict[str, Any]:
    fields = _defaults("upsert_person")
    if _is_id(person_field):
        # With email: match on it; without: the setting (`id`) with userId.
        fields["match_field"] = {"@if": {"blank": _path("$.traits.email"), "then": "email"}}
        fields["match_value"] = _first_present("$.traits.email", "$.userId")
    else:
        # With userId: the setting's field; without: email.
        fields["match_field"] = {"@if": {"blank": _path("$.userId"), "else": "email"}}
        fields["match_value"] = _first_present("$.userId", "$.traits.email")
    return _preset(PERSON_PRESET, "upsert_person", fields)


def _preset(name: str, action: str, fields: dict[str, Any]) -> dict[str, Any]:
    """A preset mapping: Segment's default trigger for the action, enabled."""
    trigger = ACTION_SPECS[action].default_trigger
    return {"name": name, "enabled": True, "trigger": trigger, "action": action, "fields": fields}


def organization_preset(organization_field: str = "id") -> dict[str, Any]:
    fields = _defaults("upsert_organization")
    if _is_id(organization_field):
        fields["match_field"] = "name"
        fields["match_value"] = _path("$.traits.name")
    return _preset(ORGANIZATION_PRESET, "upsert_organization", fields)


def activity_preset() -> dict[str, Any]:
    return _preset(ACTIVITY_PRESET, "upsert_activity", _defaults("upsert_activity"))


def preset_mappings(person_field: str = "id", organization_field: str = "id") -> list[dict[str, Any]]:
    """The mappings that apply when the `mappings` setting is absent."""
    return [person_preset(person_field), organization_preset(organization_field), activity_preset()]
