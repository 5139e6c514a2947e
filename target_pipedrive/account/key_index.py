"""The key index: which entity holds a match key, kept in the ledger across runs and refreshed each run.

Per entity type and match field, the first lookup of a run that neither this run's identity map nor the
ledger's ids answer brings the index up to date, once per run:
- a full listing (500 entities a page, 10 tokens) when the index was never complete, every
  `index_full_refresh_days` days and on `full_refresh`: `updated_since` shows neither deletions nor
  merges, so only a full listing clears the keys of entities that are gone (the rows it did not see);
- otherwise only what changed since the last refresh (`updated_since`, a moment of Pipedrive's clock:
  server_clock.py), a page or two on a quiet account.
A list asks only for the custom field it matches on (`custom_fields`), and the index keeps only ids and
normalised keys (keys.py). Each page is stored with the listing's progress: a run stopped part-way (its
share of the daily budget spent) leaves a cursor the next run resumes from. Until a full listing has
completed, lookups search. A dry run (a read-only ledger) lists nothing into the ledger: it answers
from the ledger's index where that is complete.

An index in memory (no ledger, or a dry run whose ledger's index is not complete) is gone at the end
of the run, so listing a whole account before the first answer would be paid again by every run: a
200k-person account costs 4,000 tokens where a run of 10 records needs 10 searches (200 tokens). It
is listed page by page as lookups come, like renting skis: a page only while the tokens spent on its
pages stay below those spent on searches plus one search (PAGE_TOKENS, SEARCH_TOKENS); until its last
page is in, lookups search. A small account costs one page for the run, a huge one at most about twice
what searching alone would have, and once listed every lookup is answered locally.

An id the index still holds for a deleted entity ends, like any stale id, in a 404 on the write, after
which the finder forgets it everywhere and looks the record up again.

A due full listing is made at the first lookup of its entity type and match field (`list_if_due`),
before the ledger answers it: an unchanged re-sync finds every id in the ledger, so a listing made on
a miss only would never come. The ids it swept (held before, not listed now: deleted or merged away;
for deals, not in the archived deals' list either) are told to `on_gone` before any lookup of the type
is answered, and the finder forgets every ledger row of them (_settle_gone).
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable
from dataclasses import replace
from datetime import datetime, timedelta, timezone
from typing import TYPE_CHECKING, Any

from ..pipedrive.entities import ARCHIVED_TWIN, BY_NAME
from ..pipedrive.listed import listed_ids
from .ledger.keys import IndexState, KeyStore, Page
from .match import MatchField
from .prefetch import PAGE_SIZE, PAGE_TOKENS, SEARCH_TOKENS, Normalize, candidates, comparable
from .texts import old_form_may_differ

if TYPE_CHECKING:
    from ..pipedrive.client import PipedriveClient

# How far before the listing's first request the next refresh starts from: writes in flight while it
# listed, and the whole seconds of the Date header the server's clock is read from.
MARGIN = timedelta(seconds=60)
DAY = 86_400.0
# An archived twin's live entity type (archived_deal → deal): gone means listed in neither.
LIVE_OF = {twin.name: live for live, twin in ARCHIVED_TWIN.items()}


def rfc3339(moment: datetime) -> str:
    return moment.astimezone(timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ")


class Rental:
    """An index in memory, listed as lookups come: the tokens spent on its pages and on the searches
    made while it was incomplete. The lock lets one lookup at a time list its next pages."""

    def __init__(self) -> None:
        self.lock = threading.Lock()
        self.page_tokens = 0
        self.search_tokens = 0


class KeyIndex:
    """Thread-safe: one refresh per entity type and match field per run, under a lock; an index in
    memory lists its pages under its own lock (Rental)."""

    def __init__(
        self,
        client: PipedriveClient,
        store: KeyStore,
        normalize: Normalize,
        *,
        full_every_days: float = 7.0,
        full_refresh: bool = False,
        clock: Callable[[], float] = time.time,
        logger: logging.Logger | None = None,
    ) -> None:
        self._client = client
        self.store = store
        self._normalize = normalize
        self._full_every = full_every_days * DAY
        self._full_refresh = full_refresh
        self._clock = clock
        self._logger = logger or logging.getLogger(__name__)
        # Per (entity, match key): the match field and, once refreshed this run, its state.
        self._matches: dict[tuple[str, str], MatchField] = {}
        self._states: dict[tuple[str, str], IndexState] = {}
        # Where each index of this run is: the ledger's, or (a dry run on a ledger whose index is not
        # complete) one in memory, listed as lookups come (Rental).
        self._store_of: dict[tuple[str, str], KeyStore] = {}
        self._scratch: KeyStore | None = None
        self._rentals: dict[tuple[str, str], Rental] = {}
        # Per entity, its indexes of this run with their stores (what `written` keeps current); made
        # again whenever an index joins (_refreshed).
        self._indexes_of: dict[str, list[tuple[tuple[str, str], MatchField, KeyStore, Rental | None]]] = {}
        # Keys of ids that proved stale this run: a deleted entity's, or a merged one's, whose survivor
        # may hold the key now without the index knowing yet. Those are searched, never taken as absent.
        self._doubtful: set[tuple[str, str, str]] = set()
        # Indexes whose listing this run met an entity without a usable id (_unlisted).
        self._unlisted_in: set[tuple[str, str]] = set()
        # Ids the full listings of this run swept, per live entity type, until settled (_settle_gone).
        self._swept: dict[str, set[int]] = {}
        # Indexes refreshed and settled this run, or not due (`list_if_due` answers from it without a
        # lock: an index is added only once its gone ids are settled, which `_states` alone cannot say).
        self._settled: set[tuple[str, str]] = set()
        # Told the ids a full listing proved gone, per live entity type (the finder forgets their rows).
        self.on_gone: Callable[[str, list[int]], None] | None = None
        self._lock = threading.RLock()

    def list_if_due(self, match: MatchField) -> None:
        """This run's full listing of the match field's index, when one is due, made before the ledger
        answers a lookup of the type (see the module's doc); a set lookup once it is made or not due."""
        at = (match.entity.name, match.key)
        if at in self._settled:
            return
        store = self.store
        if match.kind == "id" or not store.persistent or store.read_only or not self._due(store.state(*at)):
            self._settled.add(at)
            return
        self._refreshed(match)

    def ids(self, match: MatchField, value: str) -> list[int] | None:
        """The ids of the entities holding `value`, None while the index is not complete (search)."""
        state = self._refreshed(match)
        if not state.complete:
            state = self._rented(match)
        if not state.complete:
            return None
        key = comparable(match, value, self._normalize)
        if key is None:
            return []
        with self._lock:
            if (match.entity.name, match.key, key) in self._doubtful:
                return None
            store = self._store_of[match.entity.name, match.key]
        found = store.ids(match.entity.name, match.key, key)
        if not found and old_form_may_differ(key):
            # Earlier versions stored keys in the form listed ("e" + a combining accent): a miss of a key
            # with an accented letter is searched, never taken as absent, or a person listed then would
            # be created again.
            return None
        return found

    def written(self, entity: str, entity_id: int, body: dict[str, Any]) -> None:
        """Keys this run wrote to an entity, for the indexes refreshed this run (the next refresh lists
        the entity with all its keys)."""
        known = self._indexes_of.get(entity)
        if known is None:
            with self._lock:
                known = self._indexes_of[entity] = [
                    (at, self._matches[at], self._store_of[at], self._rentals.get(at))
                    for at in self._states
                    if at[0] == entity
                ]
        for at, match, store, rental in known:
            keys = self._keys(match, body)
            if not keys:
                continue
            if rental is None:
                store.add(entity, match.key, entity_id, keys, self._states[at].generation)
                continue
            # After the page in flight, which Pipedrive may have read before this write.
            with rental.lock:
                store.add(entity, match.key, entity_id, keys, self._states[at].generation)

    def forget(self, entity: str, entity_id: int) -> None:
        with self._lock:
            stores = {id(store): store for store in (self.store, *self._store_of.values())}
        for store in stores.values():
            held = store.forget(entity, entity_id)
            with self._lock:
                self._doubtful.update((entity, field, key) for field, key in held)

    def _keys(self, match: MatchField, item: dict[str, Any]) -> set[str]:
        found = (comparable(match, raw, self._normalize) for raw in candidates(match, item))
        return {key for key in found if key is not None}

    def _refreshed(self, match: MatchField) -> IndexState:
        at = (match.entity.name, match.key)
        with self._lock:
            if at not in self._states:
                self._matches[at] = match
                store, state = self.store, self.store.state(*at)
                if store.read_only and not state.complete:
                    self._scratch = store = self._scratch or KeyStore.in_memory(store.account)
                    state = store.state(*at)
                self._store_of[at] = store
                if not store.persistent:
                    # Listed page by page as lookups come (_rented).
                    self._rentals[at] = Rental()
                    self._states[at] = self._start(state)
                else:
                    # A dry run answers from the ledger's complete index as the last run left it.
                    self._states[at] = state if store.read_only else self._refresh(match, state, store)
                self._indexes_of.pop(at[0], None)
                self._settle_gone(match)
                self._settled.add(at)
            return self._states[at]

    def _settle_gone(self, match: MatchField) -> None:
        """The ids this run's full listings swept that no index refreshed this run lists (a deal
        archived since is in the archived deals' list, read first), told to `on_gone`: under the lock,
        so no lookup of the type is answered from the ledger's rows of them in the meantime."""
        live = LIVE_OF.get(match.entity.name, match.entity.name)
        if not self._swept.get(live):
            return
        twin = ARCHIVED_TWIN.get(live)
        if twin is not None:
            other = twin if match.entity.name == live else BY_NAME[live]
            self._refreshed(replace(match, entity=other))
        candidates = self._swept.pop(live, set())
        names = [live, *([twin.name] if twin is not None else [])]
        fields = {name: [f for (e, f) in self._states if e == name] for name in names}
        held = set().union(*(self.store.held(name, fields[name], candidates) for name in names))
        gone = sorted(candidates - held)
        if not gone:
            return
        listed = ", ".join(map(str, gone[:20])) + (f" and {len(gone) - 20} more" if len(gone) > 20 else "")
        self._logger.warning(
            "%s ids %s: gone from Pipedrive (deleted or merged there; the full listing of %ss left them "
            "out): the ledger forgets them, and the records that made them are written again",
            live.capitalize(),
            listed,
            live,
        )
        if self.on_gone is not None:
            self.on_gone(live, gone)

    def _rented(self, match: MatchField) -> IndexState:
        """An index in memory after its next pages, as many as the searches made so far pay for; a
        lookup it still cannot answer counts as a search."""
        at = (match.entity.name, match.key)
        with self._lock:
            rental, store = self._rentals.get(at), self._store_of[at]
        if rental is None:
            return self._states[at]
        with rental.lock:
            state = self._states[at]
            while not state.complete and rental.page_tokens < rental.search_tokens + SEARCH_TOKENS:
                state = self._page(match, state, store)
                rental.page_tokens += PAGE_TOKENS
                with self._lock:
                    self._states[at] = state
            if not state.complete:
                rental.search_tokens += SEARCH_TOKENS
            return state

    def _full_due(self, state: IndexState) -> bool:
        if self._full_refresh or state.full_at is None:
            return True
        return self._clock() - state.full_at >= self._full_every

    def _due(self, state: IndexState) -> bool:
        """Whether this run lists in full: a new full listing, or one under way to finish."""
        return (state.cursor is not None and state.listing_full) or self._full_due(state)

    def _start(self, state: IndexState) -> IndexState:
        """The listing this run makes: the one under way (a full one is always resumed), a new full one
        when it is due, else the changes since the last refresh."""
        due = self._full_due(state)
        if state.cursor is not None and (state.listing_full or not due):
            return state
        if due:
            return replace(
                state,
                generation=state.generation + 1,
                cursor=None,
                listing_full=True,
                listing_since=None,
                listing_from=None,
            )
        return replace(state, cursor=None, listing_full=False, listing_since=state.since, listing_from=None)

    def _refresh(self, match: MatchField, state: IndexState, store: KeyStore) -> IndexState:
        state = self._start(state)
        while True:
            state = self._page(match, state, store)
            if state.cursor is None:
                return state

    def _page(self, match: MatchField, state: IndexState, store: KeyStore) -> IndexState:
        """The listing's next page, stored with its progress: the state after it, completed (no cursor)
        after the last page."""
        entity, field = match.entity.name, match.key
        params: dict[str, Any] = {"limit": PAGE_SIZE}
        if state.cursor:
            params["cursor"] = state.cursor
        if state.listing_since:
            params["updated_since"] = state.listing_since
        if match.kind == "custom":
            params["custom_fields"] = match.key
        sent_at = datetime.now(timezone.utc)
        response = self._client.get(match.entity.collection, params)
        if state.listing_from is None:
            clock = getattr(self._client, "server_clock", None)
            server_at = clock.at(sent_at) if clock is not None else None
            state = replace(state, listing_from=rfc3339((server_at or sent_at) - MARGIN))
        extra = response.additional_data if isinstance(response.additional_data, dict) else {}
        ids = listed_ids(self._client)
        page: Page = []
        for item in response.data or []:
            if (entity_id := ids.id_of(match.entity, item, match.entity.collection)) is None:
                self._unlisted(match, item)
                continue
            page.append((entity_id, set() if item.get("is_deleted") else self._keys(match, item)))
        state = replace(state, cursor=extra.get("next_cursor") or None)
        if state.cursor is not None:
            store.store(entity, field, page, state)
            return state
        # The last page: a full listing's end also drops the rows it did not see, in one transaction.
        full = state.listing_full
        state = self._completed(state)
        if (entity, field) in self._unlisted_in:
            # Complete for this run (its keys are searched), due for a full listing on the next.
            state = replace(state, full_at=0.0)
        swept = store.store(entity, field, page, state, sweep=full)
        if swept and store.persistent and (entity, field) not in self._unlisted_in:
            with self._lock:
                self._swept.setdefault(LIVE_OF.get(entity, entity), set()).update(swept)
        return state

    def _unlisted(self, match: MatchField, item: Any) -> None:
        """An entity listed without a usable id: its keys are searched this run, never taken as absent
        (a create would duplicate it; the search tells), and the next run lists in full again."""
        keys = self._keys(match, item) if isinstance(item, dict) and not item.get("is_deleted") else set()
        with self._lock:
            self._unlisted_in.add((match.entity.name, match.key))
            self._doubtful.update((match.entity.name, match.key, key) for key in keys)

    def _completed(self, state: IndexState) -> IndexState:
        full_at = self._clock() if state.listing_full else state.full_at
        return replace(
            state,
            since=state.listing_from,
            full_at=full_at,
            listing_since=None,
            listing_from=None,
            listing_full=False,
        )
