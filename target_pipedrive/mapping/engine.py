"""Mappings compiled once at start-up, then routing: which mappings a record triggers, with what payload.

compile_mappings() checks everything a config can get wrong (shape, names, actions, field keys,
trigger syntax, directives) and reports every problem in one MappingConfigError. A CompiledMapping
holds closures only, so routing a record does no parsing and no schema interpretation.
"""

from __future__ import annotations

import difflib
import json
import math
from collections.abc import Sequence
from dataclasses import replace
from typing import Any

from ..actions import ACTION_SPECS
from ..actions.plan import MODES, UPSERT
from ..actions.policy import DEFAULT_POLICY, WritePolicy, policy_problems
from ..actions.spec import ActionSpec
from .coercion import Coercer, Invalid, compile_field
from .directives import DirectiveError, Resolver, compile_value
from .errors import MappingConfigError, RecordRejected, show_value
from .fql_eval import Predicate, compile_trigger
from .fql_lexer import FqlSyntaxError
from .jsvalues import MAX_STRING, MISSING, poison, strip_missing
from .presets import preset_mappings
from .setting import MAX_MAPPINGS

_KEYS = (
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
)
# Keys a ported Segment mapping may carry under another name.
_RENAMED = {"subscribe": "trigger", "subscription": "trigger", "mapping": "fields", "actionId": "action"}
# Segment's action slugs and titles, so a ported mapping's action can be named for the user.
_SEGMENT_ACTIONS = {
    **{spec.segment_slug: name for name, spec in ACTION_SPECS.items()},
    **{spec.title.casefold(): name for name, spec in ACTION_SPECS.items()},
}
# Values that need no walk to drop absent members or turn Decimals into numbers.
_FLAT = frozenset({str, int, float, bool, type(None)})


class CompiledMapping:
    """One mapping, ready to route: `matches` tests the trigger, `apply` builds the validated payload."""

    __slots__ = (
        "_fields",
        "_one_of",
        "_required",
        "_trigger",
        "action",
        "enabled",
        "fields_source",
        "name",
        "policy",
        "trigger_source",
    )

    def __init__(
        self,
        name: str,
        action: ActionSpec,
        enabled: bool,
        trigger_source: str,
        trigger: Predicate,
        fields_source: dict[str, Any],
        fields: list[tuple[str, Resolver, Coercer]],
        policy: WritePolicy = DEFAULT_POLICY,
    ) -> None:
        self.name = name
        # How updates treat the entity's values (contacts, preserve, create_only_fields: actions/policy.py).
        self.policy = policy
        self.action = action.name
        self.enabled = enabled
        self.trigger_source = trigger_source
        self.fields_source = fields_source
        self._trigger = trigger
        self._fields = tuple(fields)
        self._required = tuple(spec.key for spec in action.fields if spec.required)
        self._one_of = action.one_of_required

    def __repr__(self) -> str:
        return f"CompiledMapping({self.name!r}, action={self.action!r}, trigger={self.trigger_source!r})"

    def matches(self, record: dict[str, Any], stream: str) -> bool:
        """Whether the trigger holds for the record that came on `stream` (enabled or not)."""
        return self._trigger(record, stream)

    def apply(self, record: dict[str, Any]) -> dict[str, Any]:
        """The action's payload for the record: resolved, emptied as Segment does, coerced and checked."""
        payload: dict[str, Any] = {}
        for key, resolve, coerce in self._fields:
            try:
                value = resolve(record)
            except DirectiveError as exc:
                raise RecordRejected(self.name, key, None, str(exc), self._hint(key), shown=False) from None
            except RecursionError:
                raise RecordRejected(
                    self.name, key, None, "the record is nested too deeply to map", shown=False
                ) from None
            if value is MISSING:
                continue
            # Poison values (too deep, too long, infinite) are this record's reject, never the run's end.
            kind = value.__class__
            if kind not in _FLAT or (kind is str and len(value) > MAX_STRING) or kind is float:
                if problem := poison(value):
                    raise RecordRejected(self.name, key, None, problem, shown=False)
                if kind not in _FLAT:
                    value = strip_missing(value)
            # Segment removes empty values before validating: "" and null mean "not given".
            if value is None or value == "":
                continue
            try:
                value = coerce(value)
            except Invalid as exc:
                raise RecordRejected(self.name, key, value, str(exc), self._hint(key)) from None
            if value.__class__ is float and not math.isfinite(value):
                raise RecordRejected(
                    self.name,
                    key,
                    None,
                    "is infinite (or too large), not a number Pipedrive can store",
                    shown=False,
                )
            if value is not MISSING:
                payload[key] = value
        for key in self._required:
            if key not in payload:
                raise RecordRejected(
                    self.name,
                    key,
                    None,
                    "is required, but the mapping gives no value for this record",
                    self._hint(key, required=True),
                    shown=False,
                )
        for keys, message in self._one_of:
            if not any(key in payload for key in keys):
                raise RecordRejected(self.name, keys[0], None, message, shown=False)
        return payload

    def _hint(self, key: str, *, required: bool = False) -> str:
        source = self.fields_source.get(key, MISSING)
        if source is MISSING:
            return f"map {key!r} in the mapping's fields"
        text = f"it is mapped from {show_value(source)}"
        if required:
            return (
                f"{text}; narrow the trigger to records that have it, or map it from a value every record has"
            )
        return f"{text}; change that mapping or the records the trigger lets through"


