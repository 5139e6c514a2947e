"""The reader's bracket count lets a record skip the depth walk only when it cannot be too deep."""

from __future__ import annotations

import json

import pytest

from target_pipedrive.mapping.jsvalues import MAX_DEPTH
from target_pipedrive.run.input_guard import GuardedReader, nested_deeper_than


def _line(levels: int, *, quoted_brackets: int = 0) -> str:
    """A RECORD line whose record nests `levels` objects deep, its strings holding extra brackets."""
    record: dict = {"name": "{[" * quoted_brackets}
    for _ in range(levels - 1):
        record = {"a": record}
    return json.dumps({"type": "RECORD", "stream": "s", "record": record})


@pytest.mark.parametrize("levels", [1, 10, MAX_DEPTH - 1, MAX_DEPTH, MAX_DEPTH + 1, 3 * MAX_DEPTH])
@pytest.mark.parametrize("quoted_brackets", [0, MAX_DEPTH])
def test_a_shallow_line_never_hides_a_record_too_deep(levels, quoted_brackets):
    reader = GuardedReader()
    message = reader.parse(_line(levels, quoted_brackets=quoted_brackets))
    assert message is not None
    too_deep = nested_deeper_than(message["record"], MAX_DEPTH)
    assert too_deep == (levels > MAX_DEPTH)
    if reader.line_shallow:
        assert not too_deep
    # Short lines are the common case: they skip the walk.
    assert reader.line_shallow == (levels + 1 + 2 * quoted_brackets <= MAX_DEPTH)
