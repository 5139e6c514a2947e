"""The account's rows held in memory while the writer lock is ours, with a reverse map by entity.

The reverse map keeps every question by entity (does a row point at it, which rows do) independent of
the number of rows: forgetting the rows of a deleted entity must not scan the account, or a run that
meets many stale ids slows down as it goes."""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from typing import Any

# (scope, key) → (entity, entity_id, digest)
At = tuple[str, str]
Row = tuple[str, str, str | None]


class RowCache:
    """Written under the Ledger's lock; `get` and `in` are read without it (the Ledger's lock-free
    reads), so a row is replaced in one step and is never missing while it is rewritten."""

    def __init__(self) -> None:
        self._rows: dict[At, Row] = {}
        self._by_entity: dict[tuple[str, str], set[At]] = {}

    def get(self, at: At) -> Row | None:
        return self._rows.get(at)

    def __contains__(self, at: At) -> bool:
        return at in self._rows

    def load(self, rows: Iterable[Any]) -> None:
        """Rows read from the database into an empty cache: (scope, key, entity, entity_id, digest)."""
        held, by_entity = self._rows, self._by_entity
        for scope, key, entity, entity_id, stored in rows:
            at = (scope, key)
            held[at] = (entity, entity_id, stored)
            if (ats := by_entity.get((entity, entity_id))) is None:
                by_entity[entity, entity_id] = {at}
            else:
                ats.add(at)

    def put(self, at: At, row: Row) -> None:
        old = self._rows.get(at)
        self._rows[at] = row
        if old is not None and (old[0], old[1]) != (row[0], row[1]):
            self._unlink(at, old)
        self._by_entity.setdefault((row[0], row[1]), set()).add(at)

    def _unlink(self, at: At, old: Row) -> None:
        held = self._by_entity.get((old[0], old[1]))
        if held is not None:
            held.discard(at)
            if not held:
                del self._by_entity[old[0], old[1]]

    def drop(self, at: At) -> None:
        old = self._rows.pop(at, None)
        if old is not None:
            self._unlink(at, old)

    def move(self, old: At, new: At) -> None:
        row = self._rows.get(old)
        if row is not None:
            self.put(new, row)  # first: a reader never finds the row under neither key
            self.drop(old)

    def points_at(self, entity: str, entity_id: str) -> bool:
        return (entity, entity_id) in self._by_entity

    def of_entity(self, entity: str, entity_id: str) -> list[At]:
        return list(self._by_entity.get((entity, entity_id), ()))

    def in_scope(self, scope: str) -> Iterator[tuple[str, Row]]:
        return ((key, row) for (s, key), row in self._rows.items() if s == scope)
