"""A few records in flight: latency hidden, order kept wherever it matters.

Each record's work (all its mappings, in mapping order) runs on a small thread pool. A record waits for
every earlier record that shares one of its keys (a match value, a link's match value, an entity id, the
event's messageId), so the same person is never looked up by two threads at once (which could create it
twice), and a deal waits for the create of the person it links to. Tasks leave the pool's queue in
submission order and only ever wait for earlier ones, which are running or done: no deadlock.

The first fatal error stops the dispatch: later records are not started, and `drain` (called before
each STATE is passed on, and at the end) raises it, so no state is emitted past an unwritten record.
"""

from __future__ import annotations

import contextlib
import threading
import time
from collections.abc import Callable, Iterable
from concurrent.futures import FIRST_COMPLETED, Future, ThreadPoolExecutor, wait
from typing import TYPE_CHECKING

from ..account.finder import digits
from ..account.texts import nfc
from ..actions import ACTION_SPECS
from ..actions.common import given

if TYPE_CHECKING:
    from .context import RecordContext

# Records queued per worker before the reader waits: bounds memory on a fast tap.
QUEUE_PER_WORKER = 8
# Seconds between two looks at the number of records that may work at once, while waiting for a turn.
TURN_POLL = 0.05


class Dispatcher:
    """`workers` threads (the max_in_flight ceiling), of which at most `limit()` work at once: the
    count that keeps the paced rate busy at the latency measured so far (pacing.records_in_flight)."""

    def __init__(self, workers: int, limit: Callable[[], int] | None = None) -> None:
        self.workers = workers
        self._limit = limit or (lambda: workers)
        self._running = 0
        self._turns = threading.Condition()
        self._pool = ThreadPoolExecutor(max_workers=workers, thread_name_prefix="target-pipedrive")
        self._last: dict[str, Future[None]] = {}
        self._keys: dict[Future[None], list[str]] = {}
        self._failure: BaseException | None = None
        # The input line of the record whose work failed: the reader has moved on when it surfaces.
        self.failed_line: int | None = None
        self._unraised = False
        self._lock = threading.Lock()

    def submit(self, keys: Iterable[str], work: Callable[[], None], line: int = 0) -> None:
        self.raise_failure()
        self._wait_for_room()
        keys = sorted(set(keys))
        with self._lock:
            earlier = {self._last[key] for key in keys if key in self._last}
            future = self._pool.submit(self._run, earlier, work, line)
            for key in keys:
                self._last[key] = future
            self._keys[future] = keys
        future.add_done_callback(self._finished)

    def idle(self) -> bool:
        """No record in flight (a dict's emptiness is read without the lock)."""
        return not self._keys

    def busy(self, keys: Iterable[str]) -> bool:
        """Whether a record sharing one of `keys` is still in flight (its work queued or running)."""
        with self._lock:
            return any(key in self._last for key in keys)

    def drain(self, timeout: float | None = None, *, raise_failure: bool = True) -> int:
        """Wait until every submitted record is done; raise the first fatal error, if any.

        With `timeout` (a run that is stopping), wait at most that long: the records still in flight
        are returned, not waited for."""
        deadline = None if timeout is None else time.monotonic() + timeout
        while True:
            with self._lock:
                pending = list(self._keys)
            left = None if deadline is None else deadline - time.monotonic()
            if not pending or (left is not None and left <= 0):
                break
            wait(pending, timeout=left)
        if raise_failure:
            self.raise_failure()
        return len(pending)

    def line_of(self, exc: BaseException) -> int | None:
        """The input line of the record whose work failed with `exc` (None: no record's did)."""
        with self._lock:
            return self.failed_line if exc is self._failure else None

    def raise_failure(self) -> None:
        """Raise the first fatal error, once: the run that ends with it still drains cleanly."""
        with self._lock:
            failure, self._unraised = (self._failure if self._unraised else None), False
        if failure is not None:
            raise failure

    def close(self, *, wait: bool = True) -> None:
        self._pool.shutdown(wait=wait, cancel_futures=not wait)

    def _run(self, earlier: set[Future[None]], work: Callable[[], None], line: int) -> None:
        # The earlier records first, then a turn: a record holding a turn never waits for another.
        wait(earlier)
        with self._turns:
            while self._running >= self._limit():
                self._turns.wait(TURN_POLL)  # the limit may grow as latency is measured
            self._running += 1
        try:
            if self._failure is None:
                work()
        except BaseException as exc:  # handed to the reader thread, which ends the run with it
            with self._lock:
                if self._failure is None:
                    self._failure, self._unraised, self.failed_line = exc, True, line
        finally:
            with self._turns:
                self._running -= 1
                self._turns.notify()

    def _finished(self, future: Future[None]) -> None:
        with self._lock:
            for key in self._keys.pop(future, []):
                if self._last.get(key) is future:
                    del self._last[key]

    def _wait_for_room(self) -> None:
        while True:
            with self._lock:
                pending = list(self._keys)
            if len(pending) < self.workers * QUEUE_PER_WORKER:
                return
            wait(pending, return_when=FIRST_COMPLETED)


def record_keys(contexts: Iterable[RecordContext]) -> set[str]:
    """What a record's work must not share with a record in flight: the values it looks up or links
    by and the ids it writes (each action's `key_fields`), and its event's identity."""
    keys: set[str] = set()
    for ctx in contexts:
        if ctx.record.event is not None:
            keys.add(f"event:{ctx.record.event.key}")
        payload = ctx.payload or {}
        for name in ACTION_SPECS[ctx.action].key_fields:
            if given(payload, name):
                keys.update(value_keys(str(payload[name])))
    return keys


def value_keys(text: str) -> set[str]:
    """A value as each kind of match field compares it (text, a phone's digits, a number): two
    records the finder could take for one entity always share a key, and so never run together."""
    keys = {nfc(text.strip()).casefold()}  # NFC: one email in two Unicode forms is one key
    if number := digits(text):
        keys.add(f"digits:{number}")
    with contextlib.suppress(ValueError):
        keys.add(f"number:{float(text)!r}")
    return keys
