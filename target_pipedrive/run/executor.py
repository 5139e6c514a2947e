"""Running one mapped record through its action: plan, send, and account for the outcome."""

from __future__ import annotations

import contextlib
import json
import logging
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, replace
from datetime import datetime, timezone
from typing import Any

from ..account.finder import digits, identity_scope, normalize
from ..account.ledger import decode_fields, digest, encode_fields
from ..account.runtime import Runtime
from ..account.unchanged import holds
from ..actions import PLANNERS, policy
from ..actions.common import given
from ..actions.plan import UPSERT, Archived, Reject, Skip, Skipped, Write, within_mode
from ..pipedrive.entities import BY_COLLECTION, Entity
from ..pipedrive.errors import PipedriveRequestError, RunInterrupted, WriteOutcomeUnknown
from ..pipedrive.server_clock import parse_stamp
from ..stops import RunStopped
from .dispatch import Dispatcher
from .dry_run import DryRunPlan
from .recovery import find_created, find_existing, intent_moment, intent_stamp, on_server_clock
from .rejects import RejectFile
from .summary import RecordTicket, RunSummary

# Actions whose entities have no match field: a replayed event is recognised by its marker instead.
MARKED = {
    "upsert_activity": ("activity", "activity_id"),
    "upsert_note": ("note", "note_id"),
    "upsert_lead": ("lead", "lead_id"),
}
# Ledger rows of creates under way (intents), keyed by their event's marker or their match value.
INTENT_SCOPE = "intent"
# Seconds to give a create whose answer was lost to land before asking whether it did.
RECHECK_DELAY = 1.0
MAX_RECHECK_DELAY = 30.0
# A create with an unknown outcome is looked for again after this many seconds, then twice as long…
SETTLE_POLL_FIRST = 2.0
SETTLE_POLL_MAX = 30.0
# Below this many records in, a fractional max_rejects is not judged yet.
MIN_RECORDS_FOR_RATE = 100


class TooManyRejects(RunStopped):
    """More records were rejected than max_rejects allows: a clean stop (its last state is out)."""


@dataclass(frozen=True)
class Marker:
    """The ledger row of a source event that creates an activity, note or lead."""

    scope: str
    key: str
    entity: str
    id_field: str
    digest: str
    # The key earlier versions gave the event (its messageId or hash, without the stream): a row under
    # it moves to `key` when the event comes again. None for the 2nd, 3rd… identical row of a run.
    legacy_key: str | None = None
    # The earliest moment the event names (timestamp, sentAt, receivedAt…): what it created was
    # created after it. Narrows the content match of a lost ledger (None: not narrowed).
    since: datetime | None = None


def describe_record(source: dict[str, Any], stream: str) -> str:
    """How messages name a record: its stream and the Segment ids it carries."""
    ids = [f"{key}={source[key]!r}" for key in ("messageId", "userId", "groupId") if source.get(key)]
    return f"record of stream {stream!r}" + (f" ({', '.join(ids)})" if ids else "")


