"""The key index of one run only (no ledger, or a dry run whose ledger's index is not complete), in
plain dictionaries: the same rows and answers as the ledger's KeyStore, without a database round trip
per lookup and per write (a dry run writes the keys of every would-be entity)."""

from __future__ import annotations

import threading
from collections.abc import Iterable
from dataclasses import replace

from .ledger.keys import IndexState, KeyStore, Page


class _Index:
    """One entity type's index on one match field. Compact, as a big account may be listed whole: a key
    maps to its one id (a set only when several entities share it), an id to its generation and its
    key (a tuple only when it has several); the key strings are shared, not copied."""

    def __init__(self) -> None:
        self.by_key: dict[str, int | set[int]] = {}
        self.by_id: dict[int, tuple[int, str | tuple[str, ...]]] = {}

    def ids(self, key: str) -> list[int]:
        held = self.by_key.get(key)
        return [] if held is None else [held] if isinstance(held, int) else sorted(held)

    def keys_of(self, entity_id: int) -> tuple[str, ...]:
        row = self.by_id.get(entity_id)
        if row is None:
            return ()
        return (row[1],) if isinstance(row[1], str) else row[1]

    def put(self, entity_id: int, keys: Iterable[str], generation: int) -> None:
        held = set(self.keys_of(entity_id))
        for key in keys:
            if key not in held:
                held.add(key)
                ids = self.by_key.get(key)
                if ids is None:
                    self.by_key[key] = entity_id
                elif isinstance(ids, int):
                    self.by_key[key] = {ids, entity_id}
                else:
                    ids.add(entity_id)
        self._set(entity_id, generation, held)

    def _set(self, entity_id: int, generation: int, keys: set[str]) -> None:
        if not keys:
            self.by_id.pop(entity_id, None)
            return
        single = next(iter(keys)) if len(keys) == 1 else tuple(sorted(keys))
        self.by_id[entity_id] = (generation, single)

    def drop(self, entity_id: int) -> list[str]:
        """Every key of an entity; the keys it held."""
        dropped = list(self.keys_of(entity_id))
        for key in dropped:
            ids = self.by_key.get(key)
            if isinstance(ids, set):
                ids.discard(entity_id)
                if len(ids) == 1:
                    self.by_key[key] = next(iter(ids))
            elif ids == entity_id:
                del self.by_key[key]
        self.by_id.pop(entity_id, None)
        return dropped

    def sweep(self, generation: int) -> list[int]:
        """Entities of an older generation: a full listing no longer saw them. Returns their ids."""
        swept = sorted(i for i, (held, _) in self.by_id.items() if held < generation)
        for entity_id in swept:
            self.drop(entity_id)
        return swept

    def count(self) -> int:
        return sum(1 if isinstance(ids, int) else len(ids) for ids in self.by_key.values())


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
            return self._index(entity, field).ids(key)

    def count(self, entity: str, field: str) -> int:
        with self._lock:
            return self._index(entity, field).count()

    def state(self, entity: str, field: str) -> IndexState:
        with self._lock:
            return replace(self._states.get((entity, field), IndexState()))

    def store(
        self, entity: str, field: str, page: Page, state: IndexState, *, sweep: bool = False
    ) -> list[int]:
        with self._lock:
            index = self._index(entity, field)
            for entity_id, keys in page:
                index.drop(entity_id)
                index.put(entity_id, keys, state.generation)
            swept = index.sweep(state.generation) if sweep else []
            self._states[entity, field] = replace(state)
        return swept

    def held(self, entity: str, fields: Iterable[str], ids: Iterable[int]) -> set[int]:
        wanted = set(ids)
        with self._lock:
            indexes = [self._indexes.get((entity, field)) for field in set(fields)]
            return {i for index in indexes if index is not None for i in wanted if i in index.by_id}

    def save(self, entity: str, field: str, state: IndexState) -> None:
        with self._lock:
            self._states[entity, field] = replace(state)

    def add(self, entity: str, field: str, entity_id: int, keys: Iterable[str], generation: int) -> None:
        with self._lock:
            self._index(entity, field).put(entity_id, keys, generation)

    def forget(self, entity: str, entity_id: int) -> list[tuple[str, str]]:
        with self._lock:
            fields = {field for (name, field) in (*self._indexes, *self._states) if name == entity}
            return [
                (field, key) for field in sorted(fields) for key in self._index(entity, field).drop(entity_id)
            ]
