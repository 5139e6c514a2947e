"""Steps every action shares: present values, match-field lookups, associations, owners, custom fields,
and the create and update writes."""

from __future__ import annotations

import json
from typing import Any

from ..account import custom_fields as custom
from ..account.catalog import UnknownField
from ..account.finder import LookupRejected, NotAnId, digits
from ..account.match import MatchField, UnsearchableField
from ..account.runtime import Runtime
from ..account.texts import checked_email, text_key
from ..mapping.jsvalues import type_name
from ..pipedrive import formats as values
from ..pipedrive.entities import ORGANIZATION, PERSON, Entity
from .plan import Reject, Skip, Write


def given(payload: dict[str, Any], key: str) -> bool:
    value = payload.get(key)
    return value is not None and value != "" and value != []


def convert(payload: dict[str, Any], key: str, how: Any, **kwargs: Any) -> Any:
    """payload[key] through a values.* converter, a ValueError becoming a rejection of that field."""
    try:
        return how(payload[key], **kwargs)
    except ValueError as exc:
        raise Reject(str(exc), field=key) from exc


def match_field(rt: Runtime, entity: Entity, payload: dict[str, Any], field_key: str) -> MatchField:
    try:
        return rt.match_field(entity, payload.get(field_key))
    except (UnknownField, UnsearchableField) as exc:
        raise Reject(str(exc), field=field_key) from exc


def lookup(
    rt: Runtime, entity: Entity, payload: dict[str, Any], field_key: str, value_key: str
) -> tuple[MatchField, str, int | None]:
    """Resolve the match field and find the entity whose field equals the match value."""
    match = match_field(rt, entity, payload, field_key)
    value = match_value(match, payload, value_key)
    if not value:
        raise Reject(f"{value_key} is empty", field=value_key)
    try:
        return match, value, rt.finder.find(match, value, rt.lookups)
    except LookupRejected as exc:
        raise Reject(str(exc), field=value_key) from exc


def match_value(match: MatchField, payload: dict[str, Any], value_key: str) -> str:
    """The mapped match value, trimmed; an email also in NFC (what write_back sends is what is
    compared), and refused when it holds an invisible character."""
    value = str(payload[value_key]).strip()
    if match.kind != "email":
        return value
    try:
        return checked_email(value, value_key)
    except ValueError as exc:
        raise Reject(str(exc), field=value_key) from exc


def association(
    rt: Runtime, entity: Entity, payload: dict[str, Any], prefix: str, warnings: list[str]
) -> int | None:
    """The id of the entity a `<prefix>_match_value` names; a miss is a warning, not a create."""
    value_key = f"{prefix}_match_value"
    if not given(payload, value_key):
        return None
    match = match_field(rt, entity, payload, f"{prefix}_match_field")
    value = match_value(match, payload, value_key)
    try:
        found = rt.finder.find(match, value, rt.lookups)
        if found is None:
            # Lists leave archived deals out, yet a note or an activity may be linked to one (the
            # deal action itself looks there too, so it never creates the deal again).
            found = rt.finder.find_archived(match, value)
    except NotAnId as exc:
        # Segment's defaults link by userId against `id`; an unlinkable value loses the link, not the record.
        warnings.append(f"{exc}; the link is left out")
        return None
    except LookupRejected as exc:
        raise Reject(str(exc), field=value_key) from exc
    if found is None:
        warnings.append(f"no {entity.label} has {match.describe()} = {value!r}; the link is left out")
    return found


def person_and_organization(
    rt: Runtime, payload: dict[str, Any], warnings: list[str]
) -> tuple[int | None, int | None]:
    """The ids of the person and the organization a record links to (None: not given or not found)."""
    person_id = association(rt, PERSON, payload, "person", warnings)
    return person_id, association(rt, ORGANIZATION, payload, "organization", warnings)


def require_link(person_id: int | None, org_id: int | None, what: str) -> None:
    """Deals and leads are created only with a person or an organization (Pipedrive requires one)."""
    if person_id is None and org_id is None:
        raise Reject(
            f"No related organization or person, unable to create {what}: map person_match_value or "
            "organization_match_value to an existing person or organization",
            field="person_match_value",
        )


def owner(rt: Runtime, payload: dict[str, Any], body: dict[str, Any]) -> None:
    """`owner` (a user by email, name or id, read from the account's directory) as owner_id."""
    if given(payload, "owner"):
        body["owner_id"] = convert(payload, "owner", rt.directory.user)


def owned_fields(rt: Runtime, entity: Entity, payload: dict[str, Any], body: dict[str, Any]) -> None:
    """The owner, visibility and custom fields of an entity's body, where the mapping gives them."""
    owner(rt, payload, body)
    if (visibility := visible_to(rt, entity, payload)) is not None:
        body["visible_to"] = visibility
    if fields := custom_field_values(rt, entity, payload):
        body["custom_fields"] = fields


