"""Finding an entity by its match field, with an in-run identity map.

Only a lookup that succeeded and found nothing means "absent": every API failure propagates, so a
failed search can never turn into a duplicate create. Hits are verified against the value, and two
verified hits are an ambiguity the caller must reject, never silently the first.
"""

from __future__ import annotations

import re
import threading
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from ..pipedrive.entities import ARCHIVED_TWIN, Entity
from ..pipedrive.errors import PipedriveRequestError
from ..pipedrive.listed import listed_ids
from .key_index import KeyIndex
from .ledger.keys import KeyStore
from .match import MatchField
from .prefetch import PAGE_SIZE, EntityIndex, has_value, values_of
from .texts import exact_key, text_key

if TYPE_CHECKING:
    from ..pipedrive.client import PipedriveClient
    from .ledger import Ledger

_SEARCH_PAGE = 100


class LookupRejected(ValueError):
    """The record cannot be matched safely (ambiguous hits, an id that is not an id)."""


class NotAnId(LookupRejected):
    """A value matched against `id` that cannot be a Pipedrive id, so nothing can have it."""


def digits(value: str) -> str:
    return re.sub(r"\D", "", value)


def normalize(match: MatchField, value: str) -> str:
    if match.kind == "phone":
        return digits(value)
    if match.case_sensitive:
        return exact_key(value)
    return text_key(value)


def as_item(hit: Any) -> dict[str, Any]:
    """A search hit as the entity it found. Pipedrive's OpenAPI files describe two forms for the same
    answers (itemSearch/field's schema wraps each hit as {result_score, item}, its example is the flat
    {id, <field>}), so both are read: the hit's `item` when it has one, else the hit itself."""
    if isinstance(hit, dict) and isinstance(hit.get("item"), dict):
        return hit["item"]
    return hit if isinstance(hit, dict) else {}


def identity_scope(match: MatchField) -> str:
    """The ledger scope of ids found or created by this match field."""
    return f"id:{match.entity.name}:{match.key}"


@dataclass
class Lookups:
    """What one record's lookups learned on the way (the record's own, passed to `find`): the ids taken
    on the sync ledger's word, not yet confirmed by Pipedrive (a write that fails on one forgets them
    and plans the record again), and whether the ledger may be asked at all (not once one of its ids
    proved stale for this record)."""

    unverified: set[tuple[str, int]] = field(default_factory=set)
    trust_ledger: bool = True
    # Keys this record's lookups found held by no entity: the payload memo and then the plan ask the
    # same. Asked after the run's identity map, which learns an entity the moment it is written.
    absent: set[tuple[str, str, str]] = field(default_factory=set)


