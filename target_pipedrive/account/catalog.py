"""The account's field catalogues: names ↔ keys, field types and enum/set options.

Each catalogue is read at most once per run, and only when a mapping or a setting needs it.
"""

from __future__ import annotations

import threading
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from ..pipedrive.entities import Entity
from .digests import digest

if TYPE_CHECKING:
    from ..pipedrive.client import PipedriveClient

# Pipedrive indexes only these custom-field types for search.
SEARCHABLE_CUSTOM_TYPES = frozenset(
    {"address", "varchar", "text", "varchar_auto", "double", "monetary", "phone"}
)

# Built-in fields a lookup can search, per entity, with the search `fields=` value that finds them.
SEARCHABLE_BUILTINS: dict[str, dict[str, str]] = {
    "person": {"email": "email", "emails": "email", "phone": "phone", "phones": "phone", "name": "name"},
    "organization": {"name": "name"},
    "deal": {"title": "title"},
}


@dataclass(frozen=True)
class FieldDef:
    key: str
    name: str
    type: str
    is_custom: bool
    # option label (as written in Pipedrive) → option id
    options: dict[str, Any] = field(default_factory=dict)

    def option_id(self, label_or_id: Any) -> Any:
        """The option id for a label (case-insensitive) or an id; ValueError lists the valid labels."""
        if isinstance(label_or_id, (int, str)) and not isinstance(label_or_id, bool):
            for option_id in self.options.values():
                if str(option_id) == str(label_or_id).strip():
                    return option_id
            wanted = str(label_or_id).strip().casefold()
            for label, option_id in self.options.items():
                if label.casefold() == wanted:
                    return option_id
        valid = ", ".join(repr(label) for label in self.options)
        raise ValueError(f"{label_or_id!r} is not an option of {self.name!r}; valid labels: {valid}")


class UnknownField(LookupError):
    def __init__(self, entity: str, wanted: str, known: list[str]) -> None:
        self.entity, self.wanted = entity, wanted
        hint = ", ".join(known[:40])
        super().__init__(
            f"{entity} field {wanted!r} does not exist in this Pipedrive account; known fields: {hint}"
        )


def _parse_field(raw: dict[str, Any]) -> FieldDef:
    options = {str(o.get("label")): o.get("id") for o in (raw.get("options") or []) if isinstance(o, dict)}
    return FieldDef(
        key=str(raw.get("field_code") or raw.get("key")),
        name=str(raw.get("field_name") or raw.get("name")),
        type=str(raw.get("field_type")),
        is_custom=bool(raw.get("is_custom_field", raw.get("edit_flag", False))),
        options=options,
    )


class FieldCatalog:
    """Lazily loaded field definitions per entity, plus the account's activity types."""

    def __init__(self, client: PipedriveClient) -> None:
        self._client = client
        self._fields: dict[str, list[FieldDef]] = {}
        self._activity_types: dict[str, str] | None = None
        # Every record names the same few fields: resolved once per run.
        self._resolved: dict[tuple[str, str], FieldDef] = {}
        self._fingerprints: dict[str, str] = {}
        self._lock = threading.Lock()

    def fields(self, entity: Entity) -> list[FieldDef]:
        if entity.fields_path is None:
            return []
        with self._lock:
            if entity.fields_path not in self._fields:
                items = self._client.paginate_v2(entity.fields_path, {"limit": 500})
                self._fields[entity.fields_path] = [_parse_field(item) for item in items]
            return self._fields[entity.fields_path]

    def fingerprint(self, entity: Entity) -> str:
        """A digest of the entity's field definitions (keys, names, types, options): what turns a
        mapping's values into the fields it writes (run/payload_memo.py)."""
        with self._lock:
            known = self._fingerprints.get(entity.name)
        if known is None:
            known = digest([[f.key, f.name, f.type, f.is_custom, f.options] for f in self.fields(entity)])
            with self._lock:
                self._fingerprints[entity.name] = known
        return known

    def visibility(self, entity: Entity) -> dict[int, str] | None:
        """The account's `visible_to` choices (number → label), which depend on its plan; None when
        the entity's field catalogue does not list them."""
        for candidate in self.fields(entity):
            if candidate.key == "visible_to" and candidate.options:
                try:
                    return {int(option_id): label for label, option_id in candidate.options.items()}
                except (TypeError, ValueError, OverflowError):  # 1e400 is read as infinity
                    return None
        return None

    def resolve(self, entity: Entity, wanted: str) -> FieldDef:
        """A field by its key (exact) or by its name as a person sees it (case-insensitive)."""
        cache_key = (entity.name, wanted)
        if (known := self._resolved.get(cache_key)) is not None:
            return known
        found = self._resolve(entity, wanted)
        self._resolved[cache_key] = found
        return found

    def _resolve(self, entity: Entity, wanted: str) -> FieldDef:
        fields = self.fields(entity)
        for candidate in fields:
            if candidate.key == wanted:
                return candidate
        folded = wanted.strip().casefold()
        named = [candidate for candidate in fields if candidate.name.casefold() == folded]
        if len(named) == 1:
            return named[0]
        if len(named) > 1:
            keys = ", ".join(candidate.key for candidate in named)
            raise UnknownField(
                entity.label, f"{wanted} (several fields have that name: use a key of {keys})", []
            )
        raise UnknownField(entity.label, wanted, [f"{f.name} ({f.key})" for f in fields])

    def activity_type(self, wanted: str) -> str:
        """The key_string of an activity type given its key_string or its name."""
        with self._lock:
            if self._activity_types is None:
                response = self._client.get("/api/v1/activityTypes")
                types = response.data or []
                self._activity_types = {
                    str(t["key_string"]): str(t.get("name", t["key_string"]))
                    for t in types
                    if isinstance(t, dict) and t.get("active_flag", True) is not False
                }
            known = self._activity_types
        if wanted in known:
            return wanted
        folded = wanted.strip().casefold()
        for key, name in known.items():
            if folded in (key.casefold(), name.casefold()):
                return key
        valid = ", ".join(f"{key} ({name})" for key, name in known.items())
        raise ValueError(f"{wanted!r} is not an activity type of this account; valid types: {valid}")
