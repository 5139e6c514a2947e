"""The key index of one run only (no ledger, or a dry run whose ledger's index is not complete), in
plain dictionaries: the same rows and answers as the ledger's KeyStore, without a database round trip
per lookup and per write (a dry run writes the keys of every would-be entity)."""

from __future__ import annotations

import threading
from collections.abc import Iterable
from dataclasses import replace

from .ledger.keys import IndexState, KeyStore, Page


class _Index:
    """One entity type's index on one match field: key → {id: generation}, and id → keys."""

    def __init__(self) -> None:
        self.by_key: dict[str, dict[int, int]] = {}
        self.by_id: dict[int, set[str]] = {}

    def put(self, entity_id: int, key: str, generation: int) -> None:
        self.by_key.setdefault(key, {})[entity_id] = generation
        self.by_id.setdefault(entity_id, set()).add(key)

    def drop(self, entity_id: int, keys: Iterable[str] | None = None) -> list[str]:
        held = self.by_id.get(entity_id, set())
        dropped = list(held if keys is None else held & set(keys))
        for key in dropped:
            held.discard(key)
            ids = self.by_key.get(key)
            if ids is not None:
                ids.pop(entity_id, None)
                if not ids:
                    del self.by_key[key]
        if not held:
            self.by_id.pop(entity_id, None)
        return dropped

    def sweep(self, generation: int) -> None:
        """Rows of an older generation: entities a full listing no longer saw."""
        for key, ids in list(self.by_key.items()):
            for entity_id, held in list(ids.items()):
                if held < generation:
                    self.drop(entity_id, [key])


class MemoryKeyStore(KeyStore):
    """Thread-safe, not persistent: gone at the end of the run."""

    def __init__(self, account: str) -> None:  # no engine: nothing of KeyStore's database is used
        self.account = account
        self.where = "memory"
        self.read_only = False
        self.persistent = False
        self._lock = threading.Lock()
        self._indexes: dict[tuple[str, str], _Index] = {}
        self._states: dict[tuple[str, str], IndexState] = {}

    def _index(self, entity: str, field: str) -> _Index:
        return self._indexes.setdefault((entity, field), _Index())

    def ids(self, entity: str, field: str, key: str) -> list[int]:
        with self._lock:
            return sorted(self._index(entity, field).by_key.get(key, {}))

    def count(self, entity: str, field: str) -> int:
        with self._lock:
            return sum(len(ids) for ids in self._index(entity, field).by_key.values())

    def state(self, entity: str, field: str) -> IndexState:
        with self._lock:
            return replace(self._states.get((entity, field), IndexState()))

    def store(self, entity: str, field: str, page: Page, state: IndexState, *, sweep: bool = False) -> None:
        with self._lock:
            index = self._index(entity, field)
            for entity_id, keys in page:
                index.drop(entity_id)
                for key in keys:
                    index.put(entity_id, key, state.generation)
            if sweep:
                index.sweep(state.generation)
            self._states[entity, field] = replace(state)

    def save(self, entity: str, field: str, state: IndexState) -> None:
        with self._lock:
            self._states[entity, field] = replace(state)

    def add(self, entity: str, field: str, entity_id: int, keys: Iterable[str], generation: int) -> None:
        with self._lock:
            index = self._index(entity, field)
            for key in set(keys):
                index.put(entity_id, key, generation)

    def forget(self, entity: str, entity_id: int) -> list[tuple[str, str]]:
        with self._lock:
            fields = {field for (name, field) in (*self._indexes, *self._states) if name == entity}
            return [
                (field, key) for field in sorted(fields) for key in self._index(entity, field).drop(entity_id)
            ]
