"""Running one mapped record through its action: plan, send, and account for the outcome."""

from __future__ import annotations

import contextlib
import logging
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timezone
from typing import Any

from .actions import PLANNERS
from .actions.common import given
from .actions.plan import Reject, Skip, Write
from .dispatch import Dispatcher
from .dry_run_plan import DryRunPlan
from .ledger import digest
from .pipedrive.entities import BY_COLLECTION
from .pipedrive.errors import PipedriveRequestError, WriteOutcomeUnknown
from .pipedrive.lookup import digits, identity_scope, normalize
from .recovery import find_created
from .rejects import RejectFile
from .runtime import Runtime
from .summary import RecordTicket, RunSummary
from .unchanged import holds

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
# Below this many records in, a fractional max_rejects is not judged yet.
MIN_RECORDS_FOR_RATE = 100


class TooManyRejects(Exception):
    """More records were rejected than max_rejects allows: the run stops (its last state is out)."""


@dataclass(frozen=True)
class Marker:
    """The ledger row of a source event that creates an activity, note or lead."""

    scope: str
    key: str
    entity: str
    id_field: str
    digest: str


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
        self.after_record = after_record
        # The input line of the record being routed (set by the target; 0 when nobody reads lines).
        self.input_line: Callable[[], int] = lambda: 0

    def handle(self, mapping: str, action: str, envelope: dict[str, Any]) -> None:
        """A mapping's envelope for the record being routed: run now, or with the record's other
        mappings once it is routed (`record_routed`) when records are dispatched to threads."""
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

    def drain(self) -> None:
        """Wait for every dispatched record (before a STATE is passed on); raise a fatal error."""
        if self.dispatcher is not None:
            self.dispatcher.drain()

    def close(self) -> None:
        if self.dispatcher is not None:
            self.dispatcher.close()

    def _outcome(self, mapping: str, outcome: str) -> None:
        self.summary.record_outcome(mapping, outcome, getattr(self._local, "ticket", None))

    def _handle_now(
        self, mapping: str, action: str, envelope: dict[str, Any], ticket: RecordTicket | None
    ) -> None:
        self._local.ticket = ticket
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
        marker = self._marker(mapping, action, source, payload)
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
        if isinstance(plan, Write) and self._already_held(mapping, plan):
            plan = Skip("Pipedrive already holds these values", plan.warnings)
        if isinstance(plan, Skip):
            self._outcome(mapping, "unchanged")
            return
        self._send(mapping, plan, marker)

    def _already_held(self, mapping: str, write: Write) -> bool:
        """An update that would change nothing: the ledger's digest or the listed entity says so."""
        if (
            not self.runtime.skip_unchanged
            or write.entity_id is None
            or write.update_body is None
            or write.remember is None
        ):
            return False
        match, value = write.remember
        entry = self._ledger_entry(_write_scope(mapping, match), normalize(match, value))
        same = entry is not None and entry.entity_id == str(write.entity_id)
        if same and entry is not None and entry.digest == digest(write.update_body):
            return True
        current = self.runtime.finder.current(match.entity, write.entity_id)
        if current is not None and holds(current, write.update_body):
            self._remember_written(mapping, write, write.entity_id)
            return True
        return False

    def _send(self, mapping: str, write: Write, marker: Marker | None) -> None:
        if self.dry_run:
            self._pretend(mapping, write)
            return
        if write.method == "POST":
            entity_id = self._create_once(write, self._intent_key(write, marker))
        else:
            self.runtime.client.request(write.method, write.path, body=write.body)
            entity_id = write.entity_id
        if entity_id is not None:
            self._remember_written(mapping, write, entity_id)
            if marker is not None and self.runtime.ledger is not None:
                self.runtime.ledger.put(marker.scope, marker.key, marker.entity, entity_id, marker.digest)
        self._outcome(mapping, write.outcome)

    def _create_once(self, write: Write, intent: str | None) -> Any:
        """A create, with its intent in the ledger while it is under way: a run that stops before
        knowing the outcome (killed, or stopped by a fatal error while checking) leaves the intent,
        and the rerun of that record looks for the entity before it creates it."""
        ledger = self.runtime.ledger
        if intent is None or ledger is None or ledger.read_only:
            return self._create(write)
        earlier = ledger.get(INTENT_SCOPE, intent)
        if earlier is not None:
            since = datetime.fromisoformat(earlier.entity_id)
            found = find_created(
                self.runtime.client, write, since, lambda entity_id: self._taken(write, entity_id)
            )
            if found is not None:
                self.recovered_creates += 1
                self.logger.info(
                    "POST %s was created by an earlier run (id %s): not sent again", write.path, found
                )
                ledger.forget(INTENT_SCOPE, intent)
                return found
        ledger.put(
            INTENT_SCOPE, intent, BY_COLLECTION[write.path].name, datetime.now(timezone.utc).isoformat()
        )
        created = self._create(write)
        ledger.forget(INTENT_SCOPE, intent)
        return created

    @staticmethod
    def _intent_key(write: Write, marker: Marker | None) -> str | None:
        """What identifies a create across runs: its event's marker, or the match value it writes."""
        if marker is not None:
            return f"{marker.scope}:{marker.key}"
        if write.remember is not None:
            match, value = write.remember
            return f"{identity_scope(match)}:{normalize(match, value)}"
        return None

    def _create(self, write: Write) -> Any:
        """POST, and when its outcome is lost, find out whether it happened before sending it again."""
        client = self.runtime.client
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
                found = find_created(client, write, started, lambda entity_id: self._taken(write, entity_id))
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
        if write.remember is None:
            return
        match, value = write.remember
        finder, ledger = self.runtime.finder, self.runtime.ledger
        finder.remember(match, value, int(entity_id))
        finder.confirmed(match.entity.name, int(entity_id))
        if write.body is not None:
            finder.written(match.entity, int(entity_id), write.body)
        if ledger is not None:
            key = normalize(match, value)
            ledger.put(identity_scope(match), key, match.entity.name, entity_id)
            if write.update_body is not None:
                scope = _write_scope(mapping, match)
                ledger.put(scope, key, match.entity.name, entity_id, digest(write.update_body))

    def _ledger_entry(self, scope: str, key: str, *, always: bool = False) -> Any:
        """A ledger row; only markers (`always`) are read under full_refresh: they prevent duplicates."""
        ledger = self.runtime.ledger
        if ledger is None or (self.runtime.full_refresh and not always):
            return None
        return ledger.get(scope, key)

    def _marker(
        self, mapping: str, action: str, source: dict[str, Any], payload: dict[str, Any]
    ) -> Marker | None:
        if action not in MARKED or self.runtime.ledger is None:
            return None
        entity, id_field = MARKED[action]
        if given(payload, id_field):
            return None
        return Marker(f"marker:{mapping}", event_key(source), entity, id_field, digest(payload))

    def _pretend(self, mapping: str, write: Write) -> None:
        """Dry run: note what would be sent; later records of the run see the would-be entity."""
        assert self.plan is not None
        self.plan.add(mapping, {"method": write.method, "path": write.path, "body": write.body})
        if write.remember is not None and write.outcome == "created":
            self._planned_creates += 1
            # Negative ids stand for entities the run would have created.
            self.runtime.finder.remember(*write.remember, -self._planned_creates)
        self._outcome(mapping, write.outcome)

    def _warn(self, mapping: str, source: dict[str, Any], stream: str, warnings: list[str]) -> None:
        for warning in warnings:
            self.summary.count(mapping, warnings=1)
            self.logger.warning("Mapping %r, %s: %s", mapping, describe_record(source, stream), warning)

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
        self.logger.error(
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
        self._check_reject_cap()

    def _check_reject_cap(self) -> None:
        cap = self.max_rejects
        if cap is None:
            return
        rejected = self.summary.rejected_so_far()
        records = self.summary.records_in
        if cap >= 1 and rejected > cap:
            raise TooManyRejects(
                f"{rejected} records rejected, more than max_rejects = {cap:g}: the run stops. The rejects "
                f"are in {self.rejects.path}; fix the mappings or the data, or raise max_rejects"
            )
        if cap < 1 and records >= MIN_RECORDS_FOR_RATE and rejected > cap * records:
            raise TooManyRejects(
                f"{rejected} of {records} records rejected, more than max_rejects = {cap:.0%}: the run "
                f"stops. The rejects are in {self.rejects.path}; fix the mappings or the data, or raise "
                "max_rejects"
            )


def event_key(source: dict[str, Any]) -> str:
    """What identifies a source event across runs: its messageId, else a hash of the whole event."""
    return str(source.get("messageId") or digest(source))


def job_keys(job: list[tuple[str, str, dict[str, Any]]]) -> set[str]:
    """What a record's work must not share with a record in flight: the values it looks up or
    links by, the ids it writes, and its event's id."""
    keys: set[str] = set()
    for _mapping, _action, envelope in job:
        source = envelope.get("source") or {}
        keys.add(f"event:{event_key(source)}")
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


def _write_scope(mapping: str, match: Any) -> str:
    """The ledger scope of what `mapping` last wrote to entities found by `match`."""
    return f"write:{mapping}:{match.entity.name}:{match.key}"
