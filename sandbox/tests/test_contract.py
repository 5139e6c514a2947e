"""Contract validation against Pipedrive's OpenAPI files: refused requests name the rule they broke,
token costs come from x-token-cost, and the sandbox's own answers match the description."""

from __future__ import annotations

import logging
import os
import time

import pytest
from pipedrive_sandbox.contract import ContractValidator
from pipedrive_sandbox.server import SandboxServer
from sandbox_helpers import assert_matches_spec, call, create, field_key


@pytest.mark.parametrize(
    ("method", "path", "params", "body", "rule"),
    [
        (
            "PATCH",
            "/api/v2/persons/{person}",
            None,
            {"visible_to": "3"},
            "visible_to: '3' is not of type 'integer'",
        ),
        (
            "POST",
            "/api/v2/persons",
            None,
            {"name": "A", "emails": "a@b.c"},
            "emails: 'a@b.c' is not of type 'array'",
        ),
        ("POST", "/api/v2/organizations", None, {"visible_to": 3}, "'name' is a required property"),
        ("POST", "/api/v2/deals", None, {"title": "T", "value": "5"}, "value: '5' is not of type 'number'"),
        ("POST", "/api/v2/activities", None, {"subject": "S", "done": 1}, "done: 1 is not of type 'boolean'"),
        ("POST", "/api/v2/persons", None, {"name": "A", "org_id": None}, "org_id: None for not nullable"),
        ("GET", "/api/v2/persons/search", None, None, "Missing required query parameter: term"),
        ("GET", "/api/v2/persons", {"limit": "ten"}, None, "limit"),
        (
            "GET",
            "/api/v2/itemSearch/field",
            {"term": "x", "field": "f", "entity_type": "x"},
            None,
            "entity_type",
        ),
        ("POST", "/api/v1/notes", None, {"content": 5, "person_id": 1}, "content: 5 is not of type 'string'"),
    ],
)
def test_requests_the_description_refuses_get_400_naming_the_rule(sandbox, method, path, params, body, rule):
    assert sandbox.validating, "the tests run with Pipedrive's OpenAPI files"
    person = create(sandbox, "persons")
    response = call(sandbox, method, path.format(person=person["id"]), params=params, json=body)
    assert response.status_code == 400, response.text
    error = response.json()["error"]
    assert error.startswith("Request violates the API contract: ") and rule in error, error
    assert sandbox.log()[-1]["contract"] in error and sandbox.counters()["contract_rejections"] == 1


def test_unknown_body_property_is_refused_though_the_description_allows_it(sandbox):
    # Pipedrive's v2 body schemas set no additionalProperties: the description lets `email` through,
    # the service refuses it, and so does the sandbox, by its own rule.
    response = call(sandbox, "POST", "/api/v2/persons", json={"name": "A", "email": "a@b.c"})
    assert response.status_code == 400
    assert response.json()["error"] == "Invalid field(s) in the payload: email"


def test_token_costs_come_from_the_description(sandbox):
    contract = sandbox.sandbox.contract
    expected = {
        ("GET", "/api/v2/persons/search"): 20,
        ("GET", "/api/v2/persons/7"): 1,
        ("GET", "/api/v2/persons"): 10,
        ("POST", "/api/v2/deals"): 5,
        ("PATCH", "/api/v2/deals/3"): 5,
        ("DELETE", "/api/v2/activities/3"): 3,
        ("POST", "/api/v1/notes"): 10,
        ("PUT", "/api/v1/notes/1"): 10,
        ("GET", "/api/v1/leadLabels"): 10,
        ("GET", "/api/v1/users/me"): 2,
    }
    assert {key: contract.cost(*key) for key in expected} == expected


def test_without_the_description_it_runs_unvalidated_on_our_cost_table(tmp_path, caplog):
    with (
        caplog.at_level(logging.WARNING, logger="pipedrive_sandbox"),
        SandboxServer(openapi_dir=str(tmp_path)) as server,
    ):
        assert not server.validating and "NOT validated" in caplog.text
        response = call(server, "PATCH", "/api/v2/persons/1", json={"visible_to": "3"})
        assert response.status_code == 400 and "contract" not in response.json()["error"]  # our own rule
        call(server, "GET", "/api/v1/leadLabels")
        assert server.log()[-1]["cost"] == 10  # the sandbox's own table (costs.py), as the description says


