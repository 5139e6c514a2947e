"""The finder: identity map, ledger ids, the key index (listed in full the first time with a ledger;
without one, page by page while searches pay for the pages), then search."""

from __future__ import annotations

from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from types import SimpleNamespace
from typing import Any

import pytest

from target_pipedrive.account.finder import EntityFinder, LookupRejected, Lookups, normalize
from target_pipedrive.account.key_index import KeyIndex
from target_pipedrive.account.ledger import Ledger
from target_pipedrive.account.match import MatchField
from target_pipedrive.pipedrive.entities import PERSON

EMAIL = MatchField(PERSON, "email", "email")


class FakeAccount:
    """Persons 1..n, listed 500 a page with cursors, searchable by email; counts the calls."""

    def __init__(self, count: int) -> None:
        self.persons = [{"id": i, "emails": [{"value": f"p{i}@x.example"}]} for i in range(1, count + 1)]
        self.pages = 0
        self.searches = 0

    def get(self, path: str, params: dict[str, Any]) -> Any:
        assert path == PERSON.collection
        self.pages += 1
        start = int(params.get("cursor") or 0)
        chunk = self.persons[start : start + params["limit"]]
        more = start + params["limit"] < len(self.persons)
        return SimpleNamespace(
            data=chunk, additional_data={"next_cursor": str(start + 500) if more else None}
        )

    def paginate_v2(self, path: str, params: dict[str, Any], items_key: str | None = None) -> Iterator[Any]:
        assert path == PERSON.search_path
        self.searches += 1
        for person in self.persons:
            if any(e["value"] == params["term"] for e in person["emails"]):
                yield {"item": {"id": person["id"], "emails": [e["value"] for e in person["emails"]]}}


def test_a_small_account_is_listed_once_and_never_searched():
    account = FakeAccount(120)
    finder = EntityFinder(account)  # type: ignore[arg-type]
    assert [finder.find(EMAIL, f"p{i}@x.example") for i in (3, 77, 120)] == [3, 77, 120]
    assert finder.find(EMAIL, "nobody@x.example") is None
    assert (account.pages, account.searches) == (1, 0)  # without a ledger too: one page for the run


def test_without_a_ledger_a_large_account_is_listed_only_as_far_as_searches_pay_for():
    account = FakeAccount(5000)  # ten pages, 100 tokens
    finder = EntityFinder(account)  # type: ignore[arg-type]
    for n in (1, 2, 3):
        assert finder.find(EMAIL, f"p{n * 1500}@x.example") == n * 1500
    # Pages while their tokens stay below the searches' plus one search: 3 lookups, at most 80 tokens.
    assert account.pages * 10 <= 3 * 20 + 20
    assert (account.pages, account.searches) == (6, 3)


def test_without_a_ledger_many_lookups_complete_the_listing_then_answer_locally():
    account = FakeAccount(5000)
    finder = EntityFinder(account)  # type: ignore[arg-type]
    for n in range(1, 6):
        assert finder.find(EMAIL, f"p{n * 600}@x.example") == n * 600
    assert (account.pages, account.searches) == (10, 4)  # the fifth lookup's pages completed it
    for n in range(1, 200):
        assert finder.find(EMAIL, f"p{n * 25}@x.example") == n * 25
    assert finder.find(EMAIL, "nobody@x.example") is None
    assert (account.pages, account.searches) == (10, 4)


def test_without_a_ledger_lookups_on_many_threads_list_each_page_once():
    account = FakeAccount(5000)
    finder = EntityFinder(account)  # type: ignore[arg-type]
    wanted = list(range(7, 5000, 37))
    with ThreadPoolExecutor(8) as pool:
        found = list(pool.map(lambda n: finder.find(EMAIL, f"p{n}@x.example"), wanted))
    assert found == wanted
    assert account.pages == 10  # every page listed once, none twice
    assert account.searches <= 5


def test_with_a_ledger_the_first_lookup_lists_the_whole_account(tmp_path):
    ledger = Ledger(tmp_path / "l.sqlite", "http://127.0.0.1:1")
    account = FakeAccount(5000)
    store = ledger.key_store()
    assert store is not None and store.persistent
    finder = EntityFinder(account, key_index=KeyIndex(account, store, normalize))  # type: ignore[arg-type]
    assert finder.find(EMAIL, "p4999@x.example") == 4999
    assert (account.pages, account.searches) == (10, 0)  # paid once, then refreshed with updated_since
    ledger.close()