class RecordExecutor:
    def __init__(
        self,
        runtime: Runtime,
        summary: RunSummary,
        rejects: RejectFile,
        logger: logging.Logger,
        *,
        dry_run: bool = False,
        max_rejects: float | None = None,
        max_in_flight: int = 1,
        after_record: Callable[[], None] | None = None,
    ) -> None:
        self.runtime = runtime
        self.summary = summary
        self.rejects = rejects
        self.logger = logger
        self.dry_run = dry_run
        self.max_rejects = max_rejects
        self.recovered_creates = 0
        self._planned_creates = 0
        # A dry run's requests (set by the target when dry_run is on).
        self.plan: DryRunPlan | None = None
        self.dispatcher = Dispatcher(max_in_flight) if max_in_flight > 1 else None
        self._job: list[tuple[str, str, dict[str, Any]]] = []
        self._local = threading.local()
        # What this run created, per collection: a lost create's check must not claim one of them.
        self._created: set[tuple[str, str]] = set()
        self._created_lock = threading.Lock()
        # Rows without a messageId, per (stream, hash): (the record last seen, its occurrence number).
        self._occurrences: dict[tuple[str, str], tuple[int, int]] = {}
        self.after_record = after_record
        # The input line of the record being routed (set by the target; 0 when nobody reads lines).
        self.input_line: Callable[[], int] = lambda: 0
        # Each mapping's write policy (`contacts`, `preserve`, `create_only_fields`; set by the target),
        # and its field names resolved against the account on first use.
        self.policies: dict[str, policy.WritePolicy] = {}
        self._policies: dict[str, policy.ResolvedPolicy] = {}

    def handle(self, mapping: str, action: str, envelope: dict[str, Any]) -> None:
        """A mapping's envelope for the record being routed: run now, or with the record's other
        mappings once it is routed (`record_routed`) when records are dispatched to threads."""
        envelope = self._identified(envelope)
        if self.dispatcher is None:
            self._handle_now(mapping, action, envelope, self.summary.current)
        else:
            self._job.append((mapping, action, envelope))

    def record_routed(self) -> None:
        """Every mapping has seen the current record: account for it, or dispatch its work."""
        ticket = self.summary.current
        job, self._job = self._job, []
        if self.dispatcher is None or not job:
            self._finished(ticket)
            return

        line = self.input_line()

        def work() -> None:
            try:
                for mapping, action, envelope in job:
                    self._handle_now(mapping, action, envelope, ticket)
            except BaseException as exc:
                # It surfaces once the reader has moved on: the error names the record's own line.
                exc.input_line = line  # type: ignore[attr-defined]
                raise
            self._finished(ticket)

        self.dispatcher.submit(job_keys(job), work)

    def _finished(self, ticket: RecordTicket | None) -> None:
        self.summary.record_finished(ticket)
        if self.after_record is not None:
            self.after_record()

    def drain(self, timeout: float | None = None, *, raise_failure: bool = True) -> int:
        """Wait for every dispatched record (before a STATE is passed on); raise a fatal error.
        A run that is stopping waits at most `timeout` and gets the records still in flight."""
        if self.dispatcher is not None:
            return self.dispatcher.drain(timeout, raise_failure=raise_failure)
        return 0

    def close(self, *, wait: bool = True) -> None:
        if self.dispatcher is not None:
            self.dispatcher.close(wait=wait)

    def _outcome(self, mapping: str, outcome: str) -> None:
        self.summary.record_outcome(mapping, outcome, getattr(self._local, "ticket", None))

    def _handle_now(
        self, mapping: str, action: str, envelope: dict[str, Any], ticket: RecordTicket | None
    ) -> None:
        self._local.ticket = ticket
        self._local.mapping = mapping
        self.summary.count(mapping, matched=1)
        calls, tokens = self.runtime.client.stats.thread_totals()
        try:
            self._handle(mapping, action, envelope)
        finally:
            after_calls, after_tokens = self.runtime.client.stats.thread_totals()
            self.summary.count(mapping, api_calls=after_calls - calls, tokens=after_tokens - tokens)

    def _handle(self, mapping: str, action: str, envelope: dict[str, Any]) -> None:
        source, stream = envelope.get("source") or {}, envelope.get("stream", "")
        if envelope.get("rejected"):
            rejected = envelope["rejected"]
            self._reject(mapping, action, source, stream, rejected["reason"], rejected.get("field"))
            return
        payload = envelope["payload"]
        marker = self._marker(mapping, action, envelope, payload)
        if marker is not None and (entry := self._ledger_entry(marker.scope, marker.key, always=True)):
            if entry.digest == marker.digest and not self.runtime.full_refresh:
                self._outcome(mapping, "unchanged")
                return
            # The event was written before (a replay): update what it created, never create it twice.
            payload = {**payload, marker.id_field: entry.entity_id}
        try:
            self._plan_and_send(mapping, action, payload, source, stream, marker)
        except Reject as exc:
            self._reject(mapping, action, source, stream, exc.reason, exc.field)
        except Skipped as exc:  # an archived entity, or a create an update_only mapping does not make
            self._warn(mapping, source, stream, [f"skipped: {exc.reason}"])
            self._outcome(mapping, "skipped")
            if self.plan is not None:
                self.plan.skipped(mapping, exc.reason)
        except PipedriveRequestError as exc:
            self._reject(
                mapping,
                action,
                source,
                stream,
                f"Pipedrive refused the request: {exc.pipedrive_error}",
                None,
                status=exc.status,
                pipedrive_error=exc.pipedrive_error,
            )

    def _plan_and_send(
        self,
        mapping: str,
        action: str,
        payload: dict[str, Any],
        source: dict[str, Any],
        stream: str,
        marker: Marker | None,
    ) -> None:
        finder = self.runtime.finder
        finder.unverified.clear()
        try:
            self._plan_once(mapping, action, payload, source, stream, marker)
            return
        except PipedriveRequestError as exc:
            stale_marker = marker is not None and exc.status == 404 and given(payload, marker.id_field)
            if exc.status not in (400, 404, 410) or not (finder.unverified or stale_marker):
                raise
            # An id remembered from an earlier run is gone (deleted or merged in Pipedrive): forget it
            # and plan the record again from what Pipedrive says now.
            self.logger.info("Mapping %r: an id from the sync ledger is stale; looking it up again", mapping)
        for entity_name, entity_id in list(finder.unverified):
            finder.forget(entity_name, entity_id)
        if marker is not None and self.runtime.ledger is not None:
            self.runtime.ledger.forget(marker.scope, marker.key)
            payload = {key: value for key, value in payload.items() if key != marker.id_field}
        with finder.without_ledger():
            self._plan_once(mapping, action, payload, source, stream, marker)

    def _plan_once(
        self,
        mapping: str,
        action: str,
        payload: dict[str, Any],
        source: dict[str, Any],
        stream: str,
        marker: Marker | None,
    ) -> None:
        plan = PLANNERS[action](payload, self.runtime)
        self._warn(mapping, source, stream, plan.warnings)
        mode = self.policies.get(mapping, policy.DEFAULT_POLICY).mode
        if isinstance(plan, Write) and mode != UPSERT:
            # The mapping's mode (upsert, update_only, create_only): update_only raises Skipped for a
            # create, create_only turns a change to an existing entity into a Skip (unchanged).
            plan = within_mode(mode, plan, _label_of(plan))
        if isinstance(plan, Write):
            plan = self._narrow(mapping, action, plan)
        if isinstance(plan, Skip):
            self._outcome(mapping, "unchanged")
            return
        self._send(mapping, plan, marker)

    def _narrow(self, mapping: str, action: str, write: Write) -> Write | Skip:
        """The write policy (actions/policy.py, docs/write-policy.md) applied to an update: only the
        fields whose mapped value changed since this mapping last wrote them (or, with no ledger row,
        that the entity does not already hold, where its values are known), create-only fields left
        out, preserved fields only where the entity's value is empty, contact lists merged. A Skip when
        nothing is left to send. The `segment` strategy (skip_unchanged off) sends every mapped field."""
        if write.method not in ("PATCH", "PUT") or write.entity_id is None or write.update_body is None:
            return write
        rt = self.runtime
        rules = self._policy(mapping, action)
        parts = policy.split(write.update_body)
        for name in rules.create_only:
            parts.pop(name, None)
        if not rt.skip_unchanged:
            for name, value in parts.items():
                if (kind := policy.merge_kind(action, name, value)) is not None:
                    parts[name] = policy.replaced(kind, value, rt.default_currency)
            return replace(write, body=policy.join(parts), fields=self._labels(action, parts))
        entity = _entity_of(write)
        digests = policy.digests(parts)
        key = self._write_key(mapping, write, write.entity_id)
        entry = self._ledger_entry(*key) if key is not None else None
        stored: dict[str, str] | None = None
        upgrade = False
        if entry is not None and entry.entity_id == str(write.entity_id):
            stored = decode_fields(entry.digest)
            if stored is None and entry.digest in _legacy_digests(write.update_body):
                # A row of an earlier version, whose body is unchanged: nothing to send, and the row
                # gets field digests (no request).
                stored, upgrade = digests, True
        current = rt.finder.current(entity, write.entity_id)
        if stored is not None:
            changed = [name for name in parts if stored.get(name) != digests[name]]
        else:
            changed = list(parts)
        kinds = {name: policy.merge_kind(action, name, parts[name]) for name in changed}
        if rules.contacts == "replace":
            kinds = {name: None if kind in ("email", "phone") else kind for name, kind in kinds.items()}
        if current is None and any(kinds[name] is not None or name in rules.preserve for name in changed):
            # Merging, or checking that a preserved field is empty, needs the entity's values: one GET,
            # which also tells which of the other fields it already holds.
            current = self._read_current(entity, write.entity_id)
        send: dict[str, Any] = {}
        for name in changed:
            value, kind = parts[name], kinds[name]
            if kind is None and rules.contacts == "replace" and name in ("emails", "phones"):
                value = policy.complete_contacts(value)
            preserved = name in rules.preserve and current is not None
            if preserved and not policy.is_empty(policy.held_value(current or {}, name)):
                continue
            if kind is not None:
                held = policy.held_value(current, name) if current is not None else None
                value = policy.merged(kind, held, value, rt.default_currency)
            if current is not None and holds(current, policy.join({name: value})):
                continue
            send[name] = value
        if not send:
            if stored != digests or upgrade:
                # The digests move on (nothing was sent: the run's view of the entity stays as it is).
                self._remember_written(mapping, replace(write, body=None), write.entity_id)
            return Skip("Pipedrive already holds these values", write.warnings)
        return replace(write, body=policy.join(send), fields=self._labels(action, send))

    def _policy(self, mapping: str, action: str) -> policy.ResolvedPolicy:
        """A mapping's write policy, its field names resolved once per run (start-up checks them)."""
        resolved = self._policies.get(mapping)
        if resolved is None:
            raw = self.policies.get(mapping, policy.DEFAULT_POLICY)
            try:
                resolved = policy.resolve(action, raw, self.runtime.catalog)
            except (LookupError, ValueError) as exc:
                raise Reject(f"the mapping's preserve or create_only_fields: {exc}") from exc
            self._policies[mapping] = resolved
        return resolved

    def _read_current(self, entity: Entity, entity_id: int | str) -> dict[str, Any] | None:
        """GET the entity (its lists to merge into, its preserved values); known to the run afterwards.
        A 404 (an id the ledger remembered, now gone) is raised: the record is planned again. A dry
        run's would-be entity (a negative id) is not asked for."""
        if self.dry_run and str(entity_id).startswith("-"):
            return None
        data = self.runtime.client.get(entity.item(entity_id)).data
        if not isinstance(data, dict):
            return None
        self.runtime.finder.read(entity, entity_id, data)
        return data

    def _labels(self, action: str, parts: dict[str, Any]) -> list[str]:
        return [policy.label(action, name, self.runtime.catalog) for name in parts]

    def _write_key(self, mapping: str, write: Write, entity_id: Any) -> tuple[str, str] | None:
        """The ledger row of the field digests `mapping` last wrote: keyed by the match value, or (for
        activities, notes, leads and deals without a match) by the entity's id."""
        if write.remember is not None:
            match, value = write.remember
            return _write_scope(mapping, match), normalize(match, value)
        if entity_id is None:
            return None
        return f"write:{mapping}:{_entity_of(write).name}:id", str(entity_id)

    def _send(self, mapping: str, write: Write, marker: Marker | None) -> None:
        intent = None
        if self.dry_run:
            # The content match of a lost ledger is a read: a dry run makes it as the real run would.
            ledger = self.runtime.ledger
            found = None
            if write.method == "POST" and marker is not None and (ledger is None or not ledger.knew_account):
                found = self._match_by_content(write, marker)
            entity_id = found if found is not None else self._pretend(mapping, write)
        elif write.method == "POST":
            intent = self._intent_key(write, marker)
            entity_id = self._create_once(write, intent, marker)
        else:
            self._update(write)
            entity_id = write.entity_id
        if write.method == "DELETE" and entity_id is not None:
            # Gone from Pipedrive: later records (and runs) must not find it by its match value.
            self.runtime.finder.forget(_entity_of(write).name, int(entity_id))
            entity_id = None
        if entity_id is not None:
            self._remember_written(mapping, write, entity_id)
            if marker is not None and self.runtime.ledger is not None:
                self.runtime.ledger.put(marker.scope, marker.key, marker.entity, entity_id, marker.digest)
        if intent is not None and self.runtime.ledger is not None and not self.dry_run:
            # Only now that the marker (or identity) is recorded: a crash in between finds the intent.
            self.runtime.ledger.forget(INTENT_SCOPE, intent)
        if write.outcome == "updated" and write.fields:
            self.summary.count_fields(mapping, write.fields)
        self._outcome(mapping, write.outcome)

    def _update(self, write: Write) -> None:
        """PATCH, PUT or DELETE; an edit Pipedrive refuses because the entity is archived (deals,
        leads) is told apart from a stale id, which would be forgotten and created again."""
        client = self.runtime.client
        try:
            client.request(write.method, write.path, body=write.body)
        except PipedriveRequestError as exc:
            entity, entity_id = _entity_of(write), write.path.rpartition("/")[2]
            if write.method == "DELETE" or entity.archived_path is None or exc.status < 400:
                raise
            try:
                held = client.get(write.path).data
            except PipedriveRequestError:
                raise exc from None
            if isinstance(held, dict) and held.get("is_archived"):
                if entity_id.isdigit():
                    self.runtime.finder.archived(entity, int(entity_id))
                raise Archived(entity.label, entity_id) from None
            raise

    def _create_once(self, write: Write, intent: str | None, marker: Marker | None = None) -> Any:
        """A create, with its intent (the outbox: when it was sent, and its body) in the ledger while it
        is under way: a run that stops before knowing the outcome (killed, or stopped by a fatal error
        while checking) leaves the intent, and the rerun of that record looks for the entity before it
        creates it. The intent is forgotten by `_send` once the marker or identity is recorded.
        Without a ledger that knows the account, an activity, note or lead is first looked for by its
        content on its linked entity (a lost ledger must not duplicate what an earlier run created)."""
        ledger = self.runtime.ledger
        if marker is not None and (ledger is None or not ledger.knew_account):
            found = self._match_by_content(write, marker)
            if found is not None:
                return found
        if intent is None or ledger is None or ledger.read_only:
            return self._create(write)
        client = self.runtime.client
        earlier = ledger.get(INTENT_SCOPE, intent)
        if earlier is not None:
            since = intent_moment(client, earlier.entity_id)
            found = find_created(client, write, since, lambda entity_id: self._taken(write, entity_id))
            if found is not None:
                self.recovered_creates += 1
                self.logger.info(
                    "POST %s was created by an earlier run (id %s): not sent again", write.path, found
                )
                return found
            landed = self._settle(write, earlier.digest, since)
            if landed is not None:
                with self._created_lock:
                    self._created.add((write.path, str(landed)))
                self.recovered_creates += 1
                self.logger.info(
                    "POST %s of an earlier run landed (id %s): not sent again", write.path, landed
                )
                return landed
        # The moment before the create, in Pipedrive's time: the rerun looks for it from there. The body
        # rides along (the outbox): what was sent, and when, until the outcome is known.
        stamp = intent_stamp(client, datetime.now(timezone.utc))
        entity = BY_COLLECTION[write.path].name
        sent = {"sent_at": time.time(), "path": write.path, "body": write.body}
        ledger.put(INTENT_SCOPE, intent, entity, stamp, json.dumps(sent, default=str))

        def in_doubt() -> None:
            # It may still be running on the server: a rerun gives it the settle time to land.
            marked = json.dumps(sent | {"in_doubt": True}, default=str)
            ledger.put(INTENT_SCOPE, intent, entity, stamp, marked)

        return self._create(write, in_doubt)

    def _settle(self, write: Write, outbox: str | None, since: datetime) -> Any | None:
        """An intent of an earlier run whose entity is not there (yet): a create sent less than
        `settle_seconds` ago may still land. Wait until then, looking again, before sending it again;
        the entity's id when it landed meanwhile."""
        try:
            sent = json.loads(outbox or "{}")
            sent_at = float(sent.get("sent_at"))
        except (TypeError, ValueError, AttributeError):
            return None  # an intent of an earlier version: no time of sending, the list said enough
        if not sent.get("in_doubt"):
            return None  # the run stopped before or after sending, not while it may still be running
        left = sent_at + self.runtime.settle_seconds - time.time()
        if left > 0:
            self.logger.warning(
                "POST %s of an earlier run (%.0f s ago) is not in Pipedrive yet: waiting %.0f s more for "
                "it to land before sending it again",
                write.path,
                time.time() - sent_at,
                left,
            )
            return self._await_landing(write, since, left)
        return None

    def _await_landing(self, write: Write, since: datetime, seconds: float) -> Any | None:
        """Look for the entity of a create with an unknown outcome until `seconds` have passed (real
        seconds, like the timeout that lost the answer); its id, or None when it did not land."""
        client = self.runtime.client
        deadline = time.monotonic() + seconds
        pause = SETTLE_POLL_FIRST
        while True:
            left = deadline - time.monotonic()
            if left > 0:
                client._interrupted.wait(min(pause, left))
                if client._interrupted.is_set():
                    raise RunInterrupted
            found = find_created(client, write, since, lambda entity_id: self._taken(write, entity_id))
            if found is not None or left <= 0:
                return found
            pause = min(pause * 2, SETTLE_POLL_MAX)

    def _match_by_content(self, write: Write, marker: Marker) -> Any | None:
        """The ledger does not know the account (a fresh disk, or no ledger): an entity an earlier run
        created for this event is recognised by its content on its linked entity (one list request per
        create, narrowed to changes since the event), so that a replay does not create it again."""
        ledger = self.runtime.ledger
        if self.runtime.first_time("content-fallback"):
            self.logger.warning(
                "%s: activities, notes and leads are matched by their content on the linked entity "
                "before each create (one list request each; the summary counts them as content_checks). "
                "Keep the ledger (ledger_url, or ledger_path on a persistent volume) to avoid the cost",
                "No sync ledger"
                if ledger is None
                else f"The sync ledger ({ledger.where}) does not know this account yet (a fresh disk?)",
            )
        mapping = getattr(self._local, "mapping", None)
        calls, tokens = self.runtime.client.stats.thread_totals()
        try:
            found = find_existing(
                self.runtime.client, write, marker.since, lambda entity_id: self._taken(write, entity_id)
            )
        finally:
            if mapping is not None:
                after_calls, after_tokens = self.runtime.client.stats.thread_totals()
                self.summary.count(
                    mapping, content_checks=after_calls - calls, content_check_tokens=after_tokens - tokens
                )
        if found is not None:
            with self._created_lock:
                self._created.add((write.path, str(found)))
            self.recovered_creates += 1
            self.logger.info(
                "POST %s: an entity with the same content exists (id %s), created by an earlier run for "
                "this event: not sent again",
                write.path,
                found,
            )
        return found

    def _intent_key(self, write: Write, marker: Marker | None) -> str | None:
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

    def _create(self, write: Write, in_doubt: Callable[[], None] | None = None) -> Any:
        """POST, and when its outcome is lost, find out whether it happened before sending it again."""
        client = self.runtime.client
        first_sent = time.monotonic()
        for attempt in range(client.max_retries + 1):
            started = datetime.now(timezone.utc)
            try:
                response = client.request("POST", write.path, body=write.body)
                created = (response.data or {}).get("id")
                with self._created_lock:
                    self._created.add((write.path, str(created)))
                return created
            except WriteOutcomeUnknown as exc:
                if attempt == client.max_retries:
                    raise
                self.logger.warning("%s; checking whether Pipedrive created it before sending it again", exc)
                if exc.timed_out:
                    # The create may still be running on the server: give it as long again, in real
                    # seconds like the timeout itself (the client's clock may run fast for a sandbox).
                    time.sleep(min(client.timeout, MAX_RECHECK_DELAY))
                else:
                    client.wait(RECHECK_DELAY)
                # Asked in Pipedrive's time, as well as its answers so far tell it (not our clock's).
                since = on_server_clock(client, started)
                found = find_created(client, write, since, lambda entity_id: self._taken(write, entity_id))
                if found is None and self.runtime.settle_seconds > 0 and still_running(exc):
                    if in_doubt is not None:
                        in_doubt()
                    # Not there yet: it may still land (a slow server commits after the answer was
                    # lost). Look again until the settle time has passed since it was first sent.
                    left = first_sent + self.runtime.settle_seconds - time.monotonic()
                    self.logger.warning(
                        "POST %s is not in Pipedrive yet: looking again for up to %.0f s before sending "
                        "it again",
                        write.path,
                        max(left, 0),
                    )
                    found = self._await_landing(write, since, left)
                if found is not None:
                    with self._created_lock:
                        self._created.add((write.path, str(found)))
                    self.recovered_creates += 1
                    self.logger.info("POST %s had been created (id %s): not sent again", write.path, found)
                    return found
        raise AssertionError("unreachable")

    def _taken(self, write: Write, entity_id: Any) -> bool:
        """An entity this run created for another record, or that the ledger ties to one."""
        with self._created_lock:
            if (write.path, str(entity_id)) in self._created:
                return True
        ledger, entity = self.runtime.ledger, BY_COLLECTION.get(write.path)
        return ledger is not None and entity is not None and ledger.knows(entity.name, entity_id)

    def _remember_written(self, mapping: str, write: Write, entity_id: Any) -> None:
        """What a write (or an update found already held) leaves known: the identity it was found or
        created under, the entity's new values for the rest of the run, and the digest of every mapped
        field (what the next update is diffed against)."""
        finder, ledger = self.runtime.finder, self.runtime.ledger
        entity = _entity_of(write)
        if write.remember is not None:
            match, value = write.remember
            finder.remember(match, value, int(entity_id))
            finder.confirmed(match.entity.name, int(entity_id))
            if ledger is not None:
                ledger.put(identity_scope(match), normalize(match, value), match.entity.name, entity_id)
        if write.body is not None:
            number = str(entity_id).lstrip("-").isdigit()
            finder.written(entity, int(entity_id) if number else entity_id, write.body)
        if ledger is not None and write.update_body is not None and self.runtime.skip_unchanged:
            key = self._write_key(mapping, write, entity_id)
            if key is not None:
                fields = encode_fields(policy.digests(policy.split(write.update_body)))
                ledger.put(*key, entity.name, entity_id, fields)

    def _ledger_entry(self, scope: str, key: str, *, always: bool = False) -> Any:
        """A ledger row; only markers (`always`) are read under full_refresh: they prevent duplicates."""
        ledger = self.runtime.ledger
        if ledger is None or (self.runtime.full_refresh and not always):
            return None
        return ledger.get(scope, key)

    def _marker(
        self, mapping: str, action: str, envelope: dict[str, Any], payload: dict[str, Any]
    ) -> Marker | None:
        ledger = self.runtime.ledger
        if action not in MARKED:
            return None
        entity, id_field = MARKED[action]
        if given(payload, id_field):
            return None
        source = envelope.get("source") or {}
        key = envelope.get("event") or event_key(source, envelope.get("stream", ""))
        legacy = envelope["legacy_event"] if "legacy_event" in envelope else legacy_event_key(source)
        scope = f"marker:{mapping}"
        # A ledger of an earlier version holds the event under its old key (without the stream): the
        # first event of the run to come with that key takes the row over, atomically, so that a rerun
        # updates what the earlier run created instead of creating it again, and a second stream (or
        # identical row) reusing the old key creates its own entity. A dry run moves nothing: it reads
        # the old row as it is.
        if legacy is not None and ledger is not None and ledger.has(scope, legacy):
            if not ledger.read_only:
                ledger.rename(scope, legacy, key)  # never over a row the new key has
            elif not ledger.has(scope, key):
                key = legacy
        return Marker(scope, key, entity, id_field, digest(payload), legacy, event_moment(source))

    def _identified(self, envelope: dict[str, Any]) -> dict[str, Any]:
        """The envelope with its event's identity (`event`, and the key earlier versions gave it),
        counted in input order: the reader thread routes records one at a time, each through all of
        its mappings before the next (`summary.records_in` tells the records apart)."""
        source, stream = envelope.get("source") or {}, str(envelope.get("stream", ""))
        if source.get("messageId"):
            return {**envelope, "event": event_key(source, stream), "legacy_event": legacy_event_key(source)}
        hashed = digest(source)
        record = self.summary.records_in
        last, count = self._occurrences.get((stream, hashed), (-1, 0))
        occurrence = count if last == record else count + 1
        self._occurrences[stream, hashed] = (record, occurrence)
        return {
            **envelope,
            "event": event_key(source, stream, occurrence, hashed=hashed),
            # The old key named one entity: the first identical row of the run takes it over.
            "legacy_event": hashed if occurrence == 1 else None,
        }

    def _pretend(self, mapping: str, write: Write) -> Any:
        """Dry run: note what would be sent, and give the id the write would give, so that the run
        remembers it as a real run would (in memory: the dry run's ledger is a copy, dry_run_plan.py)
        and later records see the would-be entity. Negative ids stand for entities it would create."""
        assert self.plan is not None
        self.plan.add(mapping, {"method": write.method, "path": write.path, "body": write.body})
        if write.method != "POST":
            return write.entity_id
        self._planned_creates += 1
        return -self._planned_creates

    def _warn(self, mapping: str, source: dict[str, Any], stream: str, warnings: list[str]) -> None:
        """Each warning counted per record (the summary's `warnings`), but said once per run and mapping:
        a warning about the data's shape would otherwise fill the log, one line per record."""
        for warning in warnings:
            self.summary.count(mapping, warnings=1)
            where = describe_record(source, stream)
            if self.runtime.first_time(f"warning:{mapping}:{warning}"):
                self.logger.warning(
                    "Mapping %r, %s: %s (said once per run; the summary counts every record)",
                    mapping,
                    where,
                    warning,
                )
            else:
                self.logger.debug("Mapping %r, %s: %s", mapping, where, warning)

    def _reject(
        self,
        mapping: str,
        action: str,
        source: dict[str, Any],
        stream: str,
        reason: str,
        field: str | None,
        *,
        status: int | None = None,
        pipedrive_error: str | None = None,
    ) -> None:
        self._outcome(mapping, "rejected")
        where = f"field {field!r}: " if field else ""
        if self.plan is not None:
            self.plan.rejected(mapping, where + reason)
        # A data reject is expected now and then: the record is kept in the reject file with its reason
        # and the run goes on, so WARNING (a stop for too many rejects is the ERROR).
        self.logger.warning(
            "Rejected %s by mapping %r (%s): %s%s",
            describe_record(source, stream),
            mapping,
            action,
            where,
            reason,
        )
        self.rejects.write(
            {
                "stream": stream,
                "record": source,
                "mapping": mapping,
                "action": action,
                "field": field,
                "reason": reason,
                "http_status": status,
                "pipedrive_error": pipedrive_error,
            }
        )
        self.check_reject_cap()

    def check_reject_cap(self) -> None:
        """TooManyRejects once the rejects pass max_rejects (0: the first reject stops the run)."""
        cap = self.max_rejects
        if cap is None:
            return
        rejected = self.summary.rejected_so_far()
        records = self.summary.records_in
        if (cap >= 1 or cap == 0) and rejected > cap:
            raise TooManyRejects(
                f"{rejected} records rejected, more than max_rejects = {cap:g}: the run stops. The rejects "
                f"are in {self.rejects.path}; fix the mappings or the data, or raise max_rejects"
            )
        if 0 < cap < 1 and records >= MIN_RECORDS_FOR_RATE and rejected > cap * records:
            raise TooManyRejects(
                f"{rejected} of {records} records rejected, more than max_rejects = {cap:.0%}: the run "
                f"stops. The rejects are in {self.rejects.path}; fix the mappings or the data, or raise "
                "max_rejects"
            )


