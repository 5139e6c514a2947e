"""Answers as Pipedrive gives them, and the refusals it makes that a lenient emulator would let through:
explicit nulls, every custom-field type's value shape, undeclared query parameters, read-only fields, and the
deals `status` filter as a comma-separated list (API-fidelity audit rows 10-12)."""

from __future__ import annotations

import json

import pytest
from pipedrive_sandbox.seed import load_seed
from sandbox_helpers import assert_matches_spec, call, create

# --- explicit nulls -------------------------------------------------------------------------------------


def test_v2_answers_carry_explicit_nulls(sandbox):
    person = create(sandbox, "persons", name="Ada")
    assert "org_id" in person and person["org_id"] is None
    deal = call(sandbox, "GET", f"/api/v2/deals/{create(sandbox, 'deals', title='D')['id']}").json()["data"]
    assert {
        k: deal[k] for k in ("person_id", "org_id", "probability", "expected_close_date")
    } == dict.fromkeys(("person_id", "org_id", "probability", "expected_close_date"))
    activity = create(sandbox, "activities", subject="Call")
    assert activity["deal_id"] is None and activity["due_date"] is None


def test_a_cleared_custom_field_is_an_explicit_null(sandbox):
    tier = next(f for f in sandbox.sandbox.store.fields("person") if f["field_name"] == "Tier")
    option = tier["options"][0]["id"]
    person = create(sandbox, "persons", name="Ada", custom_fields={tier["field_code"]: option})
    cleared = call(
        sandbox,
        "PATCH",
        f"/api/v2/persons/{person['id']}",
        json={"custom_fields": {tier["field_code"]: None}},
    ).json()["data"]
    assert (
        tier["field_code"] in cleared["custom_fields"]
        and cleared["custom_fields"][tier["field_code"]] is None
    )


def test_search_hits_carry_explicit_nulls(sandbox):
    create(sandbox, "deals", title="Lonely deal")
    hits = call(sandbox, "GET", "/api/v2/deals/search", params={"term": "Lonely deal", "exact_match": "true"})
    item = hits.json()["data"]["items"][0]["item"]
    assert item.get("person", "missing") is None and item.get("organization", "missing") is None


def test_null_form_omit_answers_in_the_schemas_form(sandbox_factory):
    server = sandbox_factory(null_form="omit")
    person = create(server, "persons", name="Ada")
    assert "org_id" not in person
    server.configure(null_form="explicit")
    assert create(server, "persons", name="Bo")["org_id"] is None
    with pytest.raises(ValueError, match="null_form"):
        server.configure(null_form="sometimes")


# --- custom-field value shapes --------------------------------------------------------------------------

_TYPES = ("time", "timerange", "daterange", "address", "user", "org", "people", "varchar_options")


def _field(entity: str, kind: str) -> dict[str, object]:
    return {
        "field_name": f"My {kind}",
        "field_code": f"{entity[:2]}{kind}".ljust(40, "0").encode().hex()[:40],
        "field_type": kind,
        "options": None,
        "subfields": None,
        "is_custom_field": True,
        "is_optional_response_field": False,
    }


@pytest.fixture
def typed(sandbox_factory, tmp_path):
    """A sandbox whose deals have one custom field of each of the types the default seed lacks."""
    fields = load_seed()["fields"]
    fields["deal"] = [*fields["deal"], *(_field("deal", kind) for kind in _TYPES)]
    seed = tmp_path / "seed.json"
    seed.write_text(json.dumps({"fields": fields}))
    server = sandbox_factory(seed=str(seed), rate_limits=False)
    return server, {kind: str(_field("deal", kind)["field_code"]) for kind in _TYPES}


def _good_and_bad(person: int, org: int) -> list[tuple[str, object, bool]]:
    return [
        ("time", {"value": "09:30:00"}, True),
        ("time", {"value": "09:30:00", "timezone_name": "Europe/Tallinn", "timezone_id": 318}, True),
        ("time", "09:30:00", False),  # v1's form
        ("time", {"value": "nonsense"}, False),
        ("time", {"value": "25:00:00"}, False),
        ("time", {"value": "09:30:00", "colour": "red"}, False),
        ("timerange", {"value": "09:00:00", "until": "17:30:00"}, True),
        ("timerange", {"value": "09:00:00"}, False),
        ("timerange", "09:00-17:00", False),
        ("daterange", {"value": "2026-01-01", "until": "2026-01-31"}, True),
        ("daterange", {"value": "2026-01-31", "until": "2026-01-01"}, False),
        ("daterange", {"value": "2026-01-01"}, False),
        ("daterange", {"value": "01/01/2026", "until": "2026-01-31"}, False),
        ("address", {"value": "1 Main St, Tallinn"}, True),
        ("address", {"value": "1 Main St", "locality": "Tallinn", "country": "Estonia"}, True),
        ("address", "1 Main St", False),
        ("address", {"locality": "Tallinn"}, False),
        ("address", {"value": "1 Main St", "planet": "Earth"}, False),
        ("user", 1, True),
        ("user", 3, True),
        ("user", 999, False),
        ("user", "1", False),
        ("org", org, True),
        ("org", 999, False),
        ("people", person, True),
        ("people", 999, False),
        ("people", [person], False),
        ("varchar_options", "a", True),
        ("varchar_options", 5, False),
    ]