def _label(index: int, raw: Any) -> str:
    name = raw.get("name") if isinstance(raw, dict) else None
    return (
        f"mapping {name!r} (#{index + 1})"
        if isinstance(name, str) and name.strip()
        else f"mapping #{index + 1}"
    )


def _suggest(word: str, choices: Sequence[str]) -> str:
    close = difflib.get_close_matches(word, choices, n=1, cutoff=0.6)
    return f" (did you mean {close[0]!r}?)" if close else ""


def _compile_one(index: int, raw: Any, problems: list[str]) -> CompiledMapping | None:
    label = _label(index, raw)
    if not isinstance(raw, dict):
        problems.append(f"{label}: expected an object with {', '.join(_KEYS)}, got {show_value(raw)}")
        return None
    before = len(problems)
    _check_keys(raw, label, problems)
    name = raw.get("name")
    if not isinstance(name, str) or not name.strip():
        problems.append(f"{label}: 'name' is required: a non-empty string that names the mapping")
    # null is what the settings schema's nullable boolean allows for "not set".
    enabled = True if raw.get("enabled") is None else raw["enabled"]
    if not isinstance(enabled, bool):
        problems.append(f"{label}: 'enabled' should be true or false, got {show_value(enabled)}")
    action = _check_action(raw.get("action"), label, problems)
    trigger_source = raw.get("trigger")
    trigger = _check_trigger(trigger_source, action, label, problems)
    fields_source = raw.get("fields")
    compiled_fields = _check_fields(fields_source, action, label, problems)
    policy, policy_errors = policy_problems(raw)
    problems.extend(f"{label}: {error}" for error in policy_errors)
    policy = _check_mode(raw.get("mode"), policy, label, problems)
    if len(problems) > before or action is None or trigger is None or not isinstance(fields_source, dict):
        return None
    # The action's field order, so a rejection names the first bad field as the user reads the table.
    order = {key: i for i, key in enumerate(action.field_keys)}
    compiled_fields.sort(key=lambda item: order[item[0]])
    return CompiledMapping(
        str(name), action, bool(enabled), str(trigger_source), trigger, fields_source, compiled_fields, policy
    )


def _check_keys(raw: dict[str, Any], label: str, problems: list[str]) -> None:
    """Report keys a mapping does not have, naming the key a ported Segment mapping meant."""
    for key in raw:
        if key not in _KEYS:
            hint = f" (use {_RENAMED[key]!r})" if key in _RENAMED else _suggest(str(key), _KEYS)
            problems.append(f"{label}: unknown key {key!r}{hint}; a mapping has {', '.join(_KEYS)}")


def _check_action(action_name: Any, label: str, problems: list[str]) -> ActionSpec | None:
    """The mapping's action; None (and a problem) when it is missing or unknown."""
    action = ACTION_SPECS.get(action_name) if isinstance(action_name, str) else None
    if action is None:
        if action_name is None:
            problems.append(f"{label}: 'action' is required: one of {', '.join(ACTION_SPECS)}")
        else:
            known = _SEGMENT_ACTIONS.get(action_name) if isinstance(action_name, str) else None
            known = known or (
                _SEGMENT_ACTIONS.get(action_name.casefold()) if isinstance(action_name, str) else None
            )
            hint = (
                f" (Segment's {action_name!r} is {known!r} here)"
                if known
                else _suggest(str(action_name), list(ACTION_SPECS))
            )
            problems.append(
                f"{label}: 'action' {show_value(action_name)} is not an action{hint}; "
                f"expected one of {', '.join(ACTION_SPECS)}"
            )
    return action


