"""The sandbox's clock (clock_offset, stamps, updated_since, the Date header) and sanitised HTML."""

from __future__ import annotations

from datetime import datetime, timedelta, timezone
from email.utils import parsedate_to_datetime

import pytest
import requests
from pipedrive_sandbox.cli import parser
from pipedrive_sandbox.sanitize import sanitize_html
from sandbox_helpers import assert_matches_spec, call, create


def stamp(text: str) -> datetime:
    moment = datetime.fromisoformat(text.replace("Z", "+00:00"))
    return moment if moment.tzinfo else moment.replace(tzinfo=timezone.utc)


def close_to(moment: datetime, expected: datetime, seconds: float = 5) -> bool:
    return abs((moment - expected).total_seconds()) <= seconds


# Clock -------------------------------------------------------------------------------------------


def test_clock_offset_moves_stamps_and_the_date_header(sandbox):
    sandbox.configure(clock_offset=-600)  # Pipedrive's clock 10 minutes behind ours
    expected = datetime.now(timezone.utc) - timedelta(minutes=10)
    answer = call(sandbox, "POST", "/api/v2/persons", json={"name": "Ada"})
    person = answer.json()["data"]
    assert close_to(stamp(person["add_time"]), expected) and close_to(stamp(person["update_time"]), expected)
    assert close_to(parsedate_to_datetime(answer.headers["Date"]), expected)
    person_id = create(sandbox, "persons")["id"]
    lead = create(sandbox, "leads", title="L", person_id=person_id)
    assert close_to(stamp(lead["add_time"]), expected)
    note = create(sandbox, "notes", content="n", person_id=person_id)
    assert close_to(stamp(note["add_time"]), expected)
    sandbox.reset()  # back to the option the sandbox was started with
    now = parsedate_to_datetime(call(sandbox, "GET", "/api/v1/users/me").headers["Date"])
    assert close_to(now, datetime.now(timezone.utc))


def test_updated_since_is_compared_in_the_sandboxs_time(sandbox):
    sandbox.configure(clock_offset=-600)
    create(sandbox, "persons", name="Old")
    ours = datetime.now(timezone.utc) - timedelta(minutes=5)  # "five minutes ago" by the client's clock
    since = {"updated_since": ours.strftime("%Y-%m-%dT%H:%M:%SZ")}
    assert call(sandbox, "GET", "/api/v2/persons", params=since).json()["data"] == []
    theirs = {"updated_since": (ours - timedelta(minutes=10)).strftime("%Y-%m-%dT%H:%M:%SZ")}
    assert [p["name"] for p in call(sandbox, "GET", "/api/v2/persons", params=theirs).json()["data"]] == [
        "Old"
    ]


def test_clock_offset_from_the_control_api_and_the_cli(sandbox):
    response = requests.post(f"{sandbox.url}/_sandbox/config", json={"clock_offset": 3600}, timeout=10)
    assert response.status_code == 200
    date = parsedate_to_datetime(call(sandbox, "GET", "/api/v1/users/me").headers["Date"])
    assert close_to(date, datetime.now(timezone.utc) + timedelta(hours=1))
    assert parser().parse_args(["--clock-offset", "-600"]).clock_offset == -600.0


def test_posted_add_time_is_kept_and_update_time_is_the_servers(sandbox):
    person = create(sandbox, "persons", name="Back-dated", add_time="2020-01-01T00:00:00Z")
    assert person["add_time"] == "2020-01-01T00:00:00Z"
    assert close_to(stamp(person["update_time"]), datetime.now(timezone.utc))
    org = create(sandbox, "organizations", name="Org", add_time="2019-05-05T10:00:00Z")
    assert org["add_time"] == "2019-05-05T10:00:00Z"
    patched = call(sandbox, "PATCH", f"/api/v2/persons/{person['id']}", json={"name": "B"}).json()["data"]
    assert patched["add_time"] == "2020-01-01T00:00:00Z"
    assert stamp(patched["update_time"]) >= stamp(person["update_time"])
    refused = call(
        sandbox, "PATCH", f"/api/v2/persons/{person['id']}", json={"update_time": "2020-01-01T00:00:00Z"}
    )
    assert refused.status_code == 400