def test_every_custom_field_type_checks_its_value(typed):
    server, keys = typed
    person, org = create(server, "persons", name="P")["id"], create(server, "organizations", name="O")["id"]
    for kind, value, accepted in _good_and_bad(person, org):
        body = {"title": "D", "custom_fields": {keys[kind]: value}}
        response = call(server, "POST", "/api/v2/deals", json=body)
        assert (response.status_code == 200) is accepted, (kind, value, response.text)
        if accepted:
            assert response.json()["data"]["custom_fields"][keys[kind]] == value
        else:
            assert keys[kind] in response.json()["error"], response.text


def test_null_clears_a_field_of_any_type(typed):
    server, keys = typed
    response = call(
        server, "POST", "/api/v2/deals", json={"title": "D", "custom_fields": dict.fromkeys(keys.values())}
    )
    assert response.status_code == 200, response.text


# --- undeclared query parameters, read-only fields ------------------------------------------------------


@pytest.mark.parametrize(
    ("path", "params", "undeclared"),
    [
        ("/api/v2/persons", {"email": "a@b.c"}, "email"),
        ("/api/v2/deals", {"archived_status": "archived"}, "archived_status"),
        ("/api/v2/persons/search", {"term": "ada", "exact": "true"}, "exact"),
        ("/api/v1/notes", {"archived_status": "x"}, "archived_status"),
    ],
)
def test_undeclared_query_parameters_are_refused(sandbox, path, params, undeclared):
    response = call(sandbox, "GET", path, params=params)
    assert response.status_code == 400, response.text
    assert response.json()["error"].endswith(f"not declared for GET {path[7:]}: {undeclared}")


def test_declared_parameters_the_sandbox_ignores_are_accepted(sandbox):
    # include_fields is also a documented comma-separated list of an enum's values.
    params = {"filter_id": "1", "include_fields": "products_count,files_count"}
    assert call(sandbox, "GET", "/api/v2/deals", params=params).status_code == 200
    params = {"include_fields": "products_count,colour"}
    assert call(sandbox, "GET", "/api/v2/deals", params=params).status_code == 400


@pytest.mark.parametrize("validate", [True, False])
def test_an_activitys_person_id_is_read_only(sandbox, validate):
    sandbox.configure(validate=validate)
    person = create(sandbox, "persons", name="P")["id"]
    response = call(sandbox, "POST", "/api/v2/activities", json={"subject": "S", "person_id": person})
    assert response.status_code == 400 and "person_id is read-only" in response.json()["error"]
    activity = create(
        sandbox, "activities", subject="S", participants=[{"person_id": person, "primary": True}]
    )
    assert activity["person_id"] == person
    response = call(sandbox, "PATCH", f"/api/v2/activities/{activity['id']}", json={"person_id": person})
    assert response.status_code == 400 and "participants" in response.json()["error"]


# --- deals status filter --------------------------------------------------------------------------------


def test_deals_status_filter_takes_a_comma_separated_list(sandbox):
    ids = {}
    for status in ("open", "won", "lost"):
        ids[status] = create(sandbox, "deals", title=status, status=status)["id"]
    gone = create(sandbox, "deals", title="gone")["id"]
    assert call(sandbox, "DELETE", f"/api/v2/deals/{gone}").ok

    def listed(status: str) -> list[int]:
        response = call(sandbox, "GET", "/api/v2/deals", params={"status": status})
        assert response.status_code == 200, response.text
        assert_matches_spec(sandbox, response)
        return [deal["id"] for deal in response.json()["data"]]

    assert listed("won") == [ids["won"]]
    assert listed("open,won") == [ids["open"], ids["won"]]
    assert listed("won,lost,open") == [ids["open"], ids["won"], ids["lost"]]
    assert listed("deleted") == [gone]
    assert listed("lost,deleted") == [ids["lost"], gone]
    refused = call(sandbox, "GET", "/api/v2/deals", params={"status": "open,closed"})
    assert refused.status_code == 400 and "status" in refused.json()["error"]
    sandbox.configure(validate=False)
    refused = call(sandbox, "GET", "/api/v2/deals", params={"status": "open,closed"})
    assert refused.status_code == 400 and "comma-separated" in refused.json()["error"]
