"""Ids of list and search answers: an item whose id is no id is skipped with one warning per endpoint
per run, never the token; where skipping it could duplicate the entity, the lookup is refused."""

from __future__ import annotations

import logging
from collections.abc import Iterator
from types import SimpleNamespace
from typing import Any

import pytest

from target_pipedrive.account.finder import EntityFinder, LookupRejected, normalize
from target_pipedrive.account.key_index import KeyIndex
from target_pipedrive.account.ledger.keys import KeyStore
from target_pipedrive.account.match import MatchField
from target_pipedrive.pipedrive.client import PipedriveClient
from target_pipedrive.pipedrive.entities import DEAL, LEAD, LEAD_LABEL, PERSON
from target_pipedrive.pipedrive.listed import listed_ids

TOKEN = "listed-token-0f1e2d3c4b5a"
UUID = "f08b42a0-4e75-11ea-9643-03698ef1cfd6"
EMAIL = MatchField(PERSON, "email", "email")
TITLE = MatchField(DEAL, "title", "title")


@pytest.fixture
def client() -> Iterator[PipedriveClient]:
    with PipedriveClient("http://127.0.0.1:9", TOKEN) as made:  # never sends: nothing is asked of it
        yield made


@pytest.mark.parametrize(
    ("item", "shown"),
    [
        ({"id": "abc"}, 'has id "abc"'),
        ({"id": None}, "has id null"),
        ({"id": 1.5}, "has id 1.5"),
        ({"id": 5.0}, "has id 5.0"),
        ({"id": True}, "has id true"),
        ({"id": 0}, "has id 0"),
        ({"name": "no id"}, "has no id"),
        ("a text", "is not an object"),
    ],
)
def test_an_item_without_a_usable_id_is_skipped_with_one_warning_per_endpoint(client, caplog, item, shown):
    ids = listed_ids(client)
    with caplog.at_level(logging.WARNING):
        assert ids.id_of(PERSON, item, "/api/v2/persons") is None
        assert ids.id_of(PERSON, item, "/api/v2/persons") is None
        assert ids.id_of(PERSON, {"id": 7}, "/api/v2/persons") == 7
        assert ids.id_of(PERSON, item, "/api/v2/persons/search") is None
    warnings = [r.getMessage() for r in caplog.records if r.levelno == logging.WARNING]
    assert len(warnings) == 2  # one per endpoint, not one per item
    assert warnings[0].startswith(f"/api/v2/persons answered an item that {shown}, which is not a person id")
    assert warnings[1].startswith("/api/v2/persons/search answered an item that")


def test_a_uuid_is_a_lead_or_label_id_and_a_number_is_not(client):
    ids = listed_ids(client)
    assert ids.id_of(LEAD_LABEL, {"id": UUID}, "/api/v1/leadLabels") == UUID
    assert ids.id_of(LEAD, {"id": 5}, "/api/v1/leads") is None
    assert ids.id_of(PERSON, {"id": UUID}, "/api/v2/persons") is None


def test_the_token_in_an_id_is_never_logged(client, caplog):
    with caplog.at_level(logging.WARNING):
        listed_ids(client).id_of(PERSON, {"id": f"x {TOKEN} x"}, "/api/v2/persons")
    assert caplog.records and TOKEN not in caplog.text


class Account:
    """One page of persons (or archived deals) and a search, each answered from `items`."""

    def __init__(self, items: list[Any]) -> None:
        self.items = items
        self.searches = 0

    def get(self, path: str, params: dict[str, Any]) -> Any:
        return SimpleNamespace(data=self.items, additional_data={"next_cursor": None})

    def paginate_v2(self, path: str, params: dict[str, Any], items_key: str | None = None) -> Any:
        self.searches += 1
        return iter([{"item": item} for item in self.items if item.get("emails") == [params["term"]]])


def test_a_key_listed_without_a_usable_id_is_searched_and_a_hit_without_one_refused():
    account = Account([{"id": "abc", "emails": ["ann@x.example"]}, {"id": 2, "emails": ["bo@x.example"]}])
    finder = EntityFinder(account)  # type: ignore[arg-type]
    assert finder.find(EMAIL, "bo@x.example") == 2
    assert finder.find(EMAIL, "cy@x.example") is None
    assert account.searches == 0  # the listing answers both: it is complete
    # Ann's key is not taken as absent (a create would duplicate her): searched, and refused.
    with pytest.raises(
        LookupRejected, match=r"answered a hit with person 'email' = 'ann@x.example' that has"
    ):
        finder.find(EMAIL, "ann@x.example")
    assert account.searches == 1


def test_a_listing_that_met_an_unusable_id_is_listed_in_full_by_the_next_run():
    store = KeyStore.in_memory("http://127.0.0.1:9")
    account = Account([{"id": None, "emails": ["ann@x.example"]}, {"id": 2, "emails": ["bo@x.example"]}])
    index = KeyIndex(account, store, normalize, clock=lambda: 1_000_000.0)  # type: ignore[arg-type]
    assert index.ids(EMAIL, "bo@x.example") == [2]
    assert index.ids(EMAIL, "ann@x.example") is None  # searched, never "absent"
    state = store.state(PERSON.name, "email")
    assert state.complete and state.full_at == 0.0  # so the next run's listing is a full one


def test_an_archived_deal_listed_without_a_usable_id_refuses_the_lookup():
    account = Account([{"id": "abc", "title": "Old deal"}, {"id": 3, "title": "Other"}])
    finder = EntityFinder(account, prefetch=False)  # type: ignore[arg-type]
    assert finder.find_archived(TITLE, "Other") == 3
    assert finder.find_archived(TITLE, "New") is None
    with pytest.raises(LookupRejected, match="/api/v2/deals/archived answered a hit with"):
        finder.find_archived(TITLE, "Old deal")
