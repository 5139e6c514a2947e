"""The key index: a full listing the first time, then only what changed (`updated_since`), a full one
again after N days or on full_refresh, stale ids forgotten, and a listing stopped part-way resumed."""

from __future__ import annotations

import threading
from datetime import datetime, timedelta, timezone
from types import SimpleNamespace
from typing import Any

import pytest

from target_pipedrive.account.finder import EntityFinder, normalize
from target_pipedrive.account.key_index import DAY, KeyIndex
from target_pipedrive.account.ledger import Ledger
from target_pipedrive.account.ledger.keys import IndexState, KeyStore
from target_pipedrive.account.match import MatchField
from target_pipedrive.pipedrive.entities import PERSON

EMAIL = MatchField(PERSON, "email", "email")
EXTERNAL = MatchField(PERSON, "custom", "ext")
T0 = datetime(2026, 12, 1, 10, 0, tzinfo=timezone.utc)


def stamp(moment: datetime) -> str:
    return moment.strftime("%Y-%m-%dT%H:%M:%SZ")


class Stopped(Exception):
    """What the client raises when the run's budget share is spent (a clean stop)."""


class Account:
    """Persons listed 500 a page, filtered by updated_since; the server's clock is `now`."""

    def __init__(self, count: int) -> None:
        self.now = T0 - timedelta(days=1)
        self.persons = {i: self._person(i, f"p{i}@x.example") for i in range(1, count + 1)}
        self.now = T0
        self.requests: list[dict[str, Any]] = []
        self.fail_after: int | None = None
        self.server_clock = SimpleNamespace(at=lambda moment: self.now)

    def _person(self, i: int, email: str) -> dict[str, Any]:
        return {
            "id": i,
            "emails": [{"value": email}],
            "custom_fields": {"ext": f"E{i}"},
            "update_time": stamp(self.now),
        }

    def change(self, i: int, email: str) -> None:
        self.persons[i] = self._person(i, email)

    def get(self, path: str, params: dict[str, Any]) -> Any:
        assert path == PERSON.collection
        if self.fail_after is not None and len(self.requests) >= self.fail_after:
            raise Stopped
        self.requests.append(dict(params))
        since = params.get("updated_since")
        items = [p for _, p in sorted(self.persons.items()) if since is None or p["update_time"] >= since]
        start = int(params.get("cursor") or 0)
        chunk = items[start : start + params["limit"]]
        more = start + params["limit"] < len(items)
        return SimpleNamespace(
            data=chunk, additional_data={"next_cursor": str(start + 500) if more else None}
        )


@pytest.fixture
def store(tmp_path):
    ledger = Ledger(tmp_path / "l.sqlite", "http://127.0.0.1:1")
    yield ledger.key_store()
    ledger.close()


def run(account: Account, store: KeyStore, *, clock: float = 0.0, full_refresh: bool = False) -> KeyIndex:
    """A new run's index on the same ledger."""
    return KeyIndex(
        account, store, normalize, full_every_days=7, full_refresh=full_refresh, clock=lambda: clock
    )  # type: ignore[arg-type]


def test_the_first_run_lists_in_full_and_the_next_only_what_changed(store):
    account = Account(1200)
    index = run(account, store)
    assert index.ids(EMAIL, "P7@x.example ") == [7]
    assert index.ids(EMAIL, "nobody@x.example") == []
    assert len(account.requests) == 3 and all("updated_since" not in r for r in account.requests)
    assert store.count("person", "email") == 1200

    account.now = T0 + timedelta(hours=2)
    account.change(7, "seven@x.example")
    account.requests.clear()
    index = run(account, store, clock=DAY)
    assert index.ids(EMAIL, "seven@x.example") == [7]
    assert index.ids(EMAIL, "p7@x.example") == []  # the entity's old key went with the change
    assert len(account.requests) == 1
    # From the first listing's start, in the server's time, less the margin.
    assert account.requests[0]["updated_since"] == stamp(T0 - timedelta(seconds=60))


def test_a_custom_match_field_lists_only_that_custom_field(store):
    account = Account(3)
    assert run(account, store).ids(EXTERNAL, "E2") == [2]
    assert account.requests[0]["custom_fields"] == "ext"


def test_deletions_go_at_the_full_listing_after_n_days_or_on_full_refresh(store):
    account = Account(600)
    run(account, store).ids(EMAIL, "p1@x.example")
    del account.persons[5]
    account.requests.clear()
    assert run(account, store, clock=6 * DAY).ids(EMAIL, "p5@x.example") == [5]  # updated_since: not seen
    assert account.requests[0].get("updated_since")
    account.requests.clear()
    assert run(account, store, clock=7 * DAY).ids(EMAIL, "p5@x.example") == []
    assert [r.get("updated_since") for r in account.requests] == [None, None]
    del account.persons[6]
    assert run(account, store, clock=7 * DAY, full_refresh=True).ids(EMAIL, "p6@x.example") == []


