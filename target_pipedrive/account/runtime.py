"""What the sinks share for one run: the client, the field catalogues, the account's directory (users,
pipelines and stages, lead labels), the finder and the settings."""

from __future__ import annotations

import threading
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from ..pipedrive.entities import Entity
from .catalog import FieldCatalog
from .directory import AccountDirectory
from .finder import EntityFinder, Lookups
from .match import MatchField, resolve_match_field


def users_me(client: PipedriveClient) -> dict[str, Any]:
    """The authorized user (users/me's `data`): their default currency, their company's id."""
    data = client.get("/api/v1/users/me").data
    return data if isinstance(data, dict) else {}


if TYPE_CHECKING:
    from ..pipedrive.client import PipedriveClient
    from .ledger import Ledger


@dataclass
class Runtime:
    client: PipedriveClient
    catalog: FieldCatalog
    finder: EntityFinder
    # The default match field per matchable entity (settings person_field, organization_field, deal_field).
    default_match: dict[str, str]
    # The sync ledger (None: off), and whether to skip writes Pipedrive already holds (off only for
    # the `segment` baseline strategy, which always writes).
    ledger: Ledger | None = None
    skip_unchanged: bool = True
    full_refresh: bool = False
    # Seconds a create or update whose outcome is unknown is given to land before it is sent again.
    settle_seconds: float = 600.0
    # The record being planned's lookups (`for_record`): what the finder takes on the ledger's word.
    lookups: Lookups = field(default_factory=Lookups)
    # Users, pipelines, stages and lead labels: made with the runtime, shared by every record's copy.
    directory: AccountDirectory = field(default=None)  # type: ignore[assignment]
    _matches: dict[tuple[str, str], MatchField] = field(default_factory=dict)
    # users/me's answer (the authorized user and their company), asked once per run (connect.py asks it
    # first when the ledger needs the company). A dict filled in place, and its own lock: every
    # record's copy (for_record) shares them, so the first answer serves the whole run.
    me: dict[str, Any] = field(default_factory=dict)
    _me_lock: threading.Lock = field(default_factory=threading.Lock)
    _warned: set[str] = field(default_factory=set)
    _lock: threading.Lock = field(default_factory=threading.Lock)

    def __post_init__(self) -> None:
        if self.directory is None:
            self.directory = AccountDirectory(self.client)

    def for_record(self, lookups: Lookups) -> Runtime:
        """The runtime as one record's planner sees it: the run's, with that record's lookups."""
        # Once per record: a shallow copy by hand (dataclasses.replace and copy.copy cost 5-10x more).
        runtime = object.__new__(Runtime)
        runtime.__dict__.update(self.__dict__, lookups=lookups)
        return runtime

    def match_field(self, entity: Entity, wanted: str | None) -> MatchField:
        """The match field named by a record (or the setting, or `id`), resolved once per run."""
        name = (wanted or self.default_match.get(entity.name) or "id").strip()
        cache_key = (entity.name, name)
        if cache_key not in self._matches:
            self._matches[cache_key] = resolve_match_field(self.catalog, entity, name)
        return self._matches[cache_key]

    def default_currency(self) -> str:
        """The authorized user's default currency, as Pipedrive's own forms use it."""
        return str(self.user().get("default_currency") or "USD")

    def user(self) -> dict[str, Any]:
        """users/me's `data`, asked once per run."""
        with self._me_lock:
            if not self.me:
                self.me.update(users_me(self.client))
            return self.me

    def first_time(self, key: str) -> bool:
        """True once per run per key: for warnings that would otherwise repeat on every record."""
        with self._lock:
            if key in self._warned:
                return False
            self._warned.add(key)
            return True
