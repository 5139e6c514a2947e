"""Finding an entity by its match field, with an in-run identity map.

Only a lookup that succeeded and found nothing means "absent": every API failure propagates, so a
failed search can never turn into a duplicate create. Hits are verified against the value, and two
verified hits are an ambiguity the caller must reject, never silently the first.
"""

from __future__ import annotations

import re
import threading
from typing import TYPE_CHECKING, Any

from .entities import Entity
from .errors import PipedriveRequestError
from .match import MatchField

if TYPE_CHECKING:
    from .client import PipedriveClient

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
        return value.strip()
    return value.strip().casefold()


class EntityFinder:
    """Looks entities up by match field and remembers what this run found or created."""

    def __init__(self, client: PipedriveClient) -> None:
        self._client = client
        self._known: dict[tuple[str, str, str], int] = {}
        self._lock = threading.Lock()
        self.cache_hits = 0

    def remember(self, match: MatchField, value: str, entity_id: int) -> None:
        with self._lock:
            self._known[(match.entity.name, match.key, normalize(match, value))] = entity_id

    def find(self, match: MatchField, value: str) -> int | None:
        """The id of the one entity whose match field equals value, None if there is none."""
        key = (match.entity.name, match.key, normalize(match, value))
        with self._lock:
            if key in self._known:
                self.cache_hits += 1
                return self._known[key]
        if match.kind == "id":
            found = self._by_id(match.entity, value)
        else:
            ids = self._search(match, value)
            if len(ids) > 1:
                listed = ", ".join(str(i) for i in sorted(ids))
                raise LookupRejected(
                    f"{len(ids)} {match.entity.label}s have {match.describe()} = {value!r} (ids {listed}); "
                    "merge them in Pipedrive or match on a field that is unique"
                )
            found = ids[0] if ids else None
        if found is not None:
            self.remember(match, value, found)
        return found

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
            if exc.status == 404:
                return None
            raise
        data = response.data or {}
        if isinstance(data, dict) and data.get("is_deleted"):
            return None
        return int(text)

    def _search(self, match: MatchField, value: str) -> list[int]:
        wanted = normalize(match, value)
        if match.kind == "custom":
            params: dict[str, Any] = {
                "entity_type": match.entity.name,
                "field": match.key,
                "term": value,
                "match": "exact",
                "limit": _SEARCH_PAGE,
            }
            items = self._client.paginate_v2("/api/v2/itemSearch/field", params)
            return sorted({int(item["id"]) for item in items if self._custom_equals(match, item, value)})
        assert match.entity.search_path is not None
        params = {
            "term": value,
            "fields": match.kind,
            "exact_match": "true",
            "limit": _SEARCH_PAGE,
        }
        found: set[int] = set()
        for result in self._client.paginate_v2(match.entity.search_path, params, items_key="items"):
            item = result.get("item", result)
            if any(normalize(match, str(candidate)) == wanted for candidate in self._candidates(match, item)):
                found.add(int(item["id"]))
        return sorted(found)

    @staticmethod
    def _candidates(match: MatchField, item: dict[str, Any]) -> list[Any]:
        if match.kind == "email":
            return list(item.get("emails") or [])
        if match.kind == "phone":
            return list(item.get("phones") or [])
        return [item.get(match.kind)]

    @staticmethod
    def _custom_equals(match: MatchField, item: dict[str, Any], value: str) -> bool:
        candidates = [v for k, v in item.items() if k not in ("id", "result_score")]
        if match.key in item:
            candidates = [item[match.key]]
        for candidate in candidates:
            if isinstance(candidate, dict):
                candidate = candidate.get("value")
            if candidate is None:
                continue
            if match.field is not None and match.field.type in ("double", "monetary"):
                try:
                    if float(candidate) == float(value):
                        return True
                except (TypeError, ValueError):
                    continue
            elif str(candidate).strip() == value.strip():
                return True
        return False