def custom_field_values(rt: Runtime, entity: Entity, payload: dict[str, Any]) -> dict[str, Any]:
    """`custom_fields` keyed by field key, each value in its type's API v2 shape."""
    given_fields = payload.get("custom_fields") or {}
    result: dict[str, Any] = {}
    for wanted, value in given_fields.items():
        try:
            field = rt.catalog.resolve(entity, str(wanted))
        except UnknownField as exc:
            raise Reject(str(exc), field=f"custom_fields.{wanted}") from exc
        if not field.is_custom:
            raise Reject(
                f"{field.name!r} is a built-in {entity.label} field, not a custom field; "
                "map it to its own field",
                field=f"custom_fields.{wanted}",
            )
        # A time without a zone is the authorized user's local time, as Pipedrive's own forms take it.
        zone = rt.user().get("timezone_name") if field.type in custom.ZONED_TYPES else None
        try:
            result[field.key] = custom.convert(field, value, zone if isinstance(zone, str) else None)
        except ValueError as exc:
            raise Reject(str(exc), field=f"custom_fields.{wanted}") from exc
    return result


def snapshot(body: dict[str, Any]) -> dict[str, Any]:
    """A copy of a body that write_back's changes (to its lists and custom_fields) leave as it is."""
    return {key: value.copy() if isinstance(value, (dict, list)) else value for key, value in body.items()}


def write_back(body: dict[str, Any], match: MatchField, value: str, warnings: list[str]) -> None:
    """Put the match value into a create's body, so the next run finds the entity by it."""
    if match.kind == "email":
        emails = body.setdefault("emails", [])
        if not any(text_key(str(e["value"])) == text_key(value) for e in emails):
            emails.append({"value": value, "primary": not emails, "label": "work"})
    elif match.kind == "phone":
        phones = body.setdefault("phones", [])
        if not any(digits(p["value"]) == digits(value) for p in phones):
            phones.append({"value": value, "primary": not phones, "label": "work"})
    elif match.kind in ("name", "title"):
        if body.get(match.kind) not in (None, value):
            warnings.append(
                f"{match.kind} {body[match.kind]!r} replaced by the match value {value!r} on create"
            )
        body[match.kind] = value
    elif match.kind == "custom" and match.field is not None:
        fields = body.setdefault("custom_fields", {})
        try:
            fields[match.key] = custom.convert(match.field, value)
        except ValueError as exc:
            raise Reject(str(exc), field="match_value") from exc


def visible_to(rt: Runtime, entity: Entity, payload: dict[str, Any]) -> int | None:
    """The mapped visibility as the number that means it on this account's plan."""
    if not given(payload, "visible_to"):
        return None
    choices = rt.catalog.visibility(entity if entity.fields_path else PERSON)
    return convert(payload, "visible_to", lambda value: values.visible_to(value, choices))


def contacts(items: list[Any]) -> list[dict[str, Any]]:
    """Mapped emails or phones as API v2 items holding what the mapping gives: `value`, and `label` and
    `primary` where given. An update merges them into the entity's list, or makes them the list, a
    create completes them (policy.complete_contacts: label work, the first primary unless one is)."""
    result: list[dict[str, Any]] = []
    for item in items:
        entry = dict(item) if isinstance(item, dict) else {"value": item}
        if entry.get("value") is None or str(entry["value"]).strip() == "":
            continue
        entry["value"] = str(entry["value"]).strip()
        result.append(entry)
    return result


def emails(items: list[Any]) -> list[dict[str, Any]]:
    """Mapped emails as `contacts`, each in NFC and refused when it holds an invisible character, or
    when it is no text at all (a number or a boolean is a mapping pointing at the wrong field)."""
    for item in items:
        value = item.get("value") if isinstance(item, dict) else item
        if isinstance(value, (bool, int, float, dict, list)):
            raise Reject(
                f"email {json.dumps(value)[:60]} is {type_name(value)}, not an address: map the field "
                "that holds the email address (a text), then replay the reject",
                field="email",
            )
    result = contacts(items)
    for entry in result:
        try:
            entry["value"] = checked_email(entry["value"], "email")
        except ValueError as exc:
            raise Reject(str(exc), field="email") from exc
    return result


def update_found(
    entity: Entity,
    match: MatchField,
    value: str,
    found: int | None,
    body: dict[str, Any],
    warnings: list[str],
    how_to_create: str,
) -> Write | Skip | None:
    """The write for an entity the lookup found; None when it must be created. An id that does not
    exist cannot be created under that id, so it is refused rather than turned into a new entity."""
    if found is not None:
        return update(entity, found, body, warnings, remember=(match, value))
    if match.kind == "id":
        raise Reject(
            f"{entity.label} {value} does not exist; to create {entity.label}s, {how_to_create}",
            field="match_value",
        )
    return None


def update(
    entity: Entity,
    entity_id: int | str,
    body: dict[str, Any],
    warnings: list[str],
    remember: tuple[MatchField, str] | None = None,
) -> Write | Skip:
    """The PATCH of an existing entity with the mapped body (the write policy narrows it), or nothing
    when the mapping gives nothing to write."""
    if not body:
        return Skip("nothing to update", warnings, entity_id=entity_id)
    return Write(
        "PATCH",
        entity.item(entity_id),
        body,
        "updated",
        remember=remember,
        warnings=warnings,
        entity_id=entity_id,
        update_body=body,
    )


def create(
    entity: Entity,
    body: dict[str, Any],
    update_body: dict[str, Any],
    warnings: list[str],
    remember: tuple[MatchField, str] | None = None,
) -> Write:
    """The POST of a new entity; `update_body` is the body as an update would send it (the digests
    the next run diffs against)."""
    return Write(
        "POST",
        entity.collection,
        body,
        "created",
        remember=remember,
        warnings=warnings,
        update_body=update_body,
    )
