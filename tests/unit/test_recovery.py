"""Lost-create recovery: found by identity or by the fields sent, in Pipedrive's time, never add_time."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import datetime, timedelta, timezone
from typing import Any

import pytest

from target_pipedrive.account.match import MatchField
from target_pipedrive.actions.plan import Write
from target_pipedrive.pipedrive.entities import PERSON
from target_pipedrive.pipedrive.errors import UnusableAnswer
from target_pipedrive.pipedrive.server_clock import ServerClock, parse_stamp
from target_pipedrive.run.recovery import (
    find_created,
    find_existing,
    html_texts,
    intent_moment,
    intent_stamp,
    on_server_clock,
)

OURS = datetime(2026, 12, 1, 12, 0, 0, tzinfo=timezone.utc)
EMAIL = MatchField(PERSON, "email", "email")


class StubClient:
    """Lists from memory, filtering by updated_since as Pipedrive does (on update_time, its clock)."""

    def __init__(self, items: list[dict[str, Any]], *, honours_since: bool = True) -> None:
        self.items = items
        self.honours_since = honours_since
        self.server_clock = ServerClock(wall=OURS.timestamp)
        self.calls: list[tuple[str, dict[str, Any]]] = []

    def _listed(self, path: str, params: dict[str, Any]) -> Iterator[dict[str, Any]]:
        self.calls.append((path, dict(params)))
        since = parse_stamp(params.get("updated_since"))
        for item in self.items:
            recent = not self.honours_since or since is None or parse_stamp(item["update_time"]) >= since
            if recent and all(item.get(k) == v for k, v in params.items() if k.endswith("_id")):
                yield item

    def paginate_v2(self, path: str, params: dict[str, Any]) -> Iterator[dict[str, Any]]:
        return self._listed(path, params)

    def paginate_v1(self, path: str, params: dict[str, Any]) -> Iterator[dict[str, Any]]:
        return self._listed(path, params)


def stamp(moment: datetime) -> str:
    return moment.strftime("%Y-%m-%dT%H:%M:%SZ")


def person(pid: int, email: str, updated: datetime, added: str = "2020-01-01T00:00:00Z") -> dict[str, Any]:
    return {
        "id": pid,
        "emails": [{"value": email, "primary": True}],
        "add_time": added,
        "update_time": stamp(updated),
    }


def create_person(email: str) -> Write:
    body = {"name": "Ada", "emails": [{"value": email}], "add_time": "2020-01-01T00:00:00Z"}
    return Write("POST", "/api/v2/persons", body, "created", remember=(EMAIL, email))


def never_taken(_entity_id: Any) -> bool:
    return False


def test_server_clock_reads_date_headers_and_created_update_times_and_keeps_the_earlier():
    clock = ServerClock(wall=OURS.timestamp)
    assert clock.offset() is None and clock.at(OURS) is None
    clock.observe({"Date": "Tue, 01 Dec 2026 11:50:00 GMT"})
    assert clock.offset() == -600
    # A create's update_time is the clock updated_since is compared with: the earlier reading wins.
    clock.observe(
        {}, {"id": 1, "update_time": "2026-12-01 11:49:00", "add_time": "2020-01-01 00:00:00"}, created=True
    )
    assert clock.offset() == -660
    # Not from answers that are not creates, and never from add_time.
    clock.observe({}, {"update_time": "2026-01-01T00:00:00Z"})
    clock.observe({}, {"add_time": "2020-01-01T00:00:00Z"}, created=True)
    assert clock.at(OURS) == OURS - timedelta(seconds=660)
    clock.observe({"Date": "not a date"})
    assert clock.offset() == -660


def test_a_back_dated_add_time_does_not_hide_the_created_person():
    client = StubClient([person(7, "ada@x.example", OURS + timedelta(seconds=2))])
    client.server_clock.observe({"Date": "Tue, 01 Dec 2026 12:00:00 GMT"})
    found = find_created(client, create_person("ada@x.example"), on_server_clock(client, OURS), never_taken)
    assert found == 7
    assert client.calls == [("/api/v2/persons", {"updated_since": "2026-12-01T11:55:00Z", "limit": 500})]


def test_the_window_is_opened_in_the_servers_time_when_its_clock_is_behind_ours():
    server_now = OURS - timedelta(minutes=10)
    client = StubClient([person(7, "ada@x.example", server_now + timedelta(seconds=1))])
    client.server_clock.observe({"Date": "Tue, 01 Dec 2026 11:50:00 GMT"})
    found = find_created(client, create_person("ada@x.example"), on_server_clock(client, OURS), never_taken)
    assert found == 7
    assert client.calls[0][1]["updated_since"] == "2026-12-01T11:45:00Z"


def test_without_any_reading_of_the_servers_clock_the_window_opens_a_day_early():
    client = StubClient([person(7, "ada@x.example", OURS - timedelta(hours=3))])
    assert (
        find_created(client, create_person("ada@x.example"), on_server_clock(client, OURS), never_taken) == 7
    )


def test_an_entity_another_event_owns_is_never_claimed():
    client = StubClient([person(7, "ada@x.example", OURS), person(8, "ada@x.example", OURS)])
    client.server_clock.observe({"Date": "Tue, 01 Dec 2026 12:00:00 GMT"})
    since = on_server_clock(client, OURS)
    assert find_created(client, create_person("ada@x.example"), since, lambda i: i == 7) == 8
    assert find_created(client, create_person("ada@x.example"), since, lambda i: True) is None
    assert find_created(client, create_person("bo@x.example"), since, never_taken) is None


def test_an_old_entity_a_server_failed_to_filter_out_is_not_taken_for_the_new_one():
    # The server ignores updated_since: an equal note from last year is not the lost create's.
    old = {"id": 3, "content": "Hi", "person_id": 5, "update_time": "2025-12-01 12:00:00"}
    client = StubClient([old], honours_since=False)
    client.server_clock.observe({"Date": "Tue, 01 Dec 2026 12:00:00 GMT"})
    write = Write("POST", "/api/v1/notes", {"content": "Hi", "person_id": 5}, "created")
    assert find_created(client, write, on_server_clock(client, OURS), never_taken) is None


def test_v1_lists_are_narrowed_by_their_link_and_updated_since():
    note = {
        "id": 3,
        "content": "<p>Hi&nbsp; <b>Ann</b><br/></p>",
        "person_id": 5,
        "update_time": "2026-12-01 11:50:01",
    }
    client = StubClient([note])
    client.server_clock.observe({"Date": "Tue, 01 Dec 2026 11:50:00 GMT"})
    write = Write(
        "POST", "/api/v1/notes", {"content": "<p>Hi  <b>Ann</b><br></p>", "person_id": 5}, "created"
    )
    assert find_created(client, write, on_server_clock(client, OURS), never_taken) == 3
    assert client.calls == [("/api/v1/notes", {"person_id": 5, "updated_since": "2026-12-01T11:45:00Z"})]


def test_an_activity_is_recognised_by_the_fields_sent_with_its_note_sanitised():
    stored = {
        "id": 9,
        "subject": "Intro",
        "type": "call",
        "due_date": "2026-12-01",
        "due_time": "10:30:00",
        "note": '<p>Call <img src="x"/> with <i>Ann</i><br/> &amp; co</p>',
        "update_time": stamp(OURS),
    }
    client = StubClient([stored])
    client.server_clock.observe({"Date": "Tue, 01 Dec 2026 12:00:00 GMT"})
    body = {
        "subject": "Intro",
        "type": "call",
        "due_date": "2026-12-01",
        "due_time": "10:30",
        "note": (
            '<p>Call <img src="x" onerror="steal()"> with <i>Ann</i><br>'
            "<script>alert(1)</script> &amp; co</p>"
        ),
    }
    write = Write("POST", "/api/v2/activities", body, "created")
    assert find_created(client, write, on_server_clock(client, OURS), never_taken) == 9
    different = Write("POST", "/api/v2/activities", body | {"note": "Call with Bo"}, "created")
    assert find_created(client, different, on_server_clock(client, OURS), never_taken) is None


def test_html_is_compared_as_text():
    assert html_texts("a<br>b") & html_texts("a<br/>b")
    assert html_texts("<b>x</b>&amp;y") & html_texts("<b>x</b>&y")
    assert html_texts("<script>bad()</script>ok") & html_texts("ok")
    assert html_texts("x <p  class='q'>y</p>") & html_texts('x<p class="q">y</p>')
    assert not html_texts("Call Ann") & html_texts("Call Bo")


def test_an_intent_row_keeps_the_servers_time_and_reads_older_rows_of_our_clock():
    client = StubClient([])
    assert intent_moment(client, intent_stamp(client, OURS)) == OURS - timedelta(days=1)
    client.server_clock.observe({"Date": "Tue, 01 Dec 2026 11:50:00 GMT"})
    written = intent_stamp(client, OURS)
    assert written.startswith("server:")
    assert intent_moment(client, written) == OURS - timedelta(minutes=10)
    # A row an earlier version wrote holds our clock's time: converted with today's reading.
    assert intent_moment(client, OURS.isoformat()) == OURS - timedelta(minutes=10)


@pytest.mark.parametrize("bad_id", ["abc", None, 1.5, True, "missing"])
def test_a_listed_item_without_a_usable_id_is_skipped_unless_it_is_the_one(bad_id):
    def listed(email: str) -> dict[str, Any]:
        item = person(0, email, OURS + timedelta(seconds=2))
        if bad_id == "missing":
            del item["id"]
        else:
            item["id"] = bad_id
        return item

    client = StubClient([listed("other@x.example"), person(7, "ada@x.example", OURS + timedelta(seconds=2))])
    client.server_clock.observe({"Date": "Tue, 01 Dec 2026 12:00:00 GMT"})
    since = on_server_clock(client, OURS)
    assert find_created(client, create_person("ada@x.example"), since, never_taken) == 7
    # The one the create made, under an id that is no id: not "absent" (a second create would follow).
    client.items = [listed("ada@x.example")]
    with pytest.raises(UnusableAnswer, match="the list holds the person this create would make, but it"):
        find_created(client, create_person("ada@x.example"), since, never_taken)
    with pytest.raises(UnusableAnswer):
        find_existing(client, create_person("ada@x.example"), None, never_taken)
