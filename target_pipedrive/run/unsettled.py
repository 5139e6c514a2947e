"""Updates whose outcome is unknown (the outbox of PATCH and PUT): an attempt whose answer was lost may
commit after its retry, and after newer updates of the same entity, leaving an older value in
Pipedrive while the ledger holds the newer one's digest (adversary F5).

Such an update is kept in the ledger (scope `unsettled`, one row per entity) with the body that must
hold in the end: its own fields, then those of every later update of the entity, the newest winning.
Once `outcome_settle` seconds have passed since it was sent, nothing of it can land any more: the run
that sees this (the same one at its end, or a later one at its start) reads the entity and sends again
the fields that differ, then forgets the row. Its own field digests are not recorded, so the next
record of the entity is compared with Pipedrive, not with a write that may have been overtaken."""

from __future__ import annotations

import json
import logging
import time
from typing import Any

from ..account.runtime import Runtime
from ..account.unchanged import holds
from ..actions.plan import Write
from ..pipedrive.errors import PipedriveError, PipedriveRequestError
from .written import entity_of

SCOPE = "unsettled"


def _key(write: Write) -> str:
    return f"{entity_of(write).name}:{write.path.rpartition('/')[2]}"


class Unsettled:
    def __init__(self, runtime: Runtime, logger: logging.Logger) -> None:
        self.runtime = runtime
        self.logger = logger

    def updated(self, write: Write, *, in_doubt: bool) -> None:
        """An update was sent: in doubt, it starts (or renews) its entity's row; a clean one joins a
        row already there, so that the check enforces the newest values."""
        ledger = self.runtime.ledger
        if ledger is None or ledger.read_only or write.method not in ("PATCH", "PUT") or not write.body:
            return
        key = _key(write)
        held = ledger.get(SCOPE, key)
        if held is None and not in_doubt:
            return
        row = _decoded(held.digest) if held is not None else {}
        body = (row.get("body") or {}) | write.body
        sent_at = time.time() if in_doubt else row.get("sent_at", time.time())
        outbox = {"sent_at": sent_at, "method": write.method, "path": write.path, "body": body}
        ledger.put(SCOPE, key, entity_of(write).name, write.entity_id or "", json.dumps(outbox, default=str))
        if in_doubt:
            self.logger.warning(
                "%s %s: an earlier attempt's answer was lost and it may still commit after this one; "
                "the %s is checked again once outcome_settle (%.0f s) has passed",
                write.method,
                write.path,
                entity_of(write).label,
                self.runtime.settle_seconds,
            )

    def settle(self) -> None:
        """Check every update whose settle time has passed; say how many are left for a later run."""
        ledger = self.runtime.ledger
        if ledger is None or ledger.read_only:
            return
        now, waiting = time.time(), 0
        for key, entry in ledger.scope_rows(SCOPE):
            row = _decoded(entry.digest)
            if now < float(row.get("sent_at") or 0) + self.runtime.settle_seconds:
                waiting += 1
                continue
            self._check(row)
            ledger.forget(SCOPE, key)
        if waiting:
            self.logger.warning(
                "%d update(s) of unknown outcome are not settled yet: a later run checks them once "
                "outcome_settle (%.0f s) has passed since they were sent",
                waiting,
                self.runtime.settle_seconds,
            )

    def _check(self, row: dict[str, Any]) -> None:
        client, path, body = self.runtime.client, str(row.get("path") or ""), row.get("body") or {}
        if not path or not body:
            return
        try:
            current = client.get(path).data
        except PipedriveRequestError as exc:
            if exc.status in (404, 410):
                return  # deleted or merged since: nothing left to put right
            raise
        differing = {
            name: value
            for name, value in body.items()
            if not isinstance(current, dict) or not holds(current, {name: value})
        }
        if not differing:
            return
        self.logger.warning(
            "%s %s: an update of unknown outcome was overtaken (Pipedrive holds an older value): "
            "sent again: %s",
            row.get("method", "PATCH"),
            path,
            ", ".join(sorted(differing)),
        )
        client.request(str(row.get("method") or "PATCH"), path, body=differing)

    def settle_or_defer(self) -> None:
        """`settle`, where a failure to reach Pipedrive must not stop the run nor hide its outcome: the
        rows stay for a later run."""
        try:
            self.settle()
        except PipedriveError as exc:
            self.logger.warning("Updates of unknown outcome are left for a later run to check: %s", exc)


def _decoded(stored: str | None) -> dict[str, Any]:
    try:
        row = json.loads(stored or "{}")
    except ValueError:
        return {}
    return row if isinstance(row, dict) else {}