def test_validation_can_be_switched_off_at_run_time(sandbox):
    sandbox.configure(validate=False)
    response = call(sandbox, "GET", "/api/v2/persons/search", params={"term": "ab", "unknown": "1"})
    assert response.status_code == 200


def test_validation_overhead_stays_small():
    contract = ContractValidator(os.environ["PIPEDRIVE_OPENAPI_DIR"])
    body = b'{"name": "Ada", "emails": [{"value": "ada@example.com"}], "visible_to": 3}'
    contract.check("POST", "/api/v2/persons", "", body)
    started = time.perf_counter()
    for _ in range(100):
        assert contract.check("POST", "/api/v2/persons", "", body) is None
        assert contract.check("GET", "/api/v2/persons/search", "term=ada&exact_match=true", None) is None
    assert (time.perf_counter() - started) / 200 < 0.02  # measured ~1 ms; generous for a busy CI box


@pytest.mark.parametrize(
    ("method", "path", "params", "body"),
    [
        ("POST", "/api/v2/persons", None, {"name": "R", "emails": [{"value": "r@e.com"}], "org_id": "{org}"}),
        ("GET", "/api/v2/persons/{person}", None, None),
        ("PATCH", "/api/v2/persons/{person}", None, {"name": "S"}),
        ("DELETE", "/api/v2/persons/{person}", None, None),
        ("GET", "/api/v2/persons", {"limit": "1"}, None),
        ("POST", "/api/v2/organizations", None, {"name": "O", "visible_to": 3}),
        ("GET", "/api/v2/organizations/{org}", None, None),
        ("POST", "/api/v2/deals", None, {"title": "D", "person_id": "{person}", "value": 10}),
        ("GET", "/api/v2/deals", None, None),
        ("POST", "/api/v2/activities", None, {"subject": "S", "type": "call", "done": False}),
        ("GET", "/api/v2/activities", None, None),
        ("GET", "/api/v2/persons/search", {"term": "r@e.com", "exact_match": "true"}, None),
        ("GET", "/api/v2/organizations/search", {"term": "Orga"}, None),
        ("GET", "/api/v2/deals/search", {"term": "Deal"}, None),
        ("GET", "/api/v2/leads/search", {"term": "Lead"}, None),
        ("GET", "/api/v2/itemSearch", {"term": "Or"}, None),
        ("GET", "/api/v2/itemSearch/field", {"term": "E-1", "entity_type": "person", "field": "{ext}"}, None),
        ("GET", "/api/v2/personFields", None, None),
        ("GET", "/api/v2/dealFields", None, None),
        ("GET", "/api/v2/organizationFields", None, None),
        ("GET", "/api/v2/activityFields", None, None),
        (
            "POST",
            "/api/v1/leads",
            None,
            {"title": "L", "person_id": "{person}", "value": {"amount": 1, "currency": "EUR"}},
        ),
        ("GET", "/api/v1/leads", None, None),
        ("POST", "/api/v1/notes", None, {"content": "c", "person_id": "{person}"}),
        ("GET", "/api/v1/notes", None, None),
        ("GET", "/api/v1/leadFields", None, None),
        ("GET", "/api/v1/noteFields", None, None),
        ("GET", "/api/v1/leadLabels", None, None),
        ("GET", "/api/v1/activityTypes", None, None),
        ("GET", "/api/v1/users/me", None, None),
    ],
)
def test_answers_match_the_description(sandbox, method, path, params, body):
    ext = field_key("person", "External ID")
    org = create(sandbox, "organizations", name="Orga", address={"value": "Main St 1"})
    person = create(sandbox, "persons", name="R", emails=[{"value": "r@e.com"}], custom_fields={ext: "E-1"})
    create(sandbox, "deals", title="Deal", person_id=person["id"], org_id=org["id"])
    create(sandbox, "leads", title="Lead", person_id=person["id"])
    values = {"{org}": org["id"], "{person}": person["id"], "{ext}": ext}
    if isinstance(body, dict):
        body = {k: values.get(v, v) if isinstance(v, str) else v for k, v in body.items()}
    if params:
        params = {k: values.get(v, v) for k, v in params.items()}
    path = path.replace("{org}", str(org["id"])).replace("{person}", str(person["id"]))
    response = call(sandbox, method, path, params=params, json=body)
    assert response.status_code in (200, 201), response.text
    assert_matches_spec(sandbox, response)
