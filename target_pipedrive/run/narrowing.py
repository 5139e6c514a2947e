"""The write policy applied to an update (actions/policy.py, docs/write-policy.md): only the fields whose
mapped value changed since this mapping last wrote them (or, with no ledger row, that the entity does not
already hold, where its values are known), create-only fields left out, preserved fields only where the
entity's value is empty, contact lists merged. A Skip when nothing is left to send. The `segment`
strategy (skip_unchanged off) sends every mapped field."""

from __future__ import annotations

import threading
from dataclasses import replace
from typing import Any

from ..account.digests import decode_fields, digest
from ..account.runtime import Runtime
from ..account.unchanged import holds
from ..actions import policy
from ..actions.plan import Reject, Skip, Write
from ..pipedrive.entities import Entity
from .context import RecordContext
from .written import MEMO_KEY, WriteMemory, entity_of


def _legacy_digests(body: dict[str, Any]) -> tuple[str, ...]:
    """The digests an earlier version kept of this update body: of the body, and of the body with its
    emails and phones completed as it sent them (label work, the first primary)."""
    completed = {
        key: policy.complete_contacts(value) if key in ("emails", "phones") else value
        for key, value in body.items()
    }
    return digest(body), digest(completed)


class Narrower:
    def __init__(self, runtime: Runtime, memory: WriteMemory, *, dry_run: bool = False) -> None:
        self.runtime = runtime
        self.memory = memory
        self.dry_run = dry_run
        # Each mapping's policy, its field names resolved against the account on first use.
        self._resolved: dict[str, policy.ResolvedPolicy] = {}
        self._lock = threading.Lock()

    def narrow(self, ctx: RecordContext, write: Write) -> Write | Skip:
        if write.method not in ("PATCH", "PUT") or write.entity_id is None or write.update_body is None:
            return write
        rules = self._rules(ctx)
        parts = policy.split(write.update_body)
        for name in rules.create_only:
            parts.pop(name, None)
        if not self.runtime.skip_unchanged:
            for name, value in parts.items():
                if (kind := policy.merge_kind(ctx.action, name, value)) is not None:
                    parts[name] = policy.replaced(kind, value, self.runtime.default_currency)
            return replace(write, body=policy.join(parts), fields=self._labels(ctx.action, parts))
        digests = policy.digests(parts)
        stored, upgrade = self._stored(ctx.mapping, write, digests)
        memo = stored.pop(MEMO_KEY, None) if stored is not None else None
        changed = [name for name in parts if stored is None or stored.get(name) != digests[name]]
        send = (
            self._to_send(
                ctx.action, rules, write, {name: parts[name] for name in changed}, blind=stored is None
            )
            if changed
            else {}
        )
        if not send:
            if stored != digests or upgrade or (ctx.memo is not None and memo != ctx.memo):
                # The digests move on (nothing was sent: the run's view of the entity stays as it is).
                self.memory.remember(ctx.mapping, replace(write, body=None), write.entity_id, memo=ctx.memo)
            return Skip("Pipedrive already holds these values", write.warnings)
        return replace(write, body=policy.join(send), fields=self._labels(ctx.action, send))

    def _stored(
        self, mapping: str, write: Write, digests: dict[str, str]
    ) -> tuple[dict[str, str] | None, bool]:
        """The field digests this mapping last wrote to the entity (None: no row), and whether the row
        is an earlier version's whose body is unchanged (nothing to send; the row gets field digests)."""
        key = self.memory.write_key(mapping, write, write.entity_id)
        entry = self.memory.entry(*key) if key is not None else None
        if entry is None or entry.entity_id != str(write.entity_id):
            return None, False
        stored = decode_fields(entry.digest)
        if (
            stored is None
            and write.update_body is not None
            and entry.digest in _legacy_digests(write.update_body)
        ):
            return digests, True
        return stored, False

    def _to_send(
        self,
        action: str,
        rules: policy.ResolvedPolicy,
        write: Write,
        changed: dict[str, Any],
        *,
        blind: bool = False,
    ) -> dict[str, Any]:
        """The changed fields an update still sends: merged, and only where the entity (when its
        values are known) does not hold them already or (preserved fields) holds nothing. `blind`: the
        ledger has no digests of what this mapping wrote to the entity (every field looks changed)."""
        assert write.entity_id is not None
        entity = entity_of(write)
        current = self.runtime.finder.current(entity, write.entity_id)
        kinds = {name: policy.merge_kind(action, name, value) for name, value in changed.items()}
        if rules.contacts == "replace":
            kinds = {name: None if kind in ("email", "phone") else kind for name, kind in kinds.items()}
        if current is None:
            changed = {
                name: value
                for name, value in changed.items()
                if not self._held_contacts(entity, write.entity_id, kinds[name], value)
            }
        needs_values = any(kinds[name] is not None or name in rules.preserve for name in changed) or (
            blind and any(self._partial_address(action, name, value) for name, value in changed.items())
        )
        # Without a ledger no run ever knows what it wrote: it reads (1 token) rather than rewrite (5).
        if current is None and (needs_values or (changed and self.runtime.ledger is None)):
            # Merging, or checking that a preserved field is empty, needs the entity's values: one GET,
            # which also tells which of the other fields it already holds.
            current = self._read_current(entity, write.entity_id)
        send: dict[str, Any] = {}
        for name, value in changed.items():
            kind = kinds[name]
            if kind is None and rules.contacts == "replace" and name in ("emails", "phones"):
                value = policy.complete_contacts(value)
            preserved = name in rules.preserve and current is not None
            if preserved and not policy.is_empty(policy.held_value(current or {}, name)):
                continue
            if kind is not None:
                held = policy.held_value(current, name) if current is not None else None
                value = policy.merged(kind, held, value, self.runtime.default_currency)
            if current is not None and holds(current, policy.join({name: value})):
                continue
            send[name] = value
        return send

    def _partial_address(self, action: str, name: str, value: Any) -> bool:
        """An address custom field sent without all of its parts: Pipedrive sets the parts a write
        leaves out to null (migration guide), so the same address sent again blind would erase the
        street, locality and postal code it holds. Worth one read of the entity to leave it alone."""
        entity = policy.custom_entity(action)
        if entity is None or not name.startswith(policy.CUSTOM) or not isinstance(value, dict):
            return False
        try:
            field = self.runtime.catalog.resolve(entity, name[len(policy.CUSTOM) :])
        except LookupError:
            return False
        return field.type == "address"

    def _held_contacts(self, entity: Entity, entity_id: int | str, kind: str | None, value: Any) -> bool:
        """Whether merging these emails (or phones) would change nothing, with no read: the entity was
        found or created under each of them (its match key), and none brings a label or a primary."""
        if kind not in ("email", "phone") or not isinstance(value, list) or not value:
            return False
        return all(
            isinstance(item, dict)
            and not item.get("label")
            and item.get("primary") is not True
            and self.runtime.finder.holds(entity, entity_id, kind, str(item.get("value") or ""))
            for item in value
        )

    def _rules(self, ctx: RecordContext) -> policy.ResolvedPolicy:
        """A mapping's write policy, its field names resolved once per run (start-up checks them)."""
        # Read without the lock (a dict's get is atomic): it is taken once per mapping, to fill it.
        resolved = self._resolved.get(ctx.mapping)
        if resolved is None:
            try:
                resolved = policy.resolve(ctx.action, ctx.policy, self.runtime.catalog)
            except (LookupError, ValueError) as exc:
                raise Reject(f"the mapping's preserve or create_only_fields: {exc}") from exc
            with self._lock:
                self._resolved[ctx.mapping] = resolved
        return resolved

    def _read_current(self, entity: Entity, entity_id: int | str) -> dict[str, Any] | None:
        """GET the entity (its lists to merge into, its preserved values); known to the run afterwards.
        A 404 (an id the ledger remembered, now gone or in Pipedrive's trash) is raised: the record is
        planned again. A dry run's would-be entity (a negative id) is not asked for."""
        if self.dry_run and str(entity_id).startswith("-"):
            return None
        data = self.runtime.client.get(entity.item(entity_id)).data
        if not isinstance(data, dict):
            return None
        self.runtime.finder.read(entity, entity_id, data)
        return data

    def _labels(self, action: str, parts: dict[str, Any]) -> list[str]:
        return [policy.label(action, name, self.runtime.catalog) for name in parts]
