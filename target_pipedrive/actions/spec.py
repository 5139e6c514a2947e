"""Declarations of an action's fields, in Segment's keys, types and requiredness.

Each action module declares its fields beside the request it builds; this module holds the
shapes they share and derives the JSON schema the mapped payload is validated against.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Literal

FieldType = Literal["string", "integer", "number", "boolean", "datetime", "object", "contact"]

VISIBLE_TO_CHOICES = ("1", "3", "5", "7")
# The labels of a person's emails and phones (a "contact" field's `label`).
CONTACT_LABELS = ("work", "home", "mobile", "other")


@dataclass(frozen=True)
class FieldSpec:
    """One field of an action, as Segment's field table declares it."""

    key: str
    label: str
    type: FieldType
    description: str
    required: bool = False
    # A "multiple" field takes a list of values; a single value is wrapped into a list.
    multiple: bool = False
    # Segment's default mapping for the field (a mapping-kit value), used by presets.
    default: Any = None
    choices: tuple[str, ...] | None = None

    def json_schema(self) -> dict[str, Any]:
        """The JSON schema of the field's value after mapping and coercion."""
        scalar: dict[str, Any]
        if self.type == "datetime":
            # An ISO-8601 string or an epoch number; parsed and formatted by the action.
            scalar = {"type": ["string", "number"]}
        elif self.type == "object":
            scalar = {"type": "object"}
        elif self.type == "contact":
            # An address or number, or {value, label, primary} (mapping/coercion.py checks the object).
            scalar = {"type": ["string", "object"]}
        else:
            scalar = {"type": self.type}
        if self.choices:
            scalar["enum"] = list(self.choices)
        if self.multiple:
            return {"type": "array", "items": scalar}
        return scalar


@dataclass(frozen=True)
class ActionSpec:
    """An action: its name in configs, Segment's title, its default trigger and its fields."""

    name: str
    title: str
    description: str
    default_trigger: str
    fields: tuple[FieldSpec, ...]
    # Constraints across fields that JSON schema alone states poorly, as (fields, message):
    # at least one of the named fields must be present.
    one_of_required: tuple[tuple[tuple[str, ...], str], ...] = field(default=())

    def field(self, key: str) -> FieldSpec:
        for spec in self.fields:
            if spec.key == key:
                return spec
        raise KeyError(key)

    @property
    def field_keys(self) -> tuple[str, ...]:
        return tuple(spec.key for spec in self.fields)

    def json_schema(self) -> dict[str, Any]:
        """The JSON schema a mapped payload of this action must satisfy."""
        return {
            "type": "object",
            "properties": {spec.key: spec.json_schema() for spec in self.fields},
            "required": [spec.key for spec in self.fields if spec.required],
            "additionalProperties": False,
        }


def match_pair(entity: str, label: str, default: Any = None, extra: str = "") -> tuple[FieldSpec, FieldSpec]:
    """The `<entity>_match_field` / `<entity>_match_value` pair used for associations."""
    return (
        FieldSpec(
            f"{entity}_match_field",
            f"{label} match field",
            "string",
            f"If present, used instead of field in settings to find existing {label.lower()} in Pipedrive.",
        ),
        FieldSpec(
            f"{entity}_match_value",
            f"{label} match value",
            "string",
            f"Value to find existing {label.lower()} by.{extra}",
            default=default,
        ),
    )


def visible_to_field(entity: str) -> FieldSpec:
    return FieldSpec(
        "visible_to",
        "Visible To",
        "string",
        f"Visibility of the {entity}: a number the account's plan offers or its name (owner, owner_group, "
        "owner_group_and_subgroups, entire_company), turned into the number that means it on this plan "
        "(entire_company is 3 on Light/Growth/Professional, 7 on Premium/Ultimate). If omitted, the "
        "user's default visibility applies.",
    )


def add_time_field(entity: str) -> FieldSpec:
    return FieldSpec(
        "add_time",
        "Created At",
        "datetime",
        f"If the {entity} is created, use this timestamp as the creation timestamp (any ISO-8601 or epoch).",
    )


def custom_fields_field() -> FieldSpec:
    return FieldSpec(
        "custom_fields",
        "Custom fields",
        "object",
        "New values for custom fields, keyed by the field's name or its 40-character key.",
    )
