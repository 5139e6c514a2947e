"""The `mappings` setting, declared with the SDK's typing helpers so that `--about` documents it."""

from __future__ import annotations

from typing import Any

from singer_sdk import typing as th

from ..actions import ACTION_SPECS

MAX_MAPPINGS = 50


class _BoundedArray(th.ArrayType):
    """An array with maxItems (the SDK's ArrayType has no such option)."""

    def __init__(self, wrapped_type: Any, *, max_items: int) -> None:
        super().__init__(wrapped_type)
        self.max_items = max_items

    @property
    def type_dict(self) -> dict:
        return {**super().type_dict, "maxItems": self.max_items}


def _mapping_object() -> th.ObjectType:
    return th.ObjectType(*_routing_properties(), *_policy_properties(), additional_properties=False)


def _routing_properties() -> tuple[th.Property, ...]:
    """What a mapping runs on and does: its name, whether it runs, its trigger, action and fields."""
    actions = ", ".join(f"`{name}` ({spec.title})" for name, spec in ACTION_SPECS.items())
    return (
        th.Property(
            "name",
            th.StringType,
            required=True,
            description="Unique name of the mapping; it names the mapping in logs, the summary and rejects.",
        ),
        th.Property(
            "enabled",
            th.BooleanType,
            default=True,
            description="Set to false to keep a mapping in the config without running it.",
        ),
        th.Property(
            "trigger",
            th.StringType,
            required=True,
            description=(
                "When the mapping runs: a Segment FQL condition on the record, e.g. "
                '`type = "track" and event = "Deal Upserted"`; `stream = "name"` tests the Singer stream. '
                "See docs/mapping.md."
            ),
        ),
        th.Property(
            "action",
            th.StringType,
            required=True,
            allowed_values=list(ACTION_SPECS),
            description=f"The Pipedrive action to run: {actions}.",
        ),
        th.Property(
            "fields",
            th.ObjectType(additional_properties=True),
            required=True,
            description=(
                "The action's fields (Segment's keys, e.g. `match_value`) and their values: a plain value, "
                'or a mapping-kit directive such as `{"@path": "$.traits.email"}`, `@template`, `@if`, '
                "`@literal`, `@arrayPath`, `@case`, `@replace`, `@json`, `@merge`, `@flatten`."
            ),
        ),
    )


def _policy_properties() -> tuple[th.Property, ...]:
    """How the action may write: its mode and the write policy of updates (actions/policy.py)."""
    return (
        th.Property(
            "mode",
            th.StringType,
            allowed_values=["upsert", "update_only", "create_only"],
            description=(
                "What the action may do: `upsert` (default) creates or updates; `update_only` never creates "
                "(a record whose entity is not found is skipped, with the reason); `create_only` never "
                "updates (an entity that exists is left as it is, counted as unchanged)."
            ),
        ),
        th.Property(
            "contacts",
            th.StringType,
            allowed_values=["merge", "replace"],
            description=(
                "How an update writes a person's emails and phones: `merge` (default) adds the mapped ones "
                "that are missing and keeps the others with their labels; `replace` makes the mapped ones "
                "the whole list. See docs/write-policy.md."
            ),
        ),
        th.Property(
            "preserve",
            th.ArrayType(th.StringType),
            description=(
                "Field keys (custom field names included) written only while the entity's value is empty: "
                "a value typed in Pipedrive is never overwritten. See docs/write-policy.md."
            ),
        ),
        th.Property(
            "create_only_fields",
            th.ArrayType(th.StringType),
            description=(
                "Field keys (custom field names included) written when the entity is created, never on "
                "update (an owner, a source, a first stage). See docs/write-policy.md."
            ),
        ),
        th.Property(
            "link",
            th.StringType,
            allowed_values=["keep", "move"],
            description=(
                "upsert_organization's person link (`person_match_value`) when the person already belongs "
                "to another organization: `keep` (default) leaves them there, with a warning; `move` moves "
                "them to this organization."
            ),
        ),
    )


def mappings_property() -> th.Property:
    return th.Property(
        "mappings",
        _BoundedArray(_mapping_object(), max_items=MAX_MAPPINGS),
        description=(
            f"Up to {MAX_MAPPINGS} mappings, each a trigger, an action and its fields; every mapping "
            "whose trigger matches a record runs its action on it. When absent, the three presets of "
            "Segment's destination apply (person from identify, organization from group, activity from "
            'track "Activity Upserted"), matching on fields that find an entity again.'
        ),
    )
