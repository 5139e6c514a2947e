"""The write policy: what an update sends, and what it leaves as people in Pipedrive left it.

docs/write-policy.md states the rules with examples. In short, per mapping:

- An update sends only the fields whose mapped value differs from what this mapping last wrote (a digest
  per field in the sync ledger); with no digest yet, the fields the entity already holds (when its current
  values are known) are left out. A field edited in Pipedrive keeps its edit until the source changes it.
- Contact lists (a person's emails and phones, an activity's participants) are merged: what is mapped and
  missing is added, the rest is kept with its labels, and the primary moves only when the mapping marks
  one. `contacts: "replace"` makes the source the whole list (emails and phones).
- A lead's amount without a currency keeps the lead's own currency.
- `preserve`: fields written only while the entity's value is empty; `create_only_fields`: fields written
  on create only.

A field is named by its key in the body (`name`, `emails`) or, for a custom field, `custom_fields.<key>`.
The write path applies the policy (run/narrowing.py); this module holds the pure parts.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from ..account.catalog import FieldCatalog, UnknownField
from ..account.digests import field_digest
from ..account.finder import digits
from ..account.texts import text_key
from ..pipedrive.entities import BY_NAME, Entity
from .spec import CONTACT_LABELS, ActionSpec

__all__ = ["CONTACT_LABELS", "DEFAULT_POLICY", "ResolvedPolicy", "WritePolicy"]

CONTACT_MODES: tuple[str, str] = ("merge", "replace")
# What upsert_organization's person link does to a person who belongs to another organization.
LINK_MODES: tuple[str, str] = ("keep", "move")
CUSTOM = "custom_fields."


def _spec(action: str) -> ActionSpec:
    from . import ACTION_SPECS  # the registry imports the actions, which import this module

    return ACTION_SPECS[action]


def custom_entity(action: str) -> Entity | None:
    """The entity whose custom fields an action maps (None: it maps none)."""
    name = _spec(action).custom_fields_entity
    return BY_NAME[name] if name is not None else None


@dataclass(frozen=True)
class WritePolicy:
    """A mapping's `contacts`, `preserve` and `create_only_fields`, as its config gives them, and its
    `mode` (`upsert`, `update_only`, `create_only`: what the write path lets a planned write do), and its
    `link` (`keep`, `move`: whether a person linked to an organization leaves another one for it)."""

    contacts: str = "merge"
    preserve: tuple[str, ...] = ()
    create_only: tuple[str, ...] = ()
    mode: str = "upsert"
    link: str = "keep"


DEFAULT_POLICY = WritePolicy()


@dataclass(frozen=True)
class ResolvedPolicy:
    """A policy with its field names resolved to body fields (`custom_fields.<key>` for custom fields)."""

    contacts: str
    preserve: frozenset[str]
    create_only: frozenset[str]


def policy_problems(raw: dict[str, Any]) -> tuple[WritePolicy, list[str]]:
    """The policy keys of one mapping (`contacts`, `preserve`, `create_only_fields`), checked for shape."""
    problems: list[str] = []
    contacts = _choice(raw, "contacts", CONTACT_MODES, problems)
    lists: dict[str, tuple[str, ...]] = {}
    for key in ("preserve", "create_only_fields"):
        value = raw.get(key)
        if value is None:
            lists[key] = ()
        elif isinstance(value, list) and all(isinstance(item, str) and item.strip() for item in value):
            lists[key] = tuple(item.strip() for item in value)
        else:
            problems.append(f"'{key}' should be a list of field keys or custom field names, got {value!r}")
            lists[key] = ()
    link = _choice(raw, "link", LINK_MODES, problems)
    return WritePolicy(contacts, lists["preserve"], lists["create_only_fields"], link=link), problems


def _choice(raw: dict[str, Any], key: str, choices: tuple[str, str], problems: list[str]) -> str:
    """A mapping key that takes one of two words, the first the default (also when it is wrong)."""
    value = raw.get(key)
    if value is None or value in choices:
        return str(value or choices[0])
    problems.append(f'\'{key}\' should be "{choices[0]}" (the default) or "{choices[1]}", got {value!r}')
    return choices[0]


def resolve(action: str, policy: WritePolicy, catalog: FieldCatalog) -> ResolvedPolicy:
    """The policy's field names as body fields; UnknownField or ValueError on the first that is none."""
    return ResolvedPolicy(
        policy.contacts,
        frozenset(body_field(action, name, catalog) for name in policy.preserve),
        frozenset(body_field(action, name, catalog) for name in policy.create_only),
    )


def body_field(action: str, name: str, catalog: FieldCatalog) -> str:
    """What a `preserve` or `create_only_fields` entry names: an action field key (`email`), a body key
    (`emails`), or a custom field by name or key (`Tier`, `custom_fields.Tier`). UnknownField or
    ValueError when it names no field."""
    spec = _spec(action)
    keys = spec.body_names
    by_field = {field: body for body, field in keys.items()} | dict(spec.field_aliases)
    if name in by_field:
        return by_field[name]
    if name in keys or (name in spec.field_keys and name != "custom_fields"):
        return name
    entity = custom_entity(action)
    wanted = name[len(CUSTOM) :] if name.startswith(CUSTOM) else name
    if entity is None:
        fields = ", ".join(key for key in spec.field_keys if key != "custom_fields")
        raise ValueError(f"{name!r} is not a field of {action}; its fields are {fields}")
    field = catalog.resolve(entity, wanted)
    return CUSTOM + field.key if field.is_custom else field.key


def split(body: dict[str, Any]) -> dict[str, Any]:
    """A body as its fields: top-level keys, and each custom field on its own."""
    parts: dict[str, Any] = {}
    for key, value in body.items():
        if key == "custom_fields" and isinstance(value, dict):
            for custom_key, custom_value in value.items():
                parts[CUSTOM + custom_key] = custom_value
        else:
            parts[key] = value
    return parts


