"""What needs no API call is decided on the reader thread, before any queue (run/records.py): an
unchanged record, a reject. A record with a key in flight waits its turn on a thread instead, so that
it is never decided from what the run knew before the earlier record's write."""

from __future__ import annotations

from typing import Any

import pytest

from target_pipedrive.pipedrive.errors import ApiNeeded

from .conftest import PEOPLE, identify, writes


def _submitted(feeder: Any) -> list[int]:
    """Records handed to the threads (their input lines), recorded as they are submitted."""
    dispatcher = feeder.run.flow.dispatcher
    lines: list[int] = []
    submit = dispatcher.submit

    def counting(keys: Any, work: Any, line: int = 0) -> None:
        lines.append(line)
        submit(keys, work, line)

    dispatcher.submit = counting
    return lines


def test_an_unchanged_resync_is_decided_on_the_reader_thread(make_run, sandbox):
    people = [identify(f"p{n}@example.test", f"P {n}") for n in range(5)]
    first = make_run([PEOPLE])
    first.feed(*people)
    first.run.end()
    seen = len(sandbox.log())

    again = make_run([PEOPLE], max_in_flight=4)
    submitted = _submitted(again)
    again.feed(*people)
    assert submitted == []  # no record queued for a thread
    assert sandbox.log()[seen:] == []
    report = again.run.report()
    assert (report["records_in"], report["unchanged"]) == (5, 5)
    assert report["mappings"]["People"]["matched"] == 5


def test_a_record_whose_key_is_in_flight_waits_for_the_write_before_it(make_run, sandbox):
    first = make_run([PEOPLE])
    first.feed(identify("ada@example.test", "Ada"))
    first.run.end()
    feeder = make_run([PEOPLE], max_in_flight=4)
    submitted = _submitted(feeder)
    # The rename is slow to answer: the record after it, back to the ledger's old name, arrives while it
    # is in flight. Decided from the ledger it would look unchanged, and the rename would win.
    sandbox.configure(faults=[{"path": "/api/v2/persons/*", "method": "PATCH", "latency": 0.5}])
    feeder.feed(identify("ada@example.test", "Ada Lovelace"), identify("ada@example.test", "Ada"))
    assert submitted == [1, 2]
    patches = [entry for entry in sandbox.log() if entry["method"] == "PATCH"]
    assert [entry["body"] for entry in patches] == [{"name": "Ada Lovelace"}, {"name": "Ada"}]
    [person] = sandbox.entities("persons")
    assert person["name"] == "Ada"  # input order kept for the key


def test_a_record_that_needs_the_api_goes_to_a_thread_counted_once(make_run, sandbox):
    feeder = make_run([PEOPLE], max_in_flight=4)
    submitted = _submitted(feeder)
    seen = len(sandbox.log())
    feeder.feed(identify("new@example.test", "New"), identify("new@example.test", "New"))
    assert submitted == [1, 2]  # a lookup first; then the same key is in flight
    assert writes(sandbox) == [("POST", "/api/v2/persons")]
    tally = feeder.run.report()["mappings"]["People"]
    assert (tally["matched"], tally["created"], tally["unchanged"]) == (2, 1, 1)
    assert tally["api_calls"] == len(sandbox.log()) - seen  # the list and the create, each once


def test_the_client_sends_nothing_from_a_thread_working_from_memory(make_run, sandbox):
    client = make_run([PEOPLE]).run.runtime.client
    seen = len(sandbox.log())
    with client.local_only(), pytest.raises(ApiNeeded):
        client.get("/api/v2/persons")
    with client.local_only(), pytest.raises(ApiNeeded):
        client.sending("POST", "/api/v2/persons")
    assert len(sandbox.log()) == seen
    client.get("/api/v2/persons")  # the thread sends again once the block is over
    assert len(sandbox.log()) == seen + 1
    # Nested (the unchanged check inside the reading thread's block): the outer block still holds.
    with client.local_only():
        with client.local_only():
            pass
        with pytest.raises(ApiNeeded):
            client.get("/api/v2/persons")
    assert len(sandbox.log()) == seen + 1
