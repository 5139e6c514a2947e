"""Search as documented: fields, exact_match, term length, searchable types only, paging, index lag."""

from __future__ import annotations

import time

import requests
from pipedrive_sandbox.cli import parser
from pipedrive_sandbox.search import entity_search
from sandbox_helpers import assert_matches_spec, call, create, field_key, option_id

EXT = field_key("person", "External ID")


def search(sandbox, path="/api/v2/persons/search", **params):
    response = call(sandbox, "GET", path, params=params)
    assert response.status_code == 200, response.text
    data = response.json()["data"]
    return data["items"] if isinstance(data, dict) else data


def test_exact_match_ignores_case_and_answers_string_arrays(sandbox):
    org = create(sandbox, "organizations", name="Acme")
    ada = create(
        sandbox,
        "persons",
        name="Ada",
        org_id=org["id"],
        emails=[{"value": "Ada@Example.com"}],
        phones=[{"value": "+1 555"}],
    )
    [hit] = search(sandbox, term="ada@example.com", fields="email", exact_match="true")
    assert hit["item"]["id"] == ada["id"] and hit["result_score"] > 0
    assert hit["item"]["emails"] == ["Ada@Example.com"] and hit["item"]["phones"] == ["+1 555"]
    assert hit["item"]["type"] == "person" and hit["item"]["organization"]["name"] == "Acme"
    assert search(sandbox, term="ada@example", fields="email", exact_match="true") == []


def test_without_exact_match_a_substring_matches(sandbox):
    create(sandbox, "persons", name="Grace Hopper")
    create(sandbox, "persons", name="Ada")
    assert [h["item"]["name"] for h in search(sandbox, term="hop", fields="name")] == ["Grace Hopper"]
    assert search(sandbox, term="hop", fields="email") == []  # only the fields asked for


def test_term_length(sandbox):
    create(sandbox, "persons", name="A")
    sandbox.configure(validate=False)
    assert call(sandbox, "GET", "/api/v2/persons/search", params={"term": "a"}).status_code == 400
    assert len(search(sandbox, term="a", fields="name", exact_match="true")) == 1


def test_bad_fields_value_is_400(sandbox):
    sandbox.configure(validate=False)
    response = call(sandbox, "GET", "/api/v2/persons/search", params={"term": "ab", "fields": "title"})
    assert response.status_code == 400


def test_only_searchable_custom_field_types_are_indexed(sandbox):
    tier = field_key("person", "Tier")
    gold = option_id("person", "Tier", "Gold", sandbox)
    create(sandbox, "persons", name="X", custom_fields={EXT: "ext-42", tier: gold})
    assert len(search(sandbox, term="ext-42", fields="custom_fields", exact_match="true")) == 1
    assert search(sandbox, term=str(gold), fields="custom_fields", exact_match="true") == []


def test_entity_searches_of_each_kind(sandbox):
    person = create(sandbox, "persons", name="Pat")
    org = create(sandbox, "organizations", name="Orgly", address={"value": "1 Main St"})
    deal = create(sandbox, "deals", title="Big deal", person_id=person["id"], org_id=org["id"])
    lead_key = field_key("deal", "External ID")
    lead = create(sandbox, "leads", title="Warm lead", person_id=person["id"], **{lead_key: "L-7"})
    [org_hit] = search(sandbox, "/api/v2/organizations/search", term="main st", fields="address")
    assert org_hit["item"]["id"] == org["id"] and org_hit["item"]["address"] == "1 Main St"
    [deal_hit] = search(sandbox, "/api/v2/deals/search", term="big", person_id=person["id"])
    assert deal_hit["item"]["id"] == deal["id"] and deal_hit["item"]["stage"]["id"] == 1
    assert search(sandbox, "/api/v2/deals/search", term="big", status="won") == []
    [lead_hit] = search(
        sandbox, "/api/v2/leads/search", term="L-7", fields="custom_fields", exact_match="true"
    )
    assert lead_hit["item"]["id"] == lead["id"] and lead_hit["item"]["type"] == "lead"


def test_item_search_across_types(sandbox):
    create(sandbox, "persons", name="Zed Person")
    create(sandbox, "organizations", name="Zed Org")
    create(sandbox, "deals", title="Other")
    response = call(sandbox, "GET", "/api/v2/itemSearch", params={"term": "zed"}).json()
    assert sorted(h["item"]["type"] for h in response["data"]["items"]) == ["organization", "person"]
    assert response["data"]["related_items"] == []
    only = call(sandbox, "GET", "/api/v2/itemSearch", params={"term": "zed", "item_types": "organization"})
    assert [h["item"]["type"] for h in only.json()["data"]["items"]] == ["organization"]


def test_field_search_is_case_sensitive_with_match_modes(sandbox):
    created = create(sandbox, "persons", custom_fields={EXT: "Ext-100"})
    params = {"entity_type": "person", "field": EXT}
    assert search(sandbox, "/api/v2/itemSearch/field", term="Ext-100", match="exact", **params) == [
        {"id": created["id"], EXT: "Ext-100"}
    ]
    assert search(sandbox, "/api/v2/itemSearch/field", term="ext-100", match="exact", **params) == []
    assert len(search(sandbox, "/api/v2/itemSearch/field", term="Ext", match="beginning", **params)) == 1
    assert search(sandbox, "/api/v2/itemSearch/field", term="100", match="beginning", **params) == []
    assert len(search(sandbox, "/api/v2/itemSearch/field", term="t-10", match="middle", **params)) == 1


