"""A create's intent row (its outbox) while the create is under way: what was sent and when, and
whether its outcome is in doubt. A rerun reads it to know how long the create may still land
(creates.py `_settle`)."""

from __future__ import annotations

import json
import time

from ..account.ledger import Ledger
from ..actions.plan import Write

# Ledger rows of creates under way (intents), keyed by their event's marker or their match value.
INTENT_SCOPE = "intent"
# An attempt that leaves this many seconds after the time the row holds (pacing, a 429's wait, a
# retry after a lost answer) writes its own time: the rerun's wait is counted from the request in
# flight, not from the first one.
LATE_SEND_SECONDS = 1.0


class CreateOutbox:
    def __init__(
        self, ledger: Ledger, intent: str, entity: str, stamp: str, write: Write, *, timeout: float
    ) -> None:
        self._ledger, self._intent, self._entity, self._stamp = ledger, intent, entity, stamp
        # This run's request_timeout: how long its request may run is a rerun's wait, whatever the
        # rerun's own setting.
        self._timeout = timeout
        self._path, self._body, self.sent_at = write.path, write.body, time.time()
        self.doubted = False
        self._put()

    def in_doubt(self) -> None:
        """An attempt's outcome is unknown and it may still be running on the server: a rerun gives it
        outcome_settle to land."""
        if not self.doubted:
            self.doubted = True
            self._put()

    def leaving(self) -> None:
        """An attempt is leaving now (called by the client after its pacing wait)."""
        now = time.time()
        if now - self.sent_at > LATE_SEND_SECONDS:
            self.sent_at = now
            self._put()

    def forget(self) -> None:
        self._ledger.forget(INTENT_SCOPE, self._intent)

    def _put(self) -> None:
        row = {"sent_at": self.sent_at, "timeout": self._timeout, "path": self._path, "body": self._body}
        if self.doubted:
            row["in_doubt"] = True
        self._ledger.put(INTENT_SCOPE, self._intent, self._entity, self._stamp, json.dumps(row, default=str))
