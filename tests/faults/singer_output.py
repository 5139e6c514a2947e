"""Reading what a target run said: the states it emitted and the input line it stopped at."""

from __future__ import annotations

import json
import re
from typing import Any

from benchmarks.soak_tap import offset_of

_STOPPED_AT = re.compile(r"\| ERROR +\| .* \| line (\d+): ")


def emitted_offsets(stdout: str) -> list[int]:
    return [offset_of(json.loads(line)) for line in stdout.splitlines() if line.strip()]


def stopped_at_line(stderr: str) -> int:
    """The input line named by the run's `line N: …` error (exactly one such error)."""
    lines = {int(m.group(1)) for m in map(_STOPPED_AT.search, stderr.splitlines()) if m}
    assert len(lines) == 1, stderr[-3000:]
    return lines.pop()


def assert_no_traceback(output: Any) -> None:
    assert "Traceback" not in output, output[-3000:]
