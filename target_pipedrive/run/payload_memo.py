"""An unchanged record decided before it is planned: the mapping's payload, the same as the one it last
wrote to the entity the lookup finds, plans to the same fields, whose digests the ledger already holds.

The write row of a mapping and match value (written.py) keeps, beside each field's digest, one digest
of the payload those fields came from (under the key "@"), salted with the account's field catalogue
(custom field keys, types and options turn values into fields) where the payload maps custom fields
or the visibility. Only actions whose fields depend on nothing else declare `memo_fields`
(actions/spec.py); a payload with a link, an owner or any other field is planned as usual. Planning
and the write policy (narrowing.py) cost more than half of an unchanged re-sync's CPU; this check is
one hash, the lookup the plan would make, and one ledger read.
"""

from __future__ import annotations

from ..account.catalog import UnknownField
from ..account.digests import quick_digest
from ..account.finder import LookupRejected
from ..account.match import UnsearchableField
from ..account.runtime import Runtime
from ..actions import ACTION_SPECS
from ..pipedrive.entities import BY_NAME
from ..pipedrive.errors import ApiNeeded
from .context import RecordContext
from .written import MEMO_KEY, WriteMemory


class PayloadMemo:
    def __init__(self, runtime: Runtime, memory: WriteMemory) -> None:
        self.runtime = runtime
        self.memory = memory

    def unchanged(self, ctx: RecordContext) -> bool:
        """Whether the record's payload is the one its mapping last wrote to the entity it finds (and so
        nothing to write). Sets `ctx.memo`, the payload's digest that a write or skip then records."""
        spec = ACTION_SPECS[ctx.action]
        payload = ctx.payload
        rt = self.runtime
        if (
            payload is None
            or not spec.memo_fields
            or not payload.keys() <= spec.memo_fields
            or rt.ledger is None
            or rt.full_refresh
            or not rt.skip_unchanged
        ):
            return False
        entity = BY_NAME[spec.entity]
        try:
            match = rt.match_field(entity, payload.get("match_field"))
            value = str(payload["match_value"]).strip()
            # Custom fields and visibility are made from the field catalogue; the rest from the values.
            uses_catalog = "custom_fields" in payload or "visible_to" in payload
            salt = rt.catalog.fingerprint(entity) if uses_catalog else ""
            ctx.memo = quick_digest([ctx.action, salt, payload])
            if not value:
                return False
            # Only what the run and the ledger know: a lookup that needs Pipedrive is the plan's to
            # make (a search that finds nothing is not remembered: it would be paid twice).
            with rt.client.local_only():
                found = rt.finder.find(match, value, ctx.lookups)
        except (UnknownField, UnsearchableField, LookupRejected, KeyError, ApiNeeded):
            # The plan says why (a rejection of the record), or asks Pipedrive.
            return False
        if found is None:
            return False
        scope, key = self.memory.match_write_key(ctx.mapping, match, value)
        entry = self.memory.entry(scope, key)
        # Found in the digests' JSON as it is (digests.encode_fields: no spaces; a digest is hex, a
        # field key never the bare "@"), without decoding it.
        return (
            entry is not None
            and entry.entity_id == str(found)
            and entry.digest is not None
            and f'"{MEMO_KEY}":"{ctx.memo}"' in entry.digest
        )