def test_field_search_refuses_unsearchable_fields(sandbox):
    params = {"entity_type": "person", "field": field_key("person", "Tier"), "term": "1", "match": "exact"}
    assert call(sandbox, "GET", "/api/v2/itemSearch/field", params=params).status_code == 400


def test_search_limit_and_cursor(sandbox):
    for n in range(5):
        create(sandbox, "persons", name=f"Same {n}")
    first = call(sandbox, "GET", "/api/v2/persons/search", params={"term": "same", "limit": 3}).json()
    assert len(first["data"]["items"]) == 3
    cursor = first["additional_data"]["next_cursor"]
    rest = call(
        sandbox, "GET", "/api/v2/persons/search", params={"term": "same", "limit": 3, "cursor": cursor}
    )
    assert len(rest.json()["data"]["items"]) == 2 and rest.json()["additional_data"]["next_cursor"] is None


def test_search_index_lags_behind_writes_but_get_does_not(sandbox):
    sandbox.configure(search_delay=0.4)
    created = create(sandbox, "persons", name="Lagging")
    assert search(sandbox, term="Lagging", fields="name", exact_match="true") == []
    assert call(sandbox, "GET", f"/api/v2/persons/{created['id']}").status_code == 200
    time.sleep(0.25)
    call(sandbox, "PATCH", f"/api/v2/persons/{created['id']}", json={"name": "Renamed"})
    time.sleep(0.25)
    # Each change becomes visible on its own schedule: the rename has not reached search yet.
    hits = search(sandbox, term="Lagging", fields="name", exact_match="true")
    assert [h["item"]["id"] for h in hits] == [created["id"]]
    time.sleep(0.25)
    assert search(sandbox, term="Lagging", fields="name", exact_match="true") == []
    assert len(search(sandbox, term="Renamed", fields="name", exact_match="true")) == 1


def test_deleted_entities_leave_search(sandbox):
    created = create(sandbox, "persons", name="Gone")
    call(sandbox, "DELETE", f"/api/v2/persons/{created['id']}")
    assert search(sandbox, term="Gone", fields="name", exact_match="true") == []


def test_exact_search_stays_fast_with_many_entities(sandbox):
    # In process: the search window would refuse this many calls over HTTP.
    store = sandbox.sandbox.store
    for n in range(5000):
        store.create("persons", {"id": n + 1, "name": f"N{n}", "emails": [{"value": f"p{n}@x.io"}]})
    started = time.perf_counter()
    for n in range(0, 5000, 50):
        query = {"term": f"P{n}@X.io", "fields": "email", "exact_match": "true"}
        _, body = entity_search(store, "persons", query)
        assert [hit["item"]["id"] for hit in body["data"]["items"]] == [n + 1]
    assert (time.perf_counter() - started) / 100 < 0.005


FIELD_SEARCH = "/api/v2/itemSearch/field"


def test_field_search_answers_the_spec_examples_flat_form_by_default(sandbox):
    created = create(sandbox, "persons", name="Jane Doe", custom_fields={EXT: "Ext-7"})
    answer = call(
        sandbox, "GET", FIELD_SEARCH, params={"entity_type": "person", "field": "name", "term": "Jane Doe"}
    )
    assert answer.json()["data"] == [{"id": created["id"], "name": "Jane Doe"}]
    assert_matches_spec(sandbox, answer)


def test_field_search_can_answer_in_the_schemas_form(sandbox):
    sandbox.configure(item_search_form="schema")
    created = create(sandbox, "persons", name="Jane Doe", custom_fields={EXT: "Ext-7"})
    params = {"entity_type": "person", "field": EXT, "term": "Ext-7"}
    answer = call(sandbox, "GET", FIELD_SEARCH, params=params)
    assert answer.json()["data"] == [{"result_score": 1.0, "item": {"id": created["id"], EXT: "Ext-7"}}]
    assert_matches_spec(sandbox, answer)
    middle = search(sandbox, FIELD_SEARCH, **{**params, "term": "t-", "match": "middle"})
    assert [(hit["item"]["id"], hit["item"][EXT]) for hit in middle] == [(created["id"], "Ext-7")]
    assert 0 < middle[0]["result_score"] < 1
    by_name = search(
        sandbox, FIELD_SEARCH, entity_type="person", field="name", term="Jane", match="beginning"
    )
    assert [hit["item"] for hit in by_name] == [{"id": created["id"], "name": "Jane Doe"}]
    sandbox.reset()  # back to the form the sandbox was started with
    create(sandbox, "persons", name="Jane Doe")
    assert (
        "result_score"
        not in search(sandbox, FIELD_SEARCH, entity_type="person", field="name", term="Jane Doe")[0]
    )


def test_item_search_form_is_an_option_everywhere(sandbox_factory):
    schema = sandbox_factory(item_search_form="schema")
    create(schema, "persons", name="Ann")
    hit = search(schema, FIELD_SEARCH, entity_type="person", field="name", term="Ann")[0]
    assert set(hit) == {"result_score", "item"}
    config = requests.post(f"{schema.url}/_sandbox/config", json={"item_search_form": "example"}, timeout=10)
    assert config.status_code == 200
    assert set(search(schema, FIELD_SEARCH, entity_type="person", field="name", term="Ann")[0]) == {
        "id",
        "name",
    }
    refused = requests.post(f"{schema.url}/_sandbox/config", json={"item_search_form": "other"}, timeout=10)
    assert refused.status_code == 400
    assert parser().parse_args(["--item-search-form", "schema"]).item_search_form == "schema"
