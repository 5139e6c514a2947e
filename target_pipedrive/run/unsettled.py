"""Updates whose outcome is unknown (the outbox of PATCH and PUT): an attempt whose answer was lost may
commit after its retry, and after newer updates of the same entity, leaving an older value in
Pipedrive while the ledger holds the newer one's digest (adversary F5).

Every update is written to the ledger (scope `unsettled`, one row per entity) before it is sent, so
that one whose run is killed (or stopped) while it is in flight is such an update too; a clean answer
puts the row back as it was (none, mostly). Such an update is kept with the body that must hold in the
end: its own fields, then those of every later update of the entity, the newest winning. Once
`outcome_settle` seconds have passed since it was sent, nothing of it can land any more: the run that
sees this (the same one at its end, or a later one at its start) reads the entity and sends again the
fields that differ, then forgets the row. Its own field digests are not recorded, so the next record of
the entity is compared with Pipedrive, not with a write that may have been overtaken."""

from __future__ import annotations

import json
import logging
import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from ..account.ledger import Entry
from ..account.runtime import Runtime
from ..account.unchanged import holds
from ..actions.plan import Write
from ..pipedrive.errors import PipedriveError, PipedriveRequestError
from .create_outbox import LATE_SEND_SECONDS
from .written import entity_of

SCOPE = "unsettled"


def _key(write: Write) -> str:
    return f"{entity_of(write).name}:{write.path.rpartition('/')[2]}"


@dataclass
class Pending:
    """An update's row while it is sent: its key, the row that was there before (None: none), and when
    its latest attempt left."""

    key: str
    held: Entry | None
    sent_at: float

    @property
    def entity(self) -> str:
        return self.key.partition(":")[0]


class Unsettled:
    def __init__(self, runtime: Runtime, logger: logging.Logger) -> None:
        self.runtime = runtime
        self.logger = logger

    def sending(self, write: Write) -> Pending | None:
        """Before an update is sent: its entity's row holds it from now (sent now, its fields joining
        those of a row already there), so that a run killed while it is in flight leaves an update of
        unknown outcome, checked once outcome_settle has passed. What `updated` or `refused` needs to
        settle the row after the answer (None: the update is not tracked). One write; the row is read
        from the ledger's memory."""
        ledger = self.runtime.ledger
        if ledger is None or ledger.read_only or write.method not in ("PATCH", "PUT") or not write.body:
            return None
        pending = Pending(_key(write), ledger.get(SCOPE, _key(write)), time.time())
        self._put(write, pending, pending.sent_at)
        return pending

    def leaving(self, write: Write, pending: Pending | None) -> Callable[[], None] | None:
        """The client's hook before each attempt of the update: one that leaves late (pacing, a 429's
        wait, a retry) writes its own time into the row, since outcome_settle counts from there."""
        if pending is None:
            return None

        def left() -> None:
            now = time.time()
            if now - pending.sent_at > LATE_SEND_SECONDS:
                pending.sent_at = now
                self._put(write, pending, now)

        return left

    def updated(self, write: Write, pending: Pending | None, *, in_doubt: bool) -> None:
        """The update was answered: in doubt, its row is renewed (sent now); a clean one leaves the row
        as it was before, with its fields joined (the check enforces the newest values), and no row
        when there was none."""
        ledger = self.runtime.ledger
        if ledger is None or pending is None:
            return
        if pending.held is None and not in_doubt:
            ledger.forget(SCOPE, pending.key)
            return
        earlier = _decoded(pending.held.digest if pending.held is not None else None).get("sent_at")
        self._put(write, pending, time.time() if in_doubt or earlier is None else earlier)
        if in_doubt:
            self.logger.warning(
                "%s %s: an earlier attempt's answer was lost and it may still commit after this one; "
                "the %s is checked again once outcome_settle (%.0f s) has passed",
                write.method,
                write.path,
                entity_of(write).label,
                self.runtime.settle_seconds,
            )

    def refused(self, pending: Pending | None) -> None:
        """Pipedrive refused the update (it answered: nothing of it applied): the row as it was."""
        ledger = self.runtime.ledger
        if ledger is None or pending is None:
            return
        if pending.held is None:
            ledger.forget(SCOPE, pending.key)
        else:
            ledger.put(SCOPE, pending.key, pending.entity, pending.held.entity_id, pending.held.digest)

    def _put(self, write: Write, pending: Pending, sent_at: Any) -> None:
        held = _decoded(pending.held.digest if pending.held is not None else None)
        body = (held.get("body") or {}) | (write.body or {})
        outbox = {"sent_at": sent_at, "method": write.method, "path": write.path, "body": body}
        assert self.runtime.ledger is not None
        self.runtime.ledger.put(
            SCOPE, pending.key, pending.entity, write.entity_id or "", json.dumps(outbox, default=str)
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