def event_key(source: dict[str, Any], stream: str, occurrence: int = 1, *, hashed: str | None = None) -> str:
    """What identifies a source event across runs: its stream and its messageId (two streams may
    number their events alike); without one, its stream, a hash of the whole event and which
    identical event of the run it is (1st, 2nd…), so that two identical rows stay two entities and a
    replay of the same input maps the n-th to the n-th again.

    Rows without a messageId have no identity of their own: a rerun that starts (from a STATE) between
    two identical rows counts the later one as the 1st and takes it for the earlier one's event. A
    messageId, or any field that tells the rows apart, avoids that."""
    message_id = source.get("messageId")
    if message_id:
        return json.dumps([stream, str(message_id)], ensure_ascii=False)
    return json.dumps([stream, hashed or digest(source), occurrence], ensure_ascii=False)


# The moments a Segment event names (the earliest is taken).
_EVENT_TIMES = ("timestamp", "originalTimestamp", "sentAt", "receivedAt")


def event_moment(source: dict[str, Any]) -> datetime | None:
    """The earliest moment a Segment event names: what it created was created after it."""
    moments = [parse_stamp(str(source[key])) for key in _EVENT_TIMES if source.get(key)]
    known = [moment for moment in moments if moment is not None]
    return min(known) if known else None