class EntityFinder:
    """Looks entities up by match field and remembers what this run found or created.

    Where an answer comes from, cheapest first: this run's identity map, the sync ledger (ids found or
    created by earlier runs), the key index (key_index.py: match key → id, kept across runs in the
    ledger's database; without one, in memory and listed only as far as the searches it saves pay for),
    and only then a search or a GET. The `segment` strategy (benchmarks) turns all of that off: a search
    per lookup, as Segment does.
    """

    def __init__(
        self,
        client: PipedriveClient,
        *,
        ledger: Ledger | None = None,
        trust_ledger: bool = True,
        prefetch: bool = True,
        identity_map: bool = True,
        key_index: KeyIndex | None = None,
    ) -> None:
        self._client = client
        self._ledger = ledger
        self._trust_ledger = trust_ledger and ledger is not None
        self._identity_map = identity_map
        self._known: dict[tuple[str, str, str], int] = {}
        # The reverse of _known, so that forgetting a stale id does not scan every key known.
        self._keys_of: dict[tuple[str, int], set[tuple[str, str, str]]] = {}
        self._keys: KeyIndex | None = None
        if prefetch:
            account = getattr(client, "base_url", "memory")
            self._keys = key_index or KeyIndex(client, KeyStore.in_memory(account), normalize)
            self._keys.on_gone = self._gone
        # Archived entities (deals): left out of the lists, listed apart, read only when a lookup
        # misses, so that a record for an archived deal never creates a second one.
        self._archived: dict[str, EntityIndex] = {}
        self._archived_ids: set[tuple[str, int]] = set()
        # Entities read one at a time this run (by id, or to merge a list into): (entity, id) → as held.
        self._read: dict[tuple[str, str], dict[str, Any]] = {}
        # Ids known only from the ledger or the key index, not yet confirmed by a write this run.
        self._from_ledger: set[tuple[str, int]] = set()
        self._lock = threading.RLock()

    def remember(self, match: MatchField, value: str, entity_id: int) -> None:
        if not self._identity_map:
            return
        key = (match.entity.name, match.key, normalize(match, value))
        with self._lock:
            old = self._known.get(key)
            if old is not None and old != entity_id:
                self._unlink(key, old)
            self._known[key] = entity_id
            self._keys_of.setdefault((match.entity.name, entity_id), set()).add(key)

    def _unlink(self, key: tuple[str, str, str], entity_id: int) -> None:
        held = self._keys_of.get((key[0], entity_id))
        if held is not None:
            held.discard(key)
            if not held:
                del self._keys_of[key[0], entity_id]

    def holds(self, entity: Entity, entity_id: int | str, kind: str, value: str) -> bool:
        """Whether this run found or created the entity under `value` as its email or phone match key."""
        key = (entity.name, kind, normalize(MatchField(entity, kind, kind), value))
        with self._lock:
            return value != "" and str(self._known.get(key)) == str(entity_id)

    def find(self, match: MatchField, value: str, lookups: Lookups | None = None) -> int | None:
        """The id of the one entity whose match field equals value, None if there is none. `lookups`
        (the record's) collects the ids taken on the ledger's word, and may forbid asking the ledger."""
        lookups = lookups if lookups is not None else Lookups()
        if self._keys is not None and match.kind != "id":
            self._keys.list_if_due(match)
        key = (match.entity.name, match.key, normalize(match, value))
        with self._lock:
            if key in self._known:
                known = self._known[key]
                if (match.entity.name, known) in self._from_ledger:
                    # Still only the ledger's word: a write that fails on it must be able to recover.
                    lookups.unverified.add((match.entity.name, known))
                return known
        if key in lookups.absent and self._identity_map:
            return None
        if self._trust_ledger and lookups.trust_ledger and self._ledger is not None:
            entry = self._ledger.get(identity_scope(match), key[2])
            if entry is not None:
                remembered = int(entry.entity_id)
                lookups.unverified.add((match.entity.name, remembered))
                with self._lock:
                    self._from_ledger.add((match.entity.name, remembered))
                self.remember(match, value, remembered)
                return remembered
        found: int | None
        if match.kind == "id":
            found = self._by_id(match.entity, value)
        else:
            indexed = self._from_index(match, value)
            stored = indexed is not None and len(indexed) < 2
            # Not indexed yet, or ambiguous in an index that may still hold a deleted duplicate (until
            # its next full listing): Pipedrive's search tells.
            ids = indexed if indexed is not None and stored else self._search(match, value)
            if len(ids) > 1:
                listed = ", ".join(str(i) for i in sorted(ids))
                raise LookupRejected(
                    f"{len(ids)} {match.entity.label}s have {match.describe()} = {value!r} (ids {listed}); "
                    "merge them in Pipedrive or match on a field that is unique"
                )
            found = ids[0] if ids else None
            if found is not None and stored:
                # The index may predate a deletion or a merge: like a ledger id, a write that fails on
                # it forgets it and looks the record up again.
                lookups.unverified.add((match.entity.name, found))
                with self._lock:
                    self._from_ledger.add((match.entity.name, found))
        if found is not None:
            self.remember(match, value, found)
        else:
            lookups.absent.add(key)
        return found

    def find_archived(self, match: MatchField, value: str) -> int | None:
        """The archived entity holding `value` in the match field, when its type can be archived
        (deals: since 2025-07-15 lists and lookups by list leave archived deals out)."""
        path = match.entity.archived_path
        if path is None:
            return None
        if match.kind == "id":
            text = str(value).strip()
            return int(text) if text.isdigit() and self.is_archived(match.entity, int(text)) else None
        indexed = self._archived_from_index(match, value)
        if indexed is not None:
            return indexed[0] if indexed else None
        with self._lock:
            index = self._archived.setdefault(match.entity.name, EntityIndex(match.entity, normalize))
            while not index.complete:
                self._load_page(index, path)
            ids = sorted(index.ids(match, value))
            unlisted = index.unlisted_holding(match, value) if not ids else None
        if unlisted is not None:
            raise self._unusable_hit(match, value, path, unlisted)
        return ids[0] if ids else None

    def _archived_from_index(self, match: MatchField, value: str) -> list[int] | None:
        """The archived entities holding `value`, from the key index kept in the ledger (refreshed with
        `updated_since` like the live entities'); None without one: the archived list is read whole."""
        twin = ARCHIVED_TWIN.get(match.entity.name)
        if twin is None or self._keys is None or not self._keys.store.persistent:
            return None
        ids = self._keys.ids(MatchField(twin, match.kind, match.key, match.field), value)
        if ids is None:
            return None
        found = sorted(ids)
        with self._lock:
            self._archived_ids.update((match.entity.name, entity_id) for entity_id in found)
        return found

    def is_archived(self, entity: Entity, entity_id: int) -> bool:
        """Whether an entity read by id (or listed as archived) this run is archived."""
        with self._lock:
            if (entity.name, entity_id) in self._archived_ids:
                return True
            index = self._archived.get(entity.name)
            return index is not None and entity_id in index.items

    def archived(self, entity: Entity, entity_id: int) -> None:
        """Pipedrive says this entity is archived (it refused an edit of it)."""
        with self._lock:
            self._archived_ids.add((entity.name, entity_id))

    def confirmed(self, entity_name: str, entity_id: int) -> None:
        """Pipedrive accepted a write to this id: it exists, whoever remembered it."""
        with self._lock:
            self._from_ledger.discard((entity_name, entity_id))

    def current(self, entity: Entity, entity_id: int | str) -> dict[str, Any] | None:
        """The entity as Pipedrive holds it, when this run read it (None: not known here; the key index
        keeps no values)."""
        with self._lock:
            return self._read.get((entity.name, str(entity_id)))

    def read(self, entity: Entity, entity_id: int | str, item: dict[str, Any]) -> None:
        """An entity as a GET returned it: current() knows it for the rest of the run."""
        with self._lock:
            self._read[(entity.name, str(entity_id))] = item

    def written(self, entity: Entity, entity_id: int | str, body: dict[str, Any]) -> None:
        """Keep the key index (the keys written) and the entities read current with what this run wrote."""
        if self._keys is not None and isinstance(entity_id, int):
            self._keys.written(entity.name, entity_id, body)
        with self._lock:
            if (held := self._read.get((entity.name, str(entity_id)))) is not None:
                for key, value in body.items():
                    if key == "custom_fields" and isinstance(value, dict):
                        held["custom_fields"] = {**(held.get("custom_fields") or {}), **value}
                    else:
                        held[key] = value

    def forget(self, entity_name: str, entity_id: int) -> None:
        """An id that turned out not to exist (deleted or merged): out of every cache."""
        if self._keys is not None:
            self._keys.forget(entity_name, entity_id)
        self._gone(entity_name, [entity_id])

    def _gone(self, entity_name: str, ids: list[int]) -> None:
        """Ids Pipedrive no longer knows (a 404, or a full listing left them out): out of this run's
        caches and the ledger, identity, field digests and payload memo alike, so that the records that
        made them are planned again. Records linking to them need nothing more: a link is never in a
        payload memo (actions/spec.py), so each run plans it and resolves it again, now to the entity
        recreated or found again, and the link's digest differs."""
        with self._lock:
            for entity_id in ids:
                self._from_ledger.discard((entity_name, entity_id))
                for key in self._keys_of.pop((entity_name, entity_id), set()):
                    self._known.pop(key, None)
                self._read.pop((entity_name, str(entity_id)), None)
        if self._ledger is not None:
            for entity_id in ids:
                self._ledger.forget_entity(entity_name, entity_id)

    def _from_index(self, match: MatchField, value: str) -> list[int] | None:
        """The ids the key index has for value, or None when it cannot tell (not complete yet)."""
        return None if self._keys is None else self._keys.ids(match, value)

    def _load_page(self, index: EntityIndex, path: str | None = None) -> None:
        params: dict[str, Any] = {"limit": PAGE_SIZE}
        if index.cursor:
            params["cursor"] = index.cursor
        endpoint = path or index.entity.collection
        response = self._client.get(endpoint, params)
        extra = response.additional_data if isinstance(response.additional_data, dict) else {}
        ids = listed_ids(self._client)
        index.add_page(
            response.data or [],
            extra.get("next_cursor"),
            lambda item: ids.id_of(index.entity, item, endpoint),
        )

    def _by_id(self, entity: Entity, value: str) -> int | None:
        text = str(value).strip()
        if not text.isdigit():
            raise NotAnId(
                f"{text!r} is not a Pipedrive {entity.label} id; match on another field (set the mapping's "
                f"match field or the {entity.name}_field setting, e.g. to an 'External ID' custom field)"
            )
        try:
            response = self._client.get(entity.item(int(text)))
        except PipedriveRequestError as exc:
            if exc.status in (404, 410):  # gone: deleted, or merged into another entity
                return None
            raise
        data = response.data or {}
        if isinstance(data, dict) and data.get("is_deleted"):
            return None
        if isinstance(data, dict) and data.get("is_archived"):
            self.archived(entity, int(text))
        if isinstance(data, dict):
            self.read(entity, int(text), data)
        return int(text)

    def _search(self, match: MatchField, value: str) -> list[int]:
        holds: Callable[[dict[str, Any]], bool]
        if match.kind == "custom":
            path = "/api/v2/itemSearch/field"
            params: dict[str, Any] = {
                "entity_type": match.entity.name,
                "field": match.key,
                "term": value,
                "match": "exact",
                "limit": _SEARCH_PAGE,
            }
            hits = self._client.paginate_v2(path, params)
            holds = lambda item: self._custom_equals(match, item, value)  # noqa: E731
        else:
            assert match.entity.search_path is not None
            path = match.entity.search_path
            params = {"term": value, "fields": match.kind, "exact_match": "true", "limit": _SEARCH_PAGE}
            hits = self._client.paginate_v2(path, params, items_key="items")
            holds = lambda item: has_value(match, item, value, normalize)  # noqa: E731
        ids = listed_ids(self._client)
        found: set[int] = set()
        for item in map(as_item, hits):
            entity_id = ids.id_of(match.entity, item, path)
            if not holds(item):
                continue
            if entity_id is None:
                raise self._unusable_hit(match, value, path, item)
            found.add(entity_id)
        return sorted(found)

    def _unusable_hit(self, match: MatchField, value: str, path: str, item: dict[str, Any]) -> LookupRejected:
        """A hit holding the value under an id that is no id: not "not found", as a create would make a
        second entity beside the one Pipedrive holds; the record waits for an answer that can be used."""
        label = match.entity.label
        return LookupRejected(
            f"{path} answered a hit with {match.describe()} = {value!r} that "
            f"{listed_ids(self._client).describe(item)}, which is no {label} id: the record is not written, "
            f"as creating the {label} could duplicate the one Pipedrive holds. Pipedrive gives no such "
            "answers: check any proxy between the target and Pipedrive (api_url), then replay the reject"
        )

    @staticmethod
    def _custom_equals(match: MatchField, item: dict[str, Any], value: str) -> bool:
        """Whether an itemSearch/field hit holds `value`: the field under its own key when the hit has
        it, else any value of the hit, each a scalar, a {value} object or a list of them."""
        raws = [v for k, v in item.items() if k not in ("id", "result_score")]
        if match.key in item:
            raws = [item[match.key]]
        for candidate in (one for raw in raws for one in values_of(raw)):
            if candidate is None:
                continue
            if match.field is not None and match.field.type in ("double", "monetary"):
                try:
                    if float(candidate) == float(value):
                        return True
                except (TypeError, ValueError):
                    continue
            elif exact_key(str(candidate)) == exact_key(value):
                return True
        return False