def join(parts: dict[str, Any]) -> dict[str, Any]:
    """The body of some fields (split's inverse)."""
    body: dict[str, Any] = {}
    for name, value in parts.items():
        if name.startswith(CUSTOM):
            body.setdefault("custom_fields", {})[name[len(CUSTOM) :]] = value
        else:
            body[name] = value
    return body


def digests(parts: dict[str, Any]) -> dict[str, str]:
    return {name: field_digest(value) for name, value in parts.items()}


def label(action: str, name: str, catalog: FieldCatalog) -> str:
    """How the summary names a field: the mapping's field key, or `custom_fields.<name>`."""
    if name.startswith(CUSTOM):
        entity = custom_entity(action)
        key = name[len(CUSTOM) :]
        if entity is not None:
            try:
                return CUSTOM + catalog.resolve(entity, key).name
            except UnknownField:
                pass
        return name
    return _spec(action).body_names.get(name, name)


def merge_kind(action: str, name: str, value: Any) -> str | None:
    """How a field is merged with the entity's value: a list kind, `lead_value` (an amount without a
    currency takes the lead's own), or None (the mapped value is sent as it is)."""
    kind = _spec(action).merged_lists.get(name)
    if kind is not None:
        return kind
    unpriced = isinstance(value, dict) and value.get("currency") is None
    return "lead_value" if action == "upsert_lead" and name == "value" and unpriced else None


def complete_contacts(items: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """Mapped emails or phones as a whole list: label `work` unless given, the first primary unless one
    is marked (at most one is)."""
    result = [
        {"value": item["value"], "primary": False, "label": item.get("label") or "work"} for item in items
    ]
    marked = next((i for i, item in enumerate(items) if item.get("primary") is True), None)
    if result:
        result[marked if marked is not None else 0]["primary"] = True
    return result


def _same_contact(kind: str, a: Any, b: Any) -> bool:
    left, right = str(a or "").strip(), str(b or "").strip()
    if kind == "phone" and digits(left) and digits(right):
        return digits(left) == digits(right)
    return text_key(left) == text_key(right)  # as finder.normalize compares emails


def merge_contacts(kind: str, held: Any, mapped: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """The entity's emails or phones (`held`) with the mapped ones that are missing added; every item
    held keeps its label, a mapped label is applied, and the primary moves only to a mapped item marked
    `primary: true`."""
    result: list[dict[str, Any]] = []
    for item in held if isinstance(held, list) else []:
        value = item.get("value") if isinstance(item, dict) else item
        if value in (None, ""):
            continue
        entry = {"value": value, "primary": False, "label": "work"}
        if isinstance(item, dict):
            entry.update(primary=bool(item.get("primary")), label=item.get("label") or "work")
        result.append(entry)
    marked: int | None = None
    for item in mapped:
        index = next(
            (i for i, entry in enumerate(result) if _same_contact(kind, entry["value"], item["value"])), None
        )
        if index is None:
            result.append({"value": item["value"], "primary": False, "label": item.get("label") or "work"})
            index = len(result) - 1
        elif item.get("label"):
            result[index]["label"] = item["label"]
        if item.get("primary") is True and marked is None:
            marked = index
    if marked is not None:
        for i, entry in enumerate(result):
            entry["primary"] = i == marked
    elif result and not any(entry["primary"] for entry in result):
        result[0]["primary"] = True
    return result


def merge_participants(held: Any, mapped: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """The activity's participants with the mapped person added (as the primary: it is the activity's
    person), every other participant kept."""
    result = [
        {"person_id": item.get("person_id"), "primary": bool(item.get("primary"))}
        for item in (held if isinstance(held, list) else [])
        if isinstance(item, dict) and item.get("person_id") is not None
    ]
    for item in mapped:
        index = next((i for i, e in enumerate(result) if e["person_id"] == item["person_id"]), None)
        if index is None:
            result.append({"person_id": item["person_id"], "primary": False})
            index = len(result) - 1
        if item.get("primary"):
            for i, entry in enumerate(result):
                entry["primary"] = i == index
    return result


def lead_value(held: Any, mapped: dict[str, Any], default_currency: Callable[[], str]) -> dict[str, Any]:
    """A lead's value with the mapped amount, in the lead's own currency (the user's default when the
    lead has no value yet)."""
    currency = held.get("currency") if isinstance(held, dict) else None
    return {"amount": mapped["amount"], "currency": currency or default_currency()}


def merged(kind: str, held: Any, value: Any, default_currency: Callable[[], str]) -> Any:
    if kind in ("email", "phone"):
        return merge_contacts(kind, held, value)
    if kind == "participants":
        return merge_participants(held, value)
    return lead_value(held, value, default_currency)


def replaced(kind: str, value: Any, default_currency: Callable[[], str]) -> Any:
    """A merged field's value when nothing is read: the source is the whole list (or the default currency)."""
    if kind in ("email", "phone"):
        return complete_contacts(value)
    if kind == "lead_value":
        return {"amount": value["amount"], "currency": default_currency()}
    return value


def held_value(current: dict[str, Any], name: str) -> Any:
    if name.startswith(CUSTOM):
        return (current.get("custom_fields") or {}).get(name[len(CUSTOM) :])
    return current.get(name)


def is_empty(value: Any) -> bool:
    """Whether an entity's value counts as empty for `preserve`."""
    if value is None or value == "" or value == [] or value == {}:
        return True
    if isinstance(value, dict) and "value" in value:
        return is_empty(value["value"])
    if isinstance(value, list):
        return all(is_empty(item) for item in value)
    return False
