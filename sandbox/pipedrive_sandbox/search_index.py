"""What search sees: a copy of each entity that lags its writes by a configurable delay.

Pipedrive's search is eventually consistent: a created or changed entity is found only after the
search index catches up. Writes are queued with the sandbox-clock time they become visible; each
search first applies what is due. Exact lookups (the client's hot path: by email or external id)
go through per-field maps, so they stay fast with tens of thousands of entities.
"""

from __future__ import annotations

import copy
import heapq
import itertools
import threading
from collections import defaultdict
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any


@dataclass
class Doc:
    """One entity as the index knows it: its snapshot and its searchable texts by search field."""

    id: Any
    item: dict[str, Any]
    texts: dict[str, list[str]] = field(default_factory=dict)
    custom: dict[str, str] = field(default_factory=dict)  # custom-field key → searchable text


class SearchIndex:
    def __init__(self, clock: Callable[[], float]) -> None:
        self.clock = clock
        self.delay = 0.0
        self._lock = threading.Lock()
        self._seq = itertools.count()
        self.clear()

    def clear(self) -> None:
        with self._lock:
            self._pending: list[tuple[float, int, str, Any, Doc | None]] = []
            self._docs: dict[str, dict[Any, Doc]] = defaultdict(dict)
            # kind → search field → casefolded text → ids; custom: kind → key → exact text → ids
            self._folded: dict[str, dict[str, dict[str, set[Any]]]] = defaultdict(
                lambda: defaultdict(lambda: defaultdict(set))
            )
            self._custom: dict[str, dict[str, dict[str, set[Any]]]] = defaultdict(
                lambda: defaultdict(lambda: defaultdict(set))
            )

    def put(self, kind: str, entity_id: Any, doc: Doc | None, *, now: bool = False) -> None:
        """Queue a new version (None: removed) that search sees once the delay has passed."""
        due = self.clock() + (0.0 if now else self.delay)
        with self._lock:
            heapq.heappush(self._pending, (due, next(self._seq), kind, entity_id, doc))

    def _apply_due(self) -> None:
        now = self.clock()
        while self._pending and self._pending[0][0] <= now:
            _, _, kind, entity_id, doc = heapq.heappop(self._pending)
            old = self._docs[kind].pop(entity_id, None)
            if old is not None:
                self._unmap(kind, old)
            if doc is not None:
                self._docs[kind][entity_id] = doc
                self._map(kind, doc)

    def _map(self, kind: str, doc: Doc) -> None:
        for name, texts in doc.texts.items():
            for text in texts:
                self._folded[kind][name][text.casefold()].add(doc.id)
        for key, text in doc.custom.items():
            self._custom[kind][key][text].add(doc.id)

    def _unmap(self, kind: str, doc: Doc) -> None:
        for name, texts in doc.texts.items():
            for text in texts:
                self._folded[kind][name][text.casefold()].discard(doc.id)
        for key, text in doc.custom.items():
            self._custom[kind][key][text].discard(doc.id)

    def docs(self, kind: str) -> list[Doc]:
        """Every visible document of a kind, in id order of first indexing."""
        with self._lock:
            self._apply_due()
            return list(self._docs[kind].values())

    def exact(self, kind: str, fields: list[str], term: str) -> list[Doc]:
        """Documents with a text in one of `fields` equal to `term`, ignoring case."""
        with self._lock:
            self._apply_due()
            folded, ids = term.casefold(), set()
            for name in fields:
                ids |= self._folded[kind][name].get(folded, set())
            docs = self._docs[kind]
            return [docs[i] for i in sorted(ids) if i in docs]

    def custom_exact(self, kind: str, key: str, term: str) -> list[Doc]:
        """Documents whose custom field `key` is exactly `term` (case-sensitive, as itemSearch/field is)."""
        with self._lock:
            self._apply_due()
            ids = self._custom[kind][key].get(term, set())
            docs = self._docs[kind]
            return [docs[i] for i in sorted(ids) if i in docs]


def snapshot(item: dict[str, Any]) -> dict[str, Any]:
    return copy.deepcopy(item)