def _check_trigger(
    trigger_source: Any, action: ActionSpec | None, label: str, problems: list[str]
) -> Predicate | None:
    """The compiled trigger; None (and a problem) when it is missing or not valid FQL."""
    if not isinstance(trigger_source, str):
        expected = f" (the action's usual one is {action.default_trigger!r})" if action else ""
        problems.append(
            f"{label}: 'trigger' is required: an FQL condition such as 'type = \"identify\"'{expected}"
        )
        return None
    try:
        return compile_trigger(trigger_source)
    except FqlSyntaxError as exc:
        problems.append(f"{label}: trigger {_one_line(trigger_source)} at {exc.where()}: {exc.message}")
        return None


def _check_fields(
    fields_source: Any, action: ActionSpec | None, label: str, problems: list[str]
) -> list[tuple[str, Resolver, Coercer]]:
    """The compiled fields; the keys are checked against the action only when the action is known."""
    compiled_fields: list[tuple[str, Resolver, Coercer]] = []
    if not isinstance(fields_source, dict):
        what = (
            "is required"
            if fields_source is None
            else f"should be an object, got {show_value(fields_source)}"
        )
        problems.append(f"{label}: 'fields' {what}: the action's field keys and their mappings")
    elif action is not None:
        keys = action.field_keys
        for key, value in fields_source.items():
            if key not in keys:
                problems.append(
                    f"{label}: /fields/{key} is not a field of {action.name}{_suggest(key, keys)}; "
                    f"expected one of {', '.join(keys)}"
                )
                continue
            resolver, errors = compile_value(value, f"/fields/{key}")
            problems.extend(f"{label}: {error}" for error in errors)
            compiled_fields.append((key, resolver, compile_field(action.field(key))))
        missing = [spec.key for spec in action.fields if spec.required and spec.key not in fields_source]
        if missing:
            problems.append(
                f"{label}: /fields should map the required field{'s' if len(missing) > 1 else ''} "
                f"{', '.join(missing)}"
            )
    return compiled_fields


def _check_mode(mode: Any, policy: WritePolicy, label: str, problems: list[str]) -> WritePolicy:
    """The policy with the mapping's mode (null: upsert); unchanged (and a problem) when it is unknown."""
    mode = UPSERT if mode is None else mode
    if mode not in MODES:
        hint = _suggest(mode.replace("-", "_").casefold(), MODES) if isinstance(mode, str) else ""
        problems.append(
            f'{label}: \'mode\' should be "upsert" (the default: create or update), "update_only" (never '
            f'create) or "create_only" (never update), got {show_value(mode)}{hint}'
        )
        return policy
    return replace(policy, mode=str(mode))


def _one_line(text: str) -> str:
    shown = json.dumps(text, ensure_ascii=False)
    return shown if len(shown) <= 120 else shown[:117] + '…"'


def compile_mappings(
    mappings: list[dict[str, Any]] | None, *, person_field: str = "id", organization_field: str = "id"
) -> list[CompiledMapping]:
    """Validate and compile every mapping (None: the presets); one MappingConfigError lists every problem."""
    if mappings is None:
        mappings = preset_mappings(person_field or "id", organization_field or "id")
    if not isinstance(mappings, list):
        raise MappingConfigError([f"mappings: expected an array of mappings, got {show_value(mappings)}"])
    problems: list[str] = []
    if not mappings:
        # Every record would be dropped while the tap's bookmark moves past it (a `[]` left over from
        # a template): never what a run is for.
        problems.append(
            "mappings: the list is empty, so every record would be dropped while the state moves on; "
            "add a mapping, or remove the setting to use the presets"
        )
    if len(mappings) > MAX_MAPPINGS:
        problems.append(f"mappings: {len(mappings)} mappings given; at most {MAX_MAPPINGS} are allowed")
    compiled: list[CompiledMapping] = []
    seen: dict[str, int] = {}
    for index, raw in enumerate(mappings):
        name = raw.get("name") if isinstance(raw, dict) else None
        if isinstance(name, str) and name.strip():
            if name in seen:
                problems.append(
                    f"{_label(index, raw)}: the name {name!r} is already used by mapping "
                    f"#{seen[name] + 1}; names must be unique"
                )
            else:
                seen[name] = index
        mapping = _compile_one(index, raw, problems)
        if mapping is not None:
            compiled.append(mapping)
    if problems:
        raise MappingConfigError(problems)
    return compiled
