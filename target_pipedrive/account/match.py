"""Match fields: which Pipedrive field a lookup searches, and how the value is written back on create."""

from __future__ import annotations

from dataclasses import dataclass

from ..pipedrive.entities import Entity
from .catalog import SEARCHABLE_BUILTINS, SEARCHABLE_CUSTOM_TYPES, FieldCatalog, FieldDef


class UnsearchableField(ValueError):
    pass


@dataclass(frozen=True)
class MatchField:
    entity: Entity
    # "id", "email", "phone", "name", "title" or "custom"
    kind: str
    key: str
    field: FieldDef | None = None

    @property
    def case_sensitive(self) -> bool:
        # Entity searches with exact_match ignore case; itemSearch/field compares exactly.
        return self.kind == "custom"

    def describe(self) -> str:
        name = self.field.name if self.field else self.key
        return f"{self.entity.label} {name!r}"


def resolve_match_field(catalog: FieldCatalog, entity: Entity, wanted: str | None) -> MatchField:
    """The match field named `wanted` (a name as a person sees it, or a key); `id` needs no catalogue."""
    wanted = (wanted or "id").strip()
    if wanted.casefold() in ("id", f"{entity.name}_id"):
        return MatchField(entity, "id", "id")
    builtins = SEARCHABLE_BUILTINS.get(entity.name, {})
    if wanted.casefold() in builtins:
        kind = builtins[wanted.casefold()]
        return MatchField(entity, kind, kind)
    field = catalog.resolve(entity, wanted)
    if field.is_custom:
        if field.type not in SEARCHABLE_CUSTOM_TYPES:
            allowed = ", ".join(sorted(SEARCHABLE_CUSTOM_TYPES))
            raise UnsearchableField(
                f"{entity.label} field {field.name!r} is of type {field.type!r}, "
                "which Pipedrive cannot search; "
                f"use a field of type {allowed}"
            )
        return MatchField(entity, "custom", field.key, field)
    builtin_kind = builtins.get(field.key.casefold())
    if builtin_kind is None:
        allowed = ", ".join(["id", *sorted(set(builtins.values()))])
        raise UnsearchableField(
            f"{entity.label} field {field.name!r} cannot be searched by Pipedrive; match on {allowed} "
            "or on a custom field of a searchable type (e.g. a text 'External ID')"
        )
    return MatchField(entity, builtin_kind, builtin_kind, field)
