"""Search hits double-checked against the value searched: a candidate may be a scalar, a {value} object,
or a list of either (v2.yaml's GetItemSearchFieldResponse declares `item` an untyped object; entity-search
items carry custom_fields as a list of strings)."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest

from target_pipedrive.account.catalog import FieldDef
from target_pipedrive.account.finder import EntityFinder, normalize
from target_pipedrive.account.match import MatchField
from target_pipedrive.account.prefetch import has_value
from target_pipedrive.pipedrive.entities import PERSON

KEY = "a" * 40
EXTERNAL = MatchField(PERSON, "custom", KEY, FieldDef(KEY, "External ID", "varchar", True))
VALUE = MatchField(PERSON, "custom", KEY, FieldDef(KEY, "Lifetime Value", "double", True))


class ItemSearch:
    """itemSearch/field answering the hits it is given, whatever the term."""

    def __init__(self, *hits: Any) -> None:
        self.hits = list(hits)

    def paginate_v2(self, path: str, params: dict[str, Any], items_key: str | None = None) -> Iterator[Any]:
        assert path == "/api/v2/itemSearch/field" and params["field"] == KEY
        yield from self.hits


def found(match: MatchField, value: str, *hits: Any) -> int | None:
    finder = EntityFinder(ItemSearch(*hits), prefetch=False)  # type: ignore[arg-type]
    return finder.find(match, value)


@pytest.mark.parametrize(
    "hit",
    [
        {"id": 7, KEY: ["other", "u-1"]},
        {"id": 7, KEY: [{"value": "other"}, {"value": "u-1"}]},
        {"result_score": 1.0, "item": {"id": 7, KEY: [" u-1 "]}},
        {"result_score": 1.0, "item": {"id": 7, "custom_fields": ["Gold", "u-1"]}},
        {"id": 7, "custom_fields": [{"value": "u-1", "label": None}]},
    ],
    ids=["strings", "value-objects", "schema-form", "entity-search-custom-fields", "objects-elsewhere"],
)
def test_a_hit_whose_candidate_is_a_list_is_accepted_when_an_element_equals(hit):
    assert found(EXTERNAL, "u-1", hit) == 7


@pytest.mark.parametrize(
    "hit",
    [
        {"id": 7, KEY: ["U-1", "u-10"]},  # itemSearch/field compares exactly: case and prefix matter
        {"id": 7, KEY: []},
        {"id": 7, KEY: [None, {"value": None}]},
        {"id": 7, "custom_fields": ["u-1"], KEY: ["u-2"]},  # the field's own key decides
    ],
)
def test_a_list_without_the_value_is_no_hit(hit):
    assert found(EXTERNAL, "u-1", hit) is None


def test_numbers_in_a_list_compare_as_numbers():
    assert found(VALUE, "12", {"id": 3, KEY: ["7", 12.0]}) == 3
    assert found(VALUE, "12", {"id": 3, KEY: ["twelve", 12.5]}) is None


def test_two_hits_with_the_value_in_their_lists_are_an_ambiguity():
    with pytest.raises(ValueError, match=r"ids 3, 4"):
        found(EXTERNAL, "u-1", {"id": 3, KEY: ["u-1"]}, {"id": 4, KEY: [{"value": "u-1"}]})


def test_a_listed_or_searched_entity_with_custom_fields_as_a_list_is_read_too():
    assert has_value(EXTERNAL, {"id": 1, "custom_fields": ["x", "u-1"]}, "u-1", normalize)
    assert has_value(EXTERNAL, {"id": 1, "custom_fields": {KEY: ["u-1"]}}, "u-1", normalize)
    assert not has_value(EXTERNAL, {"id": 1, "custom_fields": ["u-2"]}, "u-1", normalize)
    assert has_value(EXTERNAL, {"id": 1, "custom_fields": {KEY: {"value": "u-1"}}}, "u-1", normalize)