def test_a_stale_id_is_forgotten_and_its_keys_are_searched_again(store):
    account = Account(3)
    account.searches = 0

    def paginate_v2(path: str, params: dict[str, Any], items_key: str | None = None) -> Any:
        account.searches += 1
        return iter([{"item": {"id": 9, "emails": ["p2@x.example"]}}])  # merged into 9

    account.paginate_v2 = paginate_v2  # type: ignore[attr-defined]
    finder = EntityFinder(account, key_index=run(account, store))  # type: ignore[arg-type]
    assert finder.find(EMAIL, "p2@x.example") == 2
    finder.forget("person", 2)  # the write got a 404
    assert store.ids("person", "email", "p2@x.example") == []
    assert finder.find(EMAIL, "p2@x.example") == 9
    assert account.searches == 1


def test_a_listing_stopped_by_the_budget_resumes_where_it_stopped(store):
    account = Account(2000)  # four pages
    account.fail_after = 2
    with pytest.raises(Stopped):
        run(account, store).ids(EMAIL, "p1@x.example")
    assert store.state("person", "email").cursor == "1000"
    assert not store.state("person", "email").complete
    account.fail_after = None
    account.requests.clear()
    index = run(account, store, clock=DAY)
    assert index.ids(EMAIL, "p1999@x.example") == [1999]
    assert [r.get("cursor") for r in account.requests] == ["1000", "1500"]
    assert store.state("person", "email").complete


def test_an_incomplete_index_says_nothing_so_the_finder_searches(store):
    account = Account(1000)
    account.fail_after = 1
    index = run(account, store)
    with pytest.raises(Stopped):
        index.ids(EMAIL, "p1@x.example")
    # The stop ends the run; a lookup made meanwhile on another thread would not take "absent".
    assert store.ids("person", "email", "p1@x.example") == [1]
    assert not store.state("person", "email").complete


def test_two_ids_in_the_index_are_checked_by_a_search_before_an_ambiguity(store):
    account = Account(3)
    account.change(3, "p1@x.example")
    account.searches = 0

    def paginate_v2(path: str, params: dict[str, Any], items_key: str | None = None) -> Any:
        account.searches += 1
        return iter([{"item": {"id": 1, "emails": ["p1@x.example"]}}])  # 3 was deleted since

    account.paginate_v2 = paginate_v2  # type: ignore[attr-defined]
    finder = EntityFinder(account, key_index=run(account, store))  # type: ignore[arg-type]
    assert finder.find(EMAIL, "p1@x.example") == 1
    assert account.searches == 1


def test_a_dry_run_answers_from_a_complete_index_and_lists_into_memory_otherwise(tmp_path, store):
    account = Account(600)
    run(account, store).ids(EMAIL, "p1@x.example")  # a real run completes the person/email index
    dry = Ledger(tmp_path / "l.sqlite", "http://127.0.0.1:1", read_only=True).key_store()
    assert dry is not None and dry.read_only
    account.requests.clear()
    index = run(account, dry, clock=30 * DAY)  # a full listing would be due: a dry run does not list
    assert index.ids(EMAIL, "p599@x.example") == [599]
    assert account.requests == []
    assert index.ids(EXTERNAL, "E3") == [3]  # never indexed in the ledger: listed, into memory
    assert len(account.requests) == 2 and dry.count("person", "ext") == 0


def test_a_dry_run_lists_into_memory_only_as_far_as_searches_pay_for(tmp_path, store):
    account = Account(5000)  # ten pages; the ledger's index was never listed
    dry = Ledger(tmp_path / "l.sqlite", "http://127.0.0.1:1", read_only=True).key_store()
    assert dry is not None
    index = run(account, dry)
    assert index.ids(EMAIL, "p4999@x.example") is None  # two pages in: the finder searches
    assert [r.get("cursor") for r in account.requests] == [None, "500"]
    assert index.ids(EMAIL, "p4999@x.example") is None
    assert len(account.requests) == 4
    assert store.state("person", "email") == IndexState()  # nothing of it went to the ledger


def test_a_key_written_while_a_page_of_an_index_in_memory_is_in_flight_outlives_that_page():
    account = Account(1000)  # two pages; the second holds person 600 as it was before the write
    index = KeyIndex(account, KeyStore.in_memory("http://127.0.0.1:1"), normalize)  # type: ignore[arg-type]
    listed = account.get
    writer: list[threading.Thread] = []

    def get(path: str, params: dict[str, Any]) -> Any:
        if params.get("cursor") == "500":
            body = {"emails": [{"value": "new@x.example"}]}
            writer.append(threading.Thread(target=index.written, args=("person", 600, body)))
            writer[0].start()
            writer[0].join(timeout=0.2)  # done at once unless it waits for this page
        return listed(path, params)

    account.get = get  # type: ignore[method-assign]
    assert index.ids(EMAIL, "p1@x.example") == [1]  # the first lookup's 20 tokens: both pages
    writer[0].join()
    assert index.ids(EMAIL, "new@x.example") == [600]
