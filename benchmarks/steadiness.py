"""How steady a long run's records/s stays (S5, S9): records/s over its last 10% of the records ÷ over its
first 10%; 1.0 is flat, below 1 it slowed down.

The source is how far the target has read its input: the runner samples the file offset of the target's
stdin every 10 ms (measure.py), and the byte offsets at which the input's RECORD lines end turn an offset
into records read. The target reads in buffered chunks (the file system's block, 4 KB here: about 13
records), which is noise against a tenth of 100,000 records. Progress lines, the earlier source, come
once a second at most: at 10-20k records/s a tenth of the records spans 0.5-1 s, so a whole second of
quantisation swung the figure between 0.8 and 1.5.
"""

from __future__ import annotations

import json
from bisect import bisect_left, bisect_right
from collections.abc import Sequence
from pathlib import Path

from .measure import Read

# json.dumps of write_singer's messages puts "type" first: the prefix tells the kind without parsing.
_TYPE_FIRST = b'{"type": "'
_RECORD_FIRST = b'{"type": "RECORD"'
MIN_POINTS = 3  # samples a stretch needs to tell a rate


def record_ends(path: Path) -> list[int]:
    """The byte offset just past each RECORD line of a Singer file, ascending: a reader at offset p has
    read bisect_right(ends, p) records. SCHEMA, STATE and blank lines take bytes but hold no record."""
    ends = []
    offset = 0
    with path.open("rb") as singer:
        for line in singer:
            offset += len(line)
            if _is_record(line):
                ends.append(offset)
    return ends


def _is_record(line: bytes) -> bool:
    if line.startswith(_TYPE_FIRST):
        return line.startswith(_RECORD_FIRST)
    # Another writer may order the keys differently: parse, rather than trust a substring that a
    # record's own content could contain.
    try:
        message = json.loads(line)
    except ValueError:
        return False
    return isinstance(message, dict) and message.get("type") == "RECORD"


def steadiness(reads: Sequence[Read], ends: Sequence[int]) -> float | None:
    """records/s over the last tenth of the records ÷ over the first tenth, from (seconds, stdin offset)
    samples and the input's record ends (record_ends); None when a stretch holds fewer than MIN_POINTS
    samples or the run never read all its records.

    The first stretch starts when the target reads its input a second time, at the last sample still at
    its first read position: interpreter start-up comes before the first read, but the target sets
    itself up (the account's field lists, its key indexes: 0.5 s in S5) on the first records of that
    read, and counting that stall would make the first tenth look slower than it runs. The first
    stretch covers the tenth of the records read after its start; the last ends at the first sample
    where every record was read. The moment a stretch's other end was passed is interpolated linearly
    between the two samples around it, where the nearest sample could be off by half a sample's worth
    of records (50-100 at 10-20k records/s).
    """
    total = len(ends)
    first = next((offset for _, offset in reads if offset > 0), None)
    if total == 0 or first is None:
        return None
    again = next((i for i, (_, offset) in enumerate(reads) if offset > first), None)
    if again is None:
        return None
    times = [moment for moment, _ in reads[again - 1 :]]
    counts = [bisect_right(ends, offset) for _, offset in reads[again - 1 :]]
    done = bisect_left(counts, total)
    if done == len(counts):
        return None
    times, counts = times[: done + 1], counts[: done + 1]
    tenth = total / 10
    if counts[0] + tenth >= total:
        return None  # the first read already held nine tenths: no first stretch to time
    early_end = _moment(times, counts, counts[0] + tenth)
    late_start = _moment(times, counts, total - tenth)
    early_points = bisect_right(times, early_end)
    late_points = len(times) - bisect_left(times, late_start)
    if min(early_points, late_points) < MIN_POINTS or early_end <= times[0] or times[-1] <= late_start:
        return None
    # Both stretches hold a tenth of the records: the ratio of their rates is that of their durations.
    return (early_end - times[0]) / (times[-1] - late_start)


def _moment(times: list[float], counts: list[int], count: float) -> float:
    """When the reader passed `count` records: linear between the samples either side of it."""
    # counts[0] < count <= counts[-1] (steadiness checks): there is a sample on either side.
    after = bisect_left(counts, count)
    before = after - 1
    share = (count - counts[before]) / (counts[after] - counts[before])
    return times[before] + share * (times[after] - times[before])
