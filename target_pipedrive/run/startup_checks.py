"""Checks of the config against the account, before any record is read.

Whatever a mapping states literally (a match field, a custom field's name, an owner, a pipeline or stage,
a lead label) is checked once here, so a
typo fails the run at start-up with every problem listed, instead of rejecting every record. Values
that come from records (an @path match field) are checked per record.
"""

from __future__ import annotations

import contextlib
from typing import Any

from ..account.catalog import UnknownField
from ..account.directory import AccountDirectory, AmbiguousName
from ..account.match import UnsearchableField
from ..account.runtime import Runtime
from ..actions import ACTION_SPECS, policy
from ..mapping.engine import CompiledMapping
from ..pipedrive.entities import MATCHABLE


def _literal(value: Any) -> str | None:
    if isinstance(value, str):
        return value
    if isinstance(value, dict) and set(value) == {"@literal"} and isinstance(value["@literal"], str):
        return value["@literal"]
    return None


def _literals(value: Any) -> list[str] | None:
    """A literal value, or a list of literal values (a "multiple" field), as strings; None if any
    part comes from the record."""
    if isinstance(value, list):
        items = [_literals(item) for item in value]
        return (
            None if any(item is None for item in items) else [text for item in items for text in item or []]
        )
    if isinstance(value, dict) and set(value) == {"@literal"}:
        value = value["@literal"]
    if isinstance(value, bool) or not isinstance(value, (str, int)):
        return None
    return [str(value)] if str(value).strip() else []


def _check_directory(runtime: Runtime, mapping: CompiledMapping) -> list[str]:
    """Owners, pipelines, stages and lead labels named literally: they must be the account's."""
    problems: list[str] = []
    fields = mapping.fields_source or {}
    for field in ACTION_SPECS[mapping.action].fields:
        names = _literals(fields.get(field.key)) if field.directory and field.key in fields else None
        for name in names or []:
            try:
                _resolve(runtime.directory, field.directory, name, fields)
            except ValueError as exc:
                problems.append(f"mapping {mapping.name!r}, field {field.key!r}: {exc}")
    return problems


def _resolve(directory: AccountDirectory, kind: str | None, name: str, fields: dict[str, Any]) -> None:
    """ValueError when `name` is not one of the account's `kind` (a user, pipeline, stage, label)."""
    if kind == "user":
        directory.user(name)
    elif kind == "pipeline":
        directory.pipeline(name)
    elif kind == "label":
        directory.label(name)
    elif kind == "stage":
        pipeline, within = _literals(fields.get("pipeline")), None
        # A pipeline that is not the account's is the `pipeline` field's problem, said there.
        with contextlib.suppress(ValueError):
            within = directory.pipeline(pipeline[0]) if pipeline else None
        try:
            directory.stage(name, within)
        except AmbiguousName:
            if "pipeline" not in fields:
                raise
            # The record's own pipeline tells the stage apart: checked per record.


def _check_fields(runtime: Runtime, mapping: CompiledMapping) -> list[str]:
    problems: list[str] = []
    fields = mapping.fields_source or {}
    spec = ACTION_SPECS[mapping.action]
    match_entities = spec.match_entities()
    for key, value in fields.items():
        entity = MATCHABLE.get(match_entities.get(key, ""))
        wanted = _literal(value)
        if entity is None or wanted is None:
            continue
        try:
            runtime.match_field(entity, wanted)
        except (UnknownField, UnsearchableField) as exc:
            problems.append(f"mapping {mapping.name!r}, field {key!r}: {exc}")
    try:
        policy.resolve(mapping.action, mapping.policy, runtime.catalog)
    except (LookupError, ValueError) as exc:
        problems.append(f"mapping {mapping.name!r}, preserve or create_only_fields: {exc}")
    custom = fields.get("custom_fields")
    own = policy.custom_entity(mapping.action)
    if own is None or not isinstance(custom, dict) or any(str(k).startswith("@") for k in custom):
        return problems
    for wanted in custom:
        try:
            field = runtime.catalog.resolve(own, str(wanted))
        except UnknownField as exc:
            problems.append(f"mapping {mapping.name!r}, field 'custom_fields.{wanted}': {exc}")
            continue
        if not field.is_custom:
            problems.append(
                f"mapping {mapping.name!r}, field 'custom_fields.{wanted}': {field.name!r} is a built-in "
                f"{own.label} field; map it to its own field instead"
            )
    return problems


def check_against_account(runtime: Runtime, compiled: list[CompiledMapping]) -> list[str]:
    """Every problem of the settings and the enabled mappings that the account reveals."""
    problems: list[str] = []
    for entity_name, wanted in runtime.default_match.items():
        if wanted.strip().casefold() != "id":
            try:
                runtime.match_field(MATCHABLE[entity_name], wanted)
            except (UnknownField, UnsearchableField) as exc:
                problems.append(f"setting {entity_name}_field: {exc}")
    for mapping in compiled:
        if mapping.enabled:
            problems.extend(_check_fields(runtime, mapping))
            problems.extend(_check_directory(runtime, mapping))
    return problems
