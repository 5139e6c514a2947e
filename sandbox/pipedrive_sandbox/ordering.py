"""The orders a v2 list walks, kept as entities are written, so that one page costs O(page), not O(account).

Per kind: the ids in ascending order (a cursor page starts after the last id it gave, by bisection), and
each entity's latest `update_time` in a list sorted by time (an `updated_since` list starts at the first
time at or after the moment, by bisection, and reads only what changed since). A write appends a new
(time, id) entry and leaves the old one behind, recognised as stale because the id's time moved on;
stale entries are compacted away when they outnumber the live ones.
"""

from __future__ import annotations

import bisect
from collections.abc import Iterator
from typing import Any


class Order:
    def __init__(self) -> None:
        self._ids: list[int] = []
        self._known: set[int] = set()
        self._times: list[tuple[float, int]] = []
        self._time_of: dict[int, float] = {}

    def clear(self) -> None:
        self.__init__()  # type: ignore[misc]

    def written(self, entity_id: Any, stamp: float | None) -> None:
        if not isinstance(entity_id, int) or isinstance(entity_id, bool):
            return
        if entity_id not in self._known:
            self._known.add(entity_id)
            if self._ids and entity_id < self._ids[-1]:
                bisect.insort(self._ids, entity_id)
            else:
                self._ids.append(entity_id)
        if stamp is None or self._time_of.get(entity_id) == stamp:
            return
        self._time_of[entity_id] = stamp
        entry = (stamp, entity_id)
        if self._times and entry < self._times[-1]:
            bisect.insort(self._times, entry)
        else:
            self._times.append(entry)
        if len(self._times) > 2 * len(self._time_of) + 1024:
            self._times = sorted((at, i) for i, at in self._time_of.items())

    def ids_after(self, after: int | None) -> Iterator[int]:
        """Ids in ascending order, after `after` (None: from the first)."""
        start = 0 if after is None else bisect.bisect_right(self._ids, after)
        return _tail(self._ids, start)

    def updated_since(self, since: float) -> list[int]:
        """The ids whose latest update_time is at or after `since`, oldest change first."""
        start = bisect.bisect_left(self._times, (since, -1))
        return [i for at, i in self._times[start:] if self._time_of.get(i) == at]


def _tail(ids: list[int], start: int) -> Iterator[int]:
    # An index walk, not a slice: a page reads a few hundred ids of a list of millions.
    for position in range(start, len(ids)):
        yield ids[position]
