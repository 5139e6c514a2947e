"""`fields`: the account's fields per entity, so match fields and custom fields can be named.

For each field: its name as Pipedrive shows it, its key, its type, whether it is custom, whether a
lookup can match on it (the same rule the target applies at start-up) and its option labels.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass, field
from typing import Any

from ..account.catalog import FieldCatalog, FieldDef
from ..account.match import UnsearchableField, resolve_match_field
from ..pipedrive.entities import ACTIVITY, DEAL, MATCHABLE, ORGANIZATION, PERSON, Entity

# Leads carry the deal fields and notes have none, so these four cover every field a mapping writes.
ENTITIES: dict[str, Entity] = {entity.name: entity for entity in (PERSON, ORGANIZATION, DEAL, ACTIVITY)}
ALIASES = {"lead": "deal"}


@dataclass(frozen=True)
class FieldRow:
    name: str
    key: str
    type: str
    custom: bool
    searchable: bool
    options: list[str] = field(default_factory=list)


def _searchable(catalog: FieldCatalog, entity: Entity, definition: FieldDef) -> bool:
    if entity.name not in MATCHABLE:
        return False
    try:
        resolve_match_field(catalog, entity, definition.key)
    except UnsearchableField:
        return False
    return True


def entity_fields(catalog: FieldCatalog, entity: Entity) -> list[FieldRow]:
    return [
        FieldRow(
            name=definition.name,
            key=definition.key,
            type=definition.type,
            custom=definition.is_custom,
            searchable=_searchable(catalog, entity, definition),
            options=list(definition.options),
        )
        for definition in catalog.fields(entity)
    ]


def discover(catalog: FieldCatalog, entity_names: list[str]) -> dict[str, list[FieldRow]]:
    """The fields of each named entity (all four when none is named), in the account's order."""
    names = [ALIASES.get(name, name) for name in entity_names] or list(ENTITIES)
    return {name: entity_fields(catalog, ENTITIES[name]) for name in dict.fromkeys(names)}


def as_json(found: dict[str, list[FieldRow]]) -> dict[str, Any]:
    return {name: [asdict(row) for row in rows] for name, rows in found.items()}


def as_text(found: dict[str, list[FieldRow]]) -> str:
    lines: list[str] = []
    for name, rows in found.items():
        lines.append(f"{name} fields ({len(rows)})")
        table = [("name", "key", "type", "custom", "searchable", "options")]
        table += [
            (
                row.name,
                row.key,
                row.type,
                "yes" if row.custom else "no",
                "yes" if row.searchable else "no",
                ", ".join(row.options),
            )
            for row in rows
        ]
        widths = [max(len(cells[column]) for cells in table) for column in range(5)]
        for cells in table:
            padded = [cell.ljust(width) for cell, width in zip(cells[:5], widths, strict=True)]
            lines.append(("  " + "  ".join([*padded, cells[5]])).rstrip())
        lines.append("")
    return "\n".join(lines)
