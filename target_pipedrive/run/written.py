"""What a write leaves known, to the rest of the run (the finder) and to later runs (the ledger): the
identity the entity was found or created under, its new values, and a digest of every mapped field
(what the next update is diffed against)."""

from __future__ import annotations

from typing import Any

from ..account.finder import identity_scope, normalize
from ..account.ledger import Entry, encode_fields
from ..account.match import MatchField
from ..account.runtime import Runtime
from ..actions import policy
from ..actions.plan import Write
from ..pipedrive.entities import BY_COLLECTION, Entity

# The key of a payload's digest among a write row's field digests (payload_memo.py): never a field's.
MEMO_KEY = "@"


def entity_of(write: Write) -> Entity:
    """The entity a write creates (POST to its collection) or changes (a request to one item)."""
    path = write.path if write.method == "POST" else write.path.rsplit("/", 1)[0]
    return BY_COLLECTION[path]


def label_of(write: Write) -> str:
    """How messages name the entity a write creates or changes."""
    try:
        return entity_of(write).label
    except KeyError:
        return "entity"


class WriteMemory:
    def __init__(self, runtime: Runtime) -> None:
        self.runtime = runtime

    def entry(self, scope: str, key: str, *, always: bool = False) -> Entry | None:
        """A ledger row; only markers (`always`) are read under full_refresh: they prevent duplicates."""
        ledger = self.runtime.ledger
        if ledger is None or (self.runtime.full_refresh and not always):
            return None
        return ledger.get(scope, key)

    def write_key(self, mapping: str, write: Write, entity_id: Any) -> tuple[str, str] | None:
        """The ledger row of the field digests `mapping` last wrote: keyed by the match value, or (for
        activities, notes, leads and deals without a match) by the entity's id."""
        if write.remember is not None:
            return self.match_write_key(mapping, *write.remember)
        if entity_id is None:
            return None
        return f"write:{mapping}:{entity_of(write).name}:id", str(entity_id)

    @staticmethod
    def match_write_key(mapping: str, match: MatchField, value: str) -> tuple[str, str]:
        """The write row of what `mapping` wrote to the entity it finds by this match value."""
        return f"write:{mapping}:{match.entity.name}:{match.key}", normalize(match, value)

    def remember(
        self, mapping: str, write: Write, entity_id: Any, *, digests: bool = True, memo: str | None = None
    ) -> None:
        """What a write (or an update found already held) leaves known; without `digests`, not what
        it wrote (an update whose outcome is in doubt). `memo`: the digest of the payload planned into
        this write (payload_memo.py), kept with the field digests when the plan said nothing more."""
        finder, ledger = self.runtime.finder, self.runtime.ledger
        entity = entity_of(write)
        if write.remember is not None:
            match, value = write.remember
            finder.remember(match, value, int(entity_id))
            finder.confirmed(match.entity.name, int(entity_id))
            if ledger is not None:
                ledger.put(identity_scope(match), normalize(match, value), match.entity.name, entity_id)
        if write.body is not None:
            number = str(entity_id).lstrip("-").isdigit()
            finder.written(entity, int(entity_id) if number else entity_id, write.body)
        if digests and ledger is not None and write.update_body is not None and self.runtime.skip_unchanged:
            key = self.write_key(mapping, write, entity_id)
            if key is not None:
                fields = policy.digests(policy.split(write.update_body))
                if memo is not None and not write.warnings:
                    fields[MEMO_KEY] = memo
                ledger.put(*key, entity.name, entity_id, encode_fields(fields))
