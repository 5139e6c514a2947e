"""Creates that never happen twice: the intent (outbox) row in the ledger while a create is under way,
the check whether a create with a lost answer landed before it is sent again, waiting out a create that
may still land (`outcome_settle`), and, without a ledger that knows the account, the content match of
an activity, note or lead on its linked entity. Pipedrive is asked through recovery.py."""

from __future__ import annotations

import json
import logging
import math
import threading
import time
from collections.abc import Callable
from datetime import datetime, timezone
from typing import Any

from ..account.finder import identity_scope, normalize
from ..account.runtime import Runtime
from ..actions.plan import Archived, Write
from ..pipedrive.entities import BY_COLLECTION, DEAL, LEAD, ORGANIZATION, PERSON
from ..pipedrive.errors import PipedriveRequestError, RunInterrupted, UnusableAnswer, WriteOutcomeUnknown
from .context import RecordContext
from .create_outbox import INTENT_SCOPE, CreateOutbox
from .identity import Marker
from .recovery import find_archived, find_created, find_existing, intent_moment, intent_stamp, on_server_clock
from .summary import RunSummary

# Seconds to give a create whose answer was lost to land before asking whether it did.
RECHECK_DELAY = 1.0
MAX_RECHECK_DELAY = 30.0
# Seconds after it was sent that a killed run's create is waited for at least (never past outcome_settle).
KILLED_WAIT_FLOOR = 60.0
# A create with an unknown outcome is looked for again after this many seconds, then twice as long…
SETTLE_POLL_FIRST = 2.0
SETTLE_POLL_MAX = 30.0
# The body keys of an activity, note or lead that link it to another entity, and that entity's collection.
LINK_COLLECTIONS = {
    "person_id": PERSON.collection,
    "org_id": ORGANIZATION.collection,
    "organization_id": ORGANIZATION.collection,
    "deal_id": DEAL.collection,
    "lead_id": LEAD.collection,
}


class CreateUnconfirmed(Exception):
    """Pipedrive answered a create with success but no usable id (UnusableAnswer): the record is
    rejected, and nothing of the entity is remembered (its id is not known). `kept`: the create's
    intent stays in the ledger, in doubt, so that the next run or a replay looks for the entity
    before creating it again."""

    def __init__(self, answer: UnusableAnswer, write: Write, *, kept: bool) -> None:
        self.status, self.pipedrive_error = answer.status, answer.pipedrive_error
        label = BY_COLLECTION[write.path].label
        if kept:
            after = (
                "Its create stays in the sync ledger, in doubt: the next run, or a replay of this reject, "
                f"looks for the {label} in Pipedrive before creating it again"
            )
        else:
            after = (
                "No sync ledger keeps its create (no ledger, or nothing identifies the record across runs): "
                f"look for the {label} in Pipedrive before replaying this record, or it may be created twice"
            )
        self.reason = (
            f"Pipedrive answered the create (POST {write.path}, HTTP {answer.status}) with success, but "
            f"{answer.pipedrive_error}: the {label} was most likely created, but which one is not known, "
            f"so nothing of it is remembered. {after}. If this repeats, check that api_url reaches "
            "Pipedrive itself (not a proxy that rewrites its answers)"
        )
        super().__init__(self.reason)


def still_running(exc: WriteOutcomeUnknown) -> bool:
    """Whether a create with an unknown outcome may still be running on the server: it timed out, or
    a gateway gave up waiting for it (504). A 500, 503 or a dropped connection ended it already: the
    first look tells."""
    return exc.timed_out or exc.cause == "HTTP 504"


def recheck_delay(timeout: float) -> float:
    """Seconds a create that timed out is given before it is looked for: as long again as the timeout."""
    return min(timeout, MAX_RECHECK_DELAY)


def _seconds(value: Any, default: float) -> float:
    """A number of seconds from a ledger row (rows of earlier versions lack some): the default when it
    is missing or not a finite number."""
    try:
        seconds = float(value)
    except (TypeError, ValueError):
        return default
    return seconds if math.isfinite(seconds) and seconds >= 0 else default


