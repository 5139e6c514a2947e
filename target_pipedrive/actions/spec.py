"""Declarations of an action's fields, in Segment's keys, types and requiredness.

Each action module declares its fields beside the request it builds; this module holds the
shapes they share and derives the JSON schema the mapped payload is validated against.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any, Literal

FieldType = Literal["string", "integer", "number", "boolean", "datetime", "object", "contact"]

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
    # A name the account's directory turns into an id (account/directory.py): "user", "pipeline",
    # "stage" or "label". A literal value is checked at start-up (run/startup_checks.py).
    directory: str | None = None

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
    """Every fact of an action: its name in configs, Segment's title and slug, its default trigger, its
    fields, the entity it writes and how the write path treats its fields. The engine, the write path,
    the start-up checks and the tools read them from here."""

    name: str
    title: str
    description: str
    default_trigger: str
    fields: tuple[FieldSpec, ...]
    # Constraints across fields that JSON schema alone states poorly, as (fields, message):
    # at least one of the named fields must be present.
    one_of_required: tuple[tuple[tuple[str, ...], str], ...] = field(default=())
    # The Pipedrive entity it writes (pipedrive/entities.py's names) and Segment's slug of the action.
    entity: str = ""
    segment_slug: str = ""
    # Actions without a match field (activities, notes, leads): a source event is remembered by its
    # marker in the sync ledger, and a replay fills in this id field instead of creating again.
    marker_id: str | None = None
    # Body keys → the mapping's field key, where they differ; more mapping keys naming a body key.
    body_fields: Mapping[str, str] = field(default_factory=dict)
    field_aliases: Mapping[str, str] = field(default_factory=dict)
    # Lists merged with what the entity holds (the write policy): body key → how items are told apart.
    merged_lists: Mapping[str, str] = field(default_factory=dict)
    # Where a lost create of a v1 entity (notes, leads) is looked for: its body's links, in this order.
    content_links: tuple[str, ...] = ()
    # The fields whose write depends on nothing but their values and the account's field catalogue
    # (no link, no user, pipeline or label): a payload of only these, the same as the one the mapping
    # last wrote to the entity it finds, is unchanged without planning it (run/payload_memo.py).
    memo_fields: frozenset[str] = frozenset()

    def field(self, key: str) -> FieldSpec:
        for spec in self.fields:
            if spec.key == key:
                return spec
        raise KeyError(key)

    @property
    def body_names(self) -> dict[str, str]:
        """Every body key the mapping names otherwise: `body_fields`, and the owner (owner_id) of the
        actions that map one."""
        owner = {"owner_id": "owner"} if "owner" in self.field_keys else {}
        return {**self.body_fields, **owner}

    @property
    def field_keys(self) -> tuple[str, ...]:
        return tuple(spec.key for spec in self.fields)

    @property
    def custom_fields_entity(self) -> str | None:
        """The entity whose custom fields the action maps (its own), None if it maps none."""
        return self.entity if "custom_fields" in self.field_keys else None

    def match_entities(self) -> dict[str, str]:
        """Each match-field key of the action → the entity it looks up (`match_field`: its own)."""
        found = {
            key: key.removesuffix("_match_field") for key in self.field_keys if key.endswith("_match_field")
        }
        if "match_field" in self.field_keys:
            found["match_field"] = self.entity
        return found

    @property
    def key_fields(self) -> tuple[str, ...]:
        """The payload fields two records in flight must not share (dispatch order): the match values
        it looks up or links by, and the id its marker fills in."""
        values = tuple(key for key in self.field_keys if key.endswith("match_value"))
        return values + ((self.marker_id,) if self.marker_id else ())

    def json_schema(self) -> dict[str, Any]:
        """The JSON schema a mapped payload of this action must satisfy."""
        return {
            "type": "object",
            "properties": {spec.key: spec.json_schema() for spec in self.fields},
            "required": [spec.key for spec in self.fields if spec.required],
            "additionalProperties": False,
        }


# Body keys the mapping names otherwise, shared by several actions: the links.
LINK_BODY = {"person_id": "person_match_value", "org_id": "organization_match_value"}


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


def prop(name: str) -> dict[str, str]:
    """Segment's default for a field read from a track event's properties."""
    return {"@path": f"$.properties.{name}"}


def required_links() -> tuple[FieldSpec, ...]:
    """The person and organization pairs of a deal or lead, which needs one of them to be created."""
    return (
        *match_pair(
            "person",
            "Person",
            default={"@path": "$.userId"},
            extra=" Required unless organization_match_value present",
        ),
        *match_pair(
            "organization",
            "Organization",
            default={"@path": "$.context.groupId"},
            extra=" Required unless person_match_value present",
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


def owner_field(entity: str, who: str = "owner") -> FieldSpec:
    return FieldSpec(
        "owner",
        "Owner",
        "string",
        f"The {who} of the {entity}: a Pipedrive user by email, name or id (sent as owner_id). An unknown "
        "user, or a name several users share, rejects the record with the valid users.",
        directory="user",
    )


def custom_fields_field() -> FieldSpec:
    return FieldSpec(
        "custom_fields",
        "Custom fields",
        "object",
        "New values for custom fields, keyed by the field's name or its 40-character key.",
    )