def test_seeded_stamps_are_kept(sandbox_factory, tmp_path):
    seed = tmp_path / "seed.json"
    seed.write_text(
        '{"entities": {"persons": [{"id": 3, "name": "S", "add_time": "2021-02-03T04:05:06Z",'
        ' "update_time": "2021-02-03T04:05:06Z"}]}}'
    )
    sandbox = sandbox_factory(seed=str(seed))
    got = call(sandbox, "GET", "/api/v2/persons/3").json()["data"]
    assert (got["add_time"], got["update_time"]) == ("2021-02-03T04:05:06Z", "2021-02-03T04:05:06Z")
    since = {"updated_since": "2021-02-03T04:05:07Z"}
    assert call(sandbox, "GET", "/api/v2/persons", params=since).json()["data"] == []


def test_bad_updated_since_is_400(sandbox):
    sandbox.configure(validate=False)  # our own check, behind the contract's
    assert call(sandbox, "GET", "/api/v2/persons", params={"updated_since": "yesterday"}).status_code == 400


# updated_since on API v1 -------------------------------------------------------------------------


@pytest.mark.parametrize("kind", ["notes", "leads"])
def test_v1_lists_of_notes_and_leads_take_updated_since(sandbox, kind):
    person = create(sandbox, "persons")
    body = {"content": "n"} if kind == "notes" else {"title": "L"}
    sandbox.configure(clock_offset=-3600)
    create(sandbox, kind, person_id=person["id"], **body)  # an hour ago
    sandbox.configure(clock_offset=0)
    fresh = create(sandbox, kind, person_id=person["id"], **body)
    since = (datetime.now(timezone.utc) - timedelta(minutes=10)).strftime("%Y-%m-%dT%H:%M:%SZ")
    listed = call(sandbox, "GET", f"/v1/{kind}", params={"updated_since": since})
    assert listed.status_code == 200, listed.text
    assert [item["id"] for item in listed.json()["data"]] == [fresh["id"]]
    assert_matches_spec(sandbox, listed)
    assert len(call(sandbox, "GET", f"/api/v1/{kind}").json()["data"]) == 2


# Sanitised HTML ----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("sent", "stored"),
    [
        ("plain text & more", "plain text & more"),
        ("<b>bold</b> <i>it</i> <p>para</p>", "<b>bold</b> <i>it</i> <p>para</p>"),
        ('<a href="https://example.com/x">link</a>', '<a href="https://example.com/x">link</a>'),
        ("one<br>two<br />three<BR>", "one<br/>two<br/>three<br/>"),
        ("a<script>alert(1)</script>b", "ab"),
        ("a<style>p {color: red}</style>b", "ab"),
        ('a<iframe src="https://x.io"><b>in</b></iframe>b', "ab"),
        ('<p onclick="evil()" class="c">x</p>', '<p class="c">x</p>'),
        ('<img src="x.png" onerror="evil()">', '<img src="x.png"/>'),
        ('<a href="javascript:alert(1)">x</a>', "<a>x</a>"),
        ('<a href=" JavaScript:alert(1)">x</a>', "<a>x</a>"),
        ("<!-- hidden -->shown", "shown"),
    ],
)
def test_sanitiser(sent, stored):
    assert sanitize_html(sent) == stored
    assert sanitize_html(stored) == stored  # sanitising twice changes nothing


DIRTY = 'Hi<br><script>x()</script><b onclick="y()">there</b>'
CLEAN = "Hi<br/><b>there</b>"


def test_note_content_is_stored_sanitised(sandbox):
    person = create(sandbox, "persons")
    note = create(sandbox, "notes", content=DIRTY, person_id=person["id"])
    assert note["content"] == CLEAN
    assert call(sandbox, "GET", f"/api/v1/notes/{note['id']}").json()["data"]["content"] == CLEAN
    put = call(sandbox, "PUT", f"/api/v1/notes/{note['id']}", json={"content": DIRTY + "<i>2</i>"})
    assert put.json()["data"]["content"] == CLEAN + "<i>2</i>"
    listed = call(sandbox, "GET", "/api/v1/notes", params={"person_id": person["id"]}).json()["data"]
    assert [n["content"] for n in listed] == [CLEAN + "<i>2</i>"]


def test_activity_note_is_stored_sanitised(sandbox):
    activity = create(sandbox, "activities", subject="Call", note=DIRTY)
    assert activity["note"] == CLEAN
    patched = call(sandbox, "PATCH", f"/api/v2/activities/{activity['id']}", json={"note": "<p>x<br></p>"})
    assert patched.json()["data"]["note"] == "<p>x<br/></p>"
    assert (
        call(sandbox, "GET", f"/api/v2/activities/{activity['id']}").json()["data"]["note"] == "<p>x<br/></p>"
    )