def test_two_listed_entities_with_the_value_are_an_ambiguity():
    account = FakeAccount(3)
    account.persons[2]["emails"] = [{"value": "p1@x.example"}]
    with pytest.raises(LookupRejected, match="ids 1, 3"):
        EntityFinder(account).find(EMAIL, "p1@x.example")  # type: ignore[arg-type]
    assert account.searches == 1  # the index's two ids, confirmed by Pipedrive's search


def test_keys_the_run_writes_are_added_to_the_index_and_no_values_are_kept():
    account = FakeAccount(2)
    finder = EntityFinder(account)  # type: ignore[arg-type]
    assert finder.find(EMAIL, "new@x.example") is None
    finder.written(PERSON, 2, {"emails": [{"value": "new@x.example"}], "name": "Renamed"})
    assert finder.find(EMAIL, "new@x.example") == 2
    assert finder.current(PERSON, 2) is None  # the index holds keys, not values: a GET reads them


def test_segment_strategy_searches_every_time():
    account = FakeAccount(2)
    finder = EntityFinder(account, prefetch=False, identity_map=False)  # type: ignore[arg-type]
    for _ in range(3):
        assert finder.find(EMAIL, "p1@x.example") == 1
    assert (account.pages, account.searches) == (0, 3)


def test_ledger_ids_answer_without_a_call_and_are_marked_unverified(tmp_path):
    ledger = Ledger(tmp_path / "l.sqlite", "http://127.0.0.1:1")
    ledger.put("id:person:email", "p9@x.example", "person", 9)
    account = FakeAccount(2)
    finder = EntityFinder(account, ledger=ledger)  # type: ignore[arg-type]
    lookups = Lookups()
    assert finder.find(EMAIL, "P9@x.example ", lookups) == 9
    assert (account.pages, account.searches) == (0, 0)
    assert lookups.unverified == {("person", 9)}
    finder.forget("person", 9)
    assert finder.find(EMAIL, "p9@x.example", Lookups(trust_ledger=False)) is None
    assert ledger.get("id:person:email", "p9@x.example") is None


def test_forget_drops_only_the_keys_of_that_id_even_after_a_key_moved():
    finder = EntityFinder(FakeAccount(0))  # type: ignore[arg-type]
    for n in range(1, 2001):
        finder.remember(EMAIL, f"p{n}@x.example", n)
    finder.remember(EMAIL, "alias@x.example", 7)
    finder.remember(EMAIL, "moved@x.example", 7)
    finder.remember(EMAIL, "moved@x.example", 8)  # the key now belongs to 8
    finder.forget("person", 7)
    assert finder.find(EMAIL, "moved@x.example") == 8
    assert finder.find(EMAIL, "p8@x.example") == 8
    assert finder.find(EMAIL, "p6@x.example") == 6
    finder.forget("person", 8)
    assert finder._known.get(("person", "email", "moved@x.example")) is None
    assert ("person", 7) not in finder._keys_of and ("person", 8) not in finder._keys_of


def test_the_ledger_forgets_an_entity_by_its_reverse_map(tmp_path):
    ledger = Ledger(tmp_path / "l.sqlite", "http://127.0.0.1:1")
    ledger.put("id:person:email", "a@x.example", "person", 5)
    ledger.put("write:People", "a@x.example", "person", 5, "{}")
    ledger.put("marker:Calls", "m1", "person", 5)
    ledger.put("id:person:email", "b@x.example", "person", 6)
    ledger.rename("id:person:email", "b@x.example", "c@x.example")
    ledger.forget_entity("person", 5)
    assert ledger.get("id:person:email", "a@x.example") is None
    assert ledger.get("write:People", "a@x.example") is None
    assert ledger.get("marker:Calls", "m1") is not None  # markers stay
    assert ledger.knows("person", 5) and ledger.knows("person", 6)
    ledger.forget_entity("person", 6)
    assert not ledger.knows("person", 6)
    assert ledger.get("id:person:email", "c@x.example") is None