def still_running(exc: WriteOutcomeUnknown) -> bool:
    """Whether a create with an unknown outcome may still be running on the server: it timed out, or
    a gateway gave up waiting for it (504). A 500, 503 or a dropped connection ended it already: the
    first look tells."""
    return exc.timed_out or exc.cause == "HTTP 504"


def legacy_event_key(source: dict[str, Any]) -> str:
    """The key versions before stream-scoped identity gave an event (its messageId, else its hash)."""
    return str(source.get("messageId") or digest(source))


def job_keys(job: list[tuple[str, str, dict[str, Any]]]) -> set[str]:
    """What a record's work must not share with a record in flight: the values it looks up or
    links by, the ids it writes, and its event's id."""
    keys: set[str] = set()
    for _mapping, _action, envelope in job:
        source = envelope.get("source") or {}
        keys.add(f"event:{envelope.get('event') or event_key(source, envelope.get('stream', ''))}")
        payload = envelope.get("payload") or {}
        for name in _KEY_FIELDS:
            if given(payload, name):
                keys.update(_value_keys(str(payload[name])))
    return keys


def _value_keys(text: str) -> set[str]:
    """A value as each kind of match field compares it (text, a phone's digits, a number): two
    records the finder could take for one entity always share a key, and so never run together."""
    keys = {text.strip().casefold()}
    if number := digits(text):
        keys.add(f"digits:{number}")
    with contextlib.suppress(ValueError):
        keys.add(f"number:{float(text)!r}")
    return keys


_KEY_FIELDS = (
    "match_value",
    "person_match_value",
    "organization_match_value",
    "deal_match_value",
    "activity_id",
    "note_id",
    "lead_id",
)


def _legacy_digests(body: dict[str, Any]) -> tuple[str, ...]:
    """The digests an earlier version kept of this update body: of the body, and of the body with its
    emails and phones completed as it sent them (label work, the first primary)."""
    completed = {
        key: policy.complete_contacts(value) if key in ("emails", "phones") else value
        for key, value in body.items()
    }
    return digest(body), digest(completed)


def _entity_of(write: Write) -> Entity:
    """The entity a write creates (POST to its collection) or changes (a request to one item)."""
    path = write.path if write.method == "POST" else write.path.rsplit("/", 1)[0]
    return BY_COLLECTION[path]


def _label_of(write: Write) -> str:
    """How messages name the entity a write creates or changes."""
    try:
        return _entity_of(write).label
    except KeyError:
        return "entity"


def _write_scope(mapping: str, match: Any) -> str:
    """The ledger scope of what `mapping` last wrote to entities found by `match`."""
    return f"write:{mapping}:{match.entity.name}:{match.key}"
