"""Reading match values off listed entities (the key index, the archived deals' list) and search hits.

A v2 list page holds 500 entities for 10 tokens; a search costs 20 tokens for one value. The key index
(key_index.py) lists; EntityIndex holds a list in memory for the run, used for the archived deals a
lookup that missed must still rule out.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from typing import Any

from ..pipedrive.entities import Entity
from .match import MatchField

PAGE_SIZE = 500
PAGE_TOKENS = 10
SEARCH_TOKENS = 20

Normalize = Callable[[MatchField, str], str]


def candidates(match: MatchField, item: dict[str, Any]) -> list[Any]:
    """The values of an entity (as the v2 API returns it) that a match on `match` compares with."""
    if match.kind == "email":
        return [_value(e) for e in item.get("emails") or []]
    if match.kind == "phone":
        return [_value(p) for p in item.get("phones") or []]
    if match.kind == "custom":
        custom = item.get("custom_fields")
        # A listed entity keys its custom fields; an entity-search hit lists their values as strings.
        return values_of(custom.get(match.key) if isinstance(custom, dict) else custom)
    return [item.get(match.kind)]


def values_of(raw: Any) -> list[Any]:
    """The values one candidate holds: itself or, when it is a list, each element; of an object, its
    `value`. The answers' shapes are not all declared (itemSearch/field's `item` is an untyped object)."""
    return [_value(element) for element in (raw if isinstance(raw, list) else [raw])]


def _value(raw: Any) -> Any:
    # Emails, phones and most custom field values of v2 are objects holding a `value`.
    return raw.get("value") if isinstance(raw, dict) else raw


def comparable(match: MatchField, raw: Any, normalize: Normalize) -> str | None:
    if raw is None or raw == "":
        return None
    if match.field is not None and match.field.type in ("double", "monetary"):
        try:
            return repr(float(raw))
        except (TypeError, ValueError):
            return None
    return normalize(match, str(raw))


def has_value(match: MatchField, item: dict[str, Any], value: str, normalize: Normalize) -> bool:
    """Whether an entity (a listed one, or a search hit) holds `value` in the match field."""
    wanted = comparable(match, value, normalize)
    return wanted is not None and any(
        comparable(match, raw, normalize) == wanted for raw in candidates(match, item)
    )


class EntityIndex:
    """The entities of one type, as far as listed, indexed by each match field asked for."""

    def __init__(self, entity: Entity, normalize: Normalize) -> None:
        self.entity = entity
        self.items: dict[int, dict[str, Any]] = {}
        self.complete = False
        self.pages = 0
        self._cursor: str | None = None
        self._normalize = normalize
        self._by: dict[str, tuple[MatchField, dict[str, set[int]]]] = {}
        # Items listed without a usable id (listed.py): no entry, but no miss either for their values.
        self.unlisted: list[dict[str, Any]] = []

    def add_page(
        self, items: Iterable[Any], next_cursor: str | None, id_of: Callable[[Any], Any | None]
    ) -> None:
        """A page of the list; `id_of` gives an item's id, None when it has no usable one."""
        self.pages += 1
        for item in items:
            if (entity_id := id_of(item)) is None:
                if isinstance(item, dict):
                    self.unlisted.append(item)
                continue
            self._put(entity_id, item)
        self._cursor = next_cursor
        self.complete = not next_cursor

    def unlisted_holding(self, match: MatchField, value: str) -> dict[str, Any] | None:
        """An item listed without a usable id that holds `value`: the entity may be the one wanted."""
        return next((item for item in self.unlisted if has_value(match, item, value, self._normalize)), None)

    @property
    def cursor(self) -> str | None:
        return self._cursor

    def ids(self, match: MatchField, value: str) -> set[int]:
        wanted = comparable(match, value, self._normalize)
        return set(self._map(match).get(wanted or "", set()))

    def written(self, entity_id: int, body: dict[str, Any]) -> None:
        """Merge what this run wrote into the entity, as Pipedrive now holds it."""
        current = dict(self.items.get(entity_id) or {"id": entity_id})
        for key, value in body.items():
            if key == "custom_fields" and isinstance(value, dict):
                current["custom_fields"] = {**(current.get("custom_fields") or {}), **value}
            else:
                current[key] = value
        self._put(entity_id, current)

    def deleted(self, entity_id: int) -> None:
        self._unindex(entity_id)
        self.items.pop(entity_id, None)

    def _map(self, match: MatchField) -> dict[str, set[int]]:
        if match.key not in self._by:
            by_value: dict[str, set[int]] = {}
            for entity_id, item in self.items.items():
                for key in self._keys(match, item):
                    by_value.setdefault(key, set()).add(entity_id)
            self._by[match.key] = (match, by_value)
        return self._by[match.key][1]

    def _keys(self, match: MatchField, item: dict[str, Any]) -> set[str]:
        found = (comparable(match, raw, self._normalize) for raw in candidates(match, item))
        return {key for key in found if key is not None}

    def _put(self, entity_id: int, item: dict[str, Any]) -> None:
        self._unindex(entity_id)
        if item.get("is_deleted"):
            self.items.pop(entity_id, None)
            return
        self.items[entity_id] = item
        for match, by_value in self._by.values():
            for key in self._keys(match, item):
                by_value.setdefault(key, set()).add(entity_id)

    def _unindex(self, entity_id: int) -> None:
        old = self.items.get(entity_id)
        if old is None:
            return
        for match, by_value in self._by.values():
            for key in self._keys(match, old):
                by_value.get(key, set()).discard(entity_id)
