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

import threading
import time
from collections.abc import Callable, Iterable
from concurrent.futures import FIRST_COMPLETED, Future, ThreadPoolExecutor, wait

# Records queued per worker before the reader waits: bounds memory on a fast tap.
QUEUE_PER_WORKER = 8


class Dispatcher:
    def __init__(self, workers: int) -> None:
        self.workers = workers
        self._pool = ThreadPoolExecutor(max_workers=workers, thread_name_prefix="target-pipedrive")
        self._last: dict[str, Future[None]] = {}
        self._keys: dict[Future[None], list[str]] = {}
        self._failure: BaseException | None = None
        self._unraised = False
        self._lock = threading.Lock()

    def submit(self, keys: Iterable[str], work: Callable[[], None]) -> None:
        self.raise_failure()
        self._wait_for_room()
        keys = sorted(set(keys))
        with self._lock:
            earlier = {self._last[key] for key in keys if key in self._last}
            future = self._pool.submit(self._run, earlier, work)
            for key in keys:
                self._last[key] = future
            self._keys[future] = keys
        future.add_done_callback(self._finished)

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

    def raise_failure(self) -> None:
        """Raise the first fatal error, once: the run that ends with it still drains cleanly."""
        with self._lock:
            failure, self._unraised = (self._failure if self._unraised else None), False
        if failure is not None:
            raise failure

    def close(self, *, wait: bool = True) -> None:
        self._pool.shutdown(wait=wait, cancel_futures=not wait)

    def _run(self, earlier: set[Future[None]], work: Callable[[], None]) -> None:
        wait(earlier)
        if self._failure is not None:
            return
        try:
            work()
        except BaseException as exc:  # handed to the reader thread, which ends the run with it
            with self._lock:
                if self._failure is None:
                    self._failure, self._unraised = exc, True

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
