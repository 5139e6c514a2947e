"""Lost-create recovery in Pipedrive's time: back-dated add_time, a server clock off ours, sanitised HTML."""

from __future__ import annotations

from typing import Any

import pytest

from .cli import messages, run_target
from .test_associations import PERSON, SEED, track
from .test_unknown_outcome import ACTIVITY, MAPPINGS, NOTE

BACKDATED = PERSON | {"fields": PERSON["fields"] | {"add_time": {"@path": "$.traits.created_at"}}}


def identify(n: int, **traits: Any) -> dict[str, Any]:
    return {
        "type": "identify",
        "messageId": f"m{n}",
        "traits": {"email": f"p{n}@x.example", "name": f"P{n}", **traits},
    }


def test_lost_create_with_a_back_dated_add_time_is_found_not_sent_again(tmp_path, sandbox, base_config):
    sandbox.configure(faults=[{"path": "/api/v2/persons", "method": "POST", "drop": "after"}])
    record = identify(1, created_at="2020-01-01T00:00:00Z")
    run = run_target(tmp_path, base_config | {"mappings": [BACKDATED]}, messages(record))
    assert run.returncode == 0, run.stderr
    persons = sandbox.entities("persons")
    assert len(persons) == 1, persons
    assert persons[0]["add_time"].startswith("2020-01-01")
    assert "POST /api/v2/persons had been created" in run.stderr


def test_sixteen_back_dated_identifies_with_half_the_answers_lost_make_sixteen_persons(
    tmp_path, sandbox, base_config
):
    sandbox.configure(
        faults=[
            {"path": "/api/v2/persons", "method": "POST", "drop": "after", "count": -1, "probability": 0.5}
        ]
    )
    records = [identify(n, created_at="2020-01-01T00:00:00Z") for n in range(16)]
    run = run_target(tmp_path, base_config | {"mappings": [BACKDATED], "max_retries": 8}, messages(*records))
    assert run.returncode == 0, run.stderr
    assert len(sandbox.entities("persons")) == 16
    assert "had been created" in run.stderr


# One create of each kind; each POST's connection dies after the write committed.
LOST = {
    "persons": ("/api/v2/persons", identify(1)),
    "activities": ("/api/v2/activities", track("Call Logged", subject="Intro", email="ann@acme.example")),
    "notes": ("/api/v1/notes", track("Note Added", content="Spoke to Ann", email="ann@acme.example")),
    "leads": ("/api/v1/leads", track("Lead Found", title="Ann's lead", email="ann@acme.example")),
}


@pytest.mark.parametrize("offset", [-600, 600])
def test_a_server_clock_ten_minutes_off_ours_duplicates_no_lost_create(
    tmp_path, sandbox, base_config, offset
):
    faults = [
        # The seed creates one person first: its create is answered.
        {"path": path, "method": "POST", "drop": "after", "skip": 1 if kind == "persons" else 0}
        for kind, (path, _record) in LOST.items()
    ]
    sandbox.configure(clock_offset=offset, faults=faults)
    records = [record for _path, record in LOST.values()]
    run = run_target(tmp_path, base_config | {"mappings": MAPPINGS}, messages(*SEED, *records))
    assert run.returncode == 0, run.stderr
    assert sandbox.sandbox.faults.pending() == []
    assert run.stderr.count("had been created") == 4
    counts = {kind: len(sandbox.entities(kind)) for kind in LOST}
    assert counts == {"persons": 2, "activities": 1, "notes": 1, "leads": 1}


SANITISED = {
    "notes": (
        "/api/v1/notes",
        NOTE,
        track(
            "Note Added",
            content='<p onclick="x()">Spoke&nbsp;to <b>Ann</b><br>\n<script>alert(1)</script>ok</p>',
            email="ann@acme.example",
        ),
        "content",
    ),
    "activities": (
        "/api/v2/activities",
        ACTIVITY | {"fields": ACTIVITY["fields"] | {"note": {"@path": "$.properties.note"}}},
        track(
            "Call Logged",
            subject="Intro",
            note='Call <img src="x" onerror="steal()">with <i>Ann</i><br><style>p{}</style> &amp; co',
            email="ann@acme.example",
        ),
        "note",
    ),
}


@pytest.mark.parametrize("kind", sorted(SANITISED))
def test_a_lost_create_whose_html_pipedrive_sanitised_is_still_recognised(
    tmp_path, sandbox, base_config, kind
):
    path, html_mapping, record, key = SANITISED[kind]
    sandbox.configure(clock_offset=-600, faults=[{"path": path, "method": "POST", "drop": "after"}])
    mappings = [m for m in MAPPINGS if m["name"] != html_mapping["name"]] + [html_mapping]
    run = run_target(tmp_path, base_config | {"mappings": mappings}, messages(*SEED, record))
    assert run.returncode == 0, run.stderr
    stored = sandbox.entities(kind)
    assert len(stored) == 1, stored
    # Pipedrive kept a different text from what was sent, and the recovery still knew it.
    assert stored[0][key] != record["properties"][key]
    assert "<script" not in stored[0][key] and "onerror" not in stored[0][key]
    assert f"POST {path} had been created" in run.stderr
