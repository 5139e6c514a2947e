"""Pipedrive's clock as seen from here: how far it runs ahead of (or behind) ours.

Lost-create recovery asks Pipedrive for what changed since just before the create
(`updated_since`), and Pipedrive compares that with `update_time` stamps of its own clock: the moment
must be given in Pipedrive's time, not ours (a server ten minutes behind would otherwise hide the
entity the lost create made, and it would be sent again).

Two sources, both read off answers the client receives anyway (no extra request):
- the `Date` header of every answer: present on every HTTP answer (Pipedrive's gateway sets it), so an
  estimate exists from the run's first request on. Whole seconds, stamped before the answer travelled:
  it reads the server a little early, which only widens a recovery window;
- the `update_time` of an entity a create returns: the stamp of the very clock `updated_since` is
  compared with (the application's, which need not be the gateway's that writes `Date`). Never
  `add_time`, which a create may back-date.
Where both are known the earlier reading wins: a window opened too early costs a longer list, one
opened too late loses the entity. Each source keeps its latest reading (clocks drift slowly).
"""

from __future__ import annotations

import contextlib
import threading
import time
from collections.abc import Callable, Mapping
from datetime import datetime, timedelta, timezone
from email.utils import parsedate_to_datetime
from typing import Any


def parse_stamp(value: Any) -> datetime | None:
    """Pipedrive's timestamps in UTC: '2026-11-23T10:00:00Z', '…T10:00:00.000Z', '2026-11-23 10:00:00'."""
    if not isinstance(value, str) or len(value) < 19:
        return None
    try:
        moment = datetime.fromisoformat(value.strip().replace("Z", "+00:00").replace(" ", "T", 1))
    except ValueError:
        return None
    return moment if moment.tzinfo is not None else moment.replace(tzinfo=timezone.utc)


class ServerClock:
    """Thread-safe; fed by the client with every answer (`observe`)."""

    def __init__(self, wall: Callable[[], float] = time.time) -> None:
        self._wall = wall
        self._offsets: dict[str, float] = {}  # source → Pipedrive's time minus ours, in seconds
        self._lock = threading.Lock()

    def observe(self, headers: Mapping[str, str], data: Any = None, *, created: bool = False) -> None:
        """An answer: its Date header and, for a create (`created`), the new entity's update_time."""
        now = self._wall()
        readings: dict[str, datetime] = {}
        date = headers.get("Date")
        if date:
            with contextlib.suppress(TypeError, ValueError, IndexError):
                readings["date"] = parsedate_to_datetime(date)
        if created and isinstance(data, dict) and (stamp := parse_stamp(data.get("update_time"))):
            readings["update_time"] = stamp
        with self._lock:
            for source, moment in readings.items():
                if moment.tzinfo is not None:
                    self._offsets[source] = moment.timestamp() - now

    def offset(self) -> float | None:
        """Seconds Pipedrive's clock is ahead of ours (negative: behind); None before any answer."""
        with self._lock:
            return min(self._offsets.values()) if self._offsets else None

    def at(self, moment: datetime) -> datetime | None:
        """`moment` of our clock on Pipedrive's; None when no answer told its time yet."""
        offset = self.offset()
        return None if offset is None else moment + timedelta(seconds=offset)