class Creates:
    def __init__(self, runtime: Runtime, summary: RunSummary, logger: logging.Logger) -> None:
        self.runtime = runtime
        self.summary = summary
        self.logger = logger
        # What this run created, per collection: a lost create's check must not claim one of them.
        self._created: set[tuple[str, str]] = set()
        self._lock = threading.Lock()

    def created(self, write: Write, entity_id: Any) -> None:
        with self._lock:
            self._created.add((write.path, str(entity_id)))

    def taken(self, write: Write, entity_id: Any) -> bool:
        """An entity this run created for another record, or that the ledger ties to one."""
        with self._lock:
            if (write.path, str(entity_id)) in self._created:
                return True
        ledger, entity = self.runtime.ledger, BY_COLLECTION.get(write.path)
        return ledger is not None and entity is not None and ledger.knows(entity.name, entity_id)

    def links_a_new_entity(self, write: Write) -> bool:
        """Whether the write links an entity this run created (or, in a dry run, would create: a
        negative id). An earlier run's activity, note or lead for this event carried the same links,
        and that entity did not exist then: there is nothing to look for."""
        body = write.body or {}
        links = [(path, body[key]) for key, path in LINK_COLLECTIONS.items() if body.get(key) is not None]
        # An activity's participants: an earlier run's activity for this event had the same ones.
        links += [
            (PERSON.collection, p["person_id"])
            for p in body.get("participants") or []
            if isinstance(p, dict) and p.get("person_id") is not None
        ]
        with self._lock:
            return any(
                (path, str(value)) in self._created or (isinstance(value, int) and value < 0)
                for path, value in links
            )

    def _taker(self, write: Write) -> Callable[[Any], bool]:
        return lambda entity_id: self.taken(write, entity_id)

    def intent_key(self, write: Write, marker: Marker | None) -> str | None:
        """What identifies a create across runs: its event's marker, or the match value it writes.
        An intent an earlier version left under the event's old key moves to the new one."""
        if marker is not None:
            key = f"{marker.scope}:{marker.key}"
            ledger = self.runtime.ledger
            legacy = f"{marker.scope}:{marker.legacy_key}"
            if marker.legacy_key is not None and ledger is not None and ledger.has(INTENT_SCOPE, legacy):
                ledger.rename(INTENT_SCOPE, legacy, key)
            return key
        if write.remember is not None:
            match, value = write.remember
            return f"{identity_scope(match)}:{normalize(match, value)}"
        return None

    def create_once(self, ctx: RecordContext, write: Write, intent: str | None) -> Any:
        """A create, with its intent (the outbox: when it was sent, and its body) in the ledger while it
        is under way: a run that stops before knowing the outcome (killed, or stopped by a fatal error
        while checking) leaves the intent, and the rerun of that record looks for the entity before it
        creates it. The writer forgets the intent once the marker or identity is recorded. Without a
        ledger that knows the account, an activity, note or lead is first looked for by its content
        on its linked entity first (`found_by_content`: a lost ledger must not duplicate what an earlier
        run created)."""
        ledger = self.runtime.ledger
        if intent is None or ledger is None or ledger.read_only:
            return self._confirmed(write)
        earlier = ledger.get(INTENT_SCOPE, intent)
        if earlier is not None and (found := self._landed_earlier(write, earlier.entity_id, earlier.digest)):
            return found
        # The moment before the create, in Pipedrive's time: the rerun looks for it from there. The body
        # rides along (the outbox): what was sent, and when, until the outcome is known.
        stamp = intent_stamp(self.runtime.client, datetime.now(timezone.utc))
        entity, timeout = BY_COLLECTION[write.path].name, self.runtime.client.timeout
        outbox = CreateOutbox(ledger, intent, entity, stamp, write, timeout=timeout)
        try:
            return self._confirmed(write, outbox)
        except PipedriveRequestError:
            if not outbox.doubted:
                # Refused, and no attempt of it is in doubt: nothing can land, and a replay of the
                # reject must not wait for it (an intent left without in_doubt is waited for).
                outbox.forget()
            raise

    def _confirmed(self, write: Write, outbox: CreateOutbox | None = None) -> Any:
        """The create's id; a success that names no usable id is the record's CreateUnconfirmed. The
        create most likely happened: it is not sent again, and its intent (if it has one) is kept in
        doubt rather than forgotten, which also gives it `outcome_settle` to show in the lists."""
        try:
            return self._create(write, outbox)
        except UnusableAnswer as exc:
            if outbox is not None:
                outbox.in_doubt()
            raise CreateUnconfirmed(exc, write, kept=outbox is not None) from None

    def _landed_earlier(self, write: Write, stamp: str, outbox: str | None) -> Any | None:
        """The entity of an earlier run's create of this record (its intent was left), if it landed."""
        client = self.runtime.client
        since = intent_moment(client, stamp)
        found = find_created(client, write, since, self._taker(write))
        if found is not None:
            self.logger.info(
                "POST %s was created by an earlier run (id %s): not sent again", write.path, found
            )
            return found
        landed = self._settle(write, outbox, since)
        if landed is not None:
            self.created(write, landed)
            self.logger.info("POST %s of an earlier run landed (id %s): not sent again", write.path, landed)
        return landed

    def _settle(self, write: Write, outbox: str | None, since: datetime) -> Any | None:
        """An intent of an earlier run whose entity is not there (yet): a create in doubt sent less than
        `settle_seconds` ago may still land, and so may one whose run stopped without knowing its
        outcome, for a shorter while. Wait until then, looking again, before sending it again; the
        entity's id when it landed meanwhile."""
        try:
            sent = json.loads(outbox or "{}")
            sent_at = float(sent.get("sent_at"))
        except (TypeError, ValueError, AttributeError):
            return None  # an intent of an earlier version: no time of sending, the list said enough
        if sent.get("in_doubt"):
            left = sent_at + self.runtime.settle_seconds - time.time()
            why = "for it to land"
        else:
            # The earlier run stopped (killed, or a SIGTERM that did not wait for it) without knowing the
            # outcome: before sending cannot be told from while its POST was in flight. Waiting the whole
            # outcome_settle after every kill would make reruns look hung, so only while a POST sent then
            # could still be answered (request_timeout) and show in the lists: as long as that run would
            # itself have waited before looking.
            # A server may hold a request past the client's timeout and commit it then: at least a
            # minute (what the default request_timeout and its re-check give), whatever the setting.
            timeout = _seconds(sent.get("timeout"), self.runtime.client.timeout)
            floor = min(KILLED_WAIT_FLOOR, self.runtime.settle_seconds)
            bound = timeout + recheck_delay(timeout)
            left = sent_at + max(bound, floor) - time.time()
            waited = f"{floor:g} s" if floor > bound else "request_timeout and a re-check"
            why = f"({waited} after it was sent) in case it still lands"
        if left <= 0:
            return None
        stopped = "" if sent.get("in_doubt") else " that stopped while it may have been in flight"
        self.logger.warning(
            "POST %s of an earlier run%s (%.0f s ago) is not in Pipedrive yet: waiting %.0f s more %s, "
            "before sending it again",
            write.path,
            stopped,
            time.time() - sent_at,
            left,
            why,
        )
        return self._await_landing(write, since, left)

    def _await_landing(self, write: Write, since: datetime, seconds: float) -> Any | None:
        """Look for the entity of a create with an unknown outcome until `seconds` have passed (real
        seconds, like the timeout that lost the answer); its id, or None when it did not land."""
        client = self.runtime.client
        deadline = time.monotonic() + seconds
        pause = SETTLE_POLL_FIRST
        while True:
            left = deadline - time.monotonic()
            if left > 0 and client.pause(min(pause, left)):
                raise RunInterrupted
            found = find_created(client, write, since, self._taker(write))
            if found is not None or left <= 0:
                return found
            pause = min(pause * 2, SETTLE_POLL_MAX)

    def found_by_content(self, ctx: RecordContext, write: Write) -> Any | None:
        """The entity an earlier run created for this record's event, when only its content can tell
        (a create of an event, and no ledger that knows the account): no create is needed."""
        ledger = self.runtime.ledger
        if write.method != "POST" or ctx.marker is None or (ledger is not None and ledger.knew_account):
            return None
        return self.match_by_content(ctx, write, ctx.marker)

    def match_by_content(self, ctx: RecordContext, write: Write, marker: Marker) -> Any | None:
        """The ledger does not know the account (a fresh disk, or no ledger): an entity an earlier run
        created for this event is recognised by its content on its linked entity (one list request per
        create, narrowed to changes since the event), so that a replay does not create it again."""
        ledger = self.runtime.ledger
        if write.remember is None and self.links_a_new_entity(write):
            return None
        if self.runtime.first_time("content-fallback"):
            self.logger.warning(
                "%s: activities, notes and leads are matched by their content on the linked entity "
                "before each create (one list request each; the summary counts them as content_checks). "
                "Keep the ledger (ledger_url, or ledger_path on a persistent volume) to avoid the cost",
                "No sync ledger"
                if ledger is None
                else f"The sync ledger ({ledger.where}) does not know this account yet (a fresh disk?)",
            )
        stats, client = self.runtime.client.stats, self.runtime.client
        calls, tokens = stats.thread_totals()
        archived = None
        try:
            found = find_existing(client, write, marker.since, self._taker(write))
            if found is None:
                archived = find_archived(client, write, marker.since, self._taker(write))
        finally:
            after_calls, after_tokens = stats.thread_totals()
            self.summary.count(
                ctx.mapping, content_checks=after_calls - calls, content_check_tokens=after_tokens - tokens
            )
        if archived is not None:
            self._archived_by_content(marker, write, archived)
        if found is not None:
            self.created(write, found)
            self.logger.info(
                "POST %s: an entity with the same content exists (id %s), created by an earlier run for "
                "this event: not sent again",
                write.path,
                found,
            )
        return found

    def _archived_by_content(self, marker: Marker, write: Write, entity_id: Any) -> None:
        """An earlier run created this event's entity (a lead), since archived in Pipedrive: the record
        is skipped (Archived), never created again. The ledger keeps the event's marker on it, as after
        the create: a later run with this ledger (no content match then) finds the archived lead too."""
        ledger = self.runtime.ledger
        if ledger is not None:
            ledger.put(marker.scope, marker.key, marker.entity, entity_id, marker.digest)
        raise Archived(BY_COLLECTION[write.path].label, entity_id)

    def _create(self, write: Write, outbox: CreateOutbox | None = None) -> Any:
        """POST, and when its outcome is lost, find out whether it happened before sending it again."""
        client = self.runtime.client
        first_sent = time.monotonic()
        for attempt in range(client.max_retries + 1):
            started = datetime.now(timezone.utc)
            try:
                leaving = outbox.leaving if outbox is not None else None
                response = client.request("POST", write.path, body=write.body, leaving=leaving)
                created = (response.data or {}).get("id")
                self.created(write, created)
                return created
            except WriteOutcomeUnknown as exc:
                if attempt == client.max_retries:
                    if outbox is not None and still_running(exc):
                        outbox.in_doubt()
                    raise
                found = self._after_unknown(write, exc, started, first_sent, outbox)
                if found is not None:
                    self.created(write, found)
                    self.logger.info("POST %s had been created (id %s): not sent again", write.path, found)
                    return found
        raise AssertionError("unreachable")

    def _after_unknown(
        self,
        write: Write,
        exc: WriteOutcomeUnknown,
        started: datetime,
        first_sent: float,
        outbox: CreateOutbox | None,
    ) -> Any | None:
        """A create whose answer was lost: the entity it made, if Pipedrive has it (None: send again)."""
        client = self.runtime.client
        self.logger.warning("%s; checking whether Pipedrive created it before sending it again", exc)
        if outbox is not None and still_running(exc):
            # At once, not after the re-check: a run stopped while it waits must leave the intent in
            # doubt, so that its rerun gives the create outcome_settle to land.
            outbox.in_doubt()
        if exc.timed_out:
            # The create may still be running on the server: give it as long again, in real seconds
            # like the timeout itself (the client's clock may run fast for a sandbox).
            time.sleep(recheck_delay(client.timeout))
        else:
            client.wait(RECHECK_DELAY)
        # Asked in Pipedrive's time, as well as its answers so far tell it (not our clock's).
        since = on_server_clock(client, started)
        found = find_created(client, write, since, self._taker(write))
        if found is None and self.runtime.settle_seconds > 0 and still_running(exc):
            # Not there yet: it may still land (a slow server commits after the answer was lost).
            # Look again until the settle time has passed since it was first sent.
            left = first_sent + self.runtime.settle_seconds - time.monotonic()
            self.logger.warning(
                "POST %s is not in Pipedrive yet: looking again for up to %.0f s before sending it again",
                write.path,
                max(left, 0),
            )
            found = self._await_landing(write, since, left)
        return found
