"""A tap and an orchestrator in one: events as Singer messages with bookmarks, and reruns from state.

The tap sends one SCHEMA, then a RECORD per event and, after every `state_every` records, a STATE whose
bookmark is the number of events sent so far. The orchestrator runs the target CLI on everything after
the last bookmark the target emitted; when a run fails it runs the target again from the last state
that run emitted, as Meltano does on its next schedule (it saves each state as it arrives), until a
run succeeds. Every emitted state is trusted exactly as Meltano trusts it: if the target passed one on
too early, the rerun skips a record and the comparison with a fault-free run shows the loss.
"""

from __future__ import annotations

import json
import subprocess
import sys
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

STREAM = "events"
SCHEMA = {
    "type": "SCHEMA",
    "stream": STREAM,
    "key_properties": ["messageId"],
    "schema": {"type": "object", "properties": {"messageId": {"type": "string"}, "type": {"type": "string"}}},
}
TARGET_CLI = [sys.executable, "-m", "target_pipedrive"]


def bookmark(offset: int) -> dict[str, Any]:
    return {"bookmarks": {STREAM: {"offset": offset}}}


def offset_of(state: dict[str, Any]) -> int:
    return int(state["bookmarks"][STREAM]["offset"])


@dataclass(frozen=True)
class TapInput:
    events: Sequence[dict[str, Any]]
    state_every: int = 50

    def messages_after(self, offset: int) -> list[dict[str, Any]]:
        """What the tap sends when started from bookmark `offset`."""
        messages: list[dict[str, Any]] = [SCHEMA]
        for n in range(offset + 1, len(self.events) + 1):
            messages.append({"type": "RECORD", "stream": STREAM, "record": self.events[n - 1]})
            if n % self.state_every == 0 or n == len(self.events):
                messages.append({"type": "STATE", "value": bookmark(n)})
        return messages

    def text_after(self, offset: int) -> str:
        return "".join(json.dumps(m, ensure_ascii=False) + "\n" for m in self.messages_after(offset))


@dataclass
class Attempt:
    """One run of the target: where it started, how it ended, what it emitted and reported."""

    start_offset: int
    returncode: int
    states: list[dict[str, Any]]
    summary: dict[str, Any] | None
    log_tail: str
    stopped_by: str | None = None  # the error the run stopped with

    @property
    def end_offset(self) -> int:
        return offset_of(self.states[-1]) if self.states else self.start_offset

    @property
    def records_finished(self) -> int:
        """Records of this run written, unchanged, filtered or rejected (the one in flight is not)."""
        if not self.summary:
            return 0
        return sum(int(self.summary.get(k) or 0) for k in ("written", "unchanged", "filtered", "rejected"))


@dataclass
class Orchestration:
    attempts: list[Attempt] = field(default_factory=list)

    @property
    def reruns(self) -> int:
        return max(0, len(self.attempts) - 1)

    def total(self, *path: str) -> int:
        """A figure of the run summaries (e.g. "api", "retries") summed over every attempt."""
        result = 0
        for attempt in self.attempts:
            value: Any = attempt.summary or {}
            for key in path:
                value = value.get(key, {}) if isinstance(value, dict) else {}
            result += value if isinstance(value, int) else 0
        return result

    def uncovered(self, records: int) -> list[int]:
        """Events no attempt finished: lost, unless a later attempt did them."""
        done: set[int] = set()
        for attempt in self.attempts:
            done.update(range(attempt.start_offset + 1, attempt.start_offset + attempt.records_finished + 1))
        return [n for n in range(1, records + 1) if n not in done]


def run_target_once(
    config: dict[str, Any], text: str, workdir: Path, name: str, *, timeout: float
) -> tuple[subprocess.CompletedProcess[str], dict[str, Any] | None]:
    config = config | {"report_file": str(workdir / f"{name}.report.json")}
    config_path, input_path = workdir / f"{name}.config.json", workdir / f"{name}.input.jsonl"
    config_path.write_text(json.dumps(config))
    input_path.write_text(text, encoding="utf-8")
    done = subprocess.run(
        [*TARGET_CLI, "--config", str(config_path), "--input", str(input_path)],
        capture_output=True,
        text=True,
        timeout=timeout,
        check=False,
    )
    (workdir / f"{name}.log").write_text(done.stderr, encoding="utf-8")
    report = Path(config["report_file"])
    return done, (json.loads(report.read_text()) if report.exists() else None)


def run_until_done(
    tap: TapInput,
    config: dict[str, Any],
    workdir: Path,
    *,
    max_attempts: int = 30,
    timeout: float = 1800,
) -> Orchestration:
    """Run the target from bookmark 0, and again from its last emitted state after each failure."""
    orchestration = Orchestration()
    offset = 0
    for number in range(1, max_attempts + 1):
        done, summary = run_target_once(
            config, tap.text_after(offset), workdir, f"attempt{number}", timeout=timeout
        )
        states = [json.loads(line) for line in done.stdout.splitlines() if line.strip()]
        attempt = Attempt(
            offset, done.returncode, states, summary, done.stderr[-3000:], _first_error(done.stderr)
        )
        orchestration.attempts.append(attempt)
        offset = attempt.end_offset
        if done.returncode == 0:
            return orchestration
    raise RuntimeError(f"still failing after {max_attempts} attempts:\n{orchestration.attempts[-1].log_tail}")


def _first_error(log: str) -> str | None:
    errors = [line.split("| ", 3)[-1] for line in log.splitlines() if "| ERROR" in line]
    return errors[0][:300] if errors else None
