"""The bodies Pipedrive refuses get a 400 with a Pipedrive-style message, whether or not the contract
check runs in front (these run without it, to prove the sandbox's own rules)."""

from __future__ import annotations

import pytest
from sandbox_helpers import call, create, field_key

TIER, INTERESTS = field_key("person", "Tier"), field_key("person", "Interests")
VALUE, RENEWAL = field_key("person", "Lifetime Value"), field_key("person", "Birthday")


@pytest.mark.parametrize(
    ("method", "path", "body", "message"),
    [
        ("POST", "/api/v2/persons", {"emails": [{"value": "x@y.z"}]}, "Name must be given."),
        ("PATCH", "/api/v2/persons/{person}", {"name": ""}, "Name must be given."),
        ("POST", "/api/v2/organizations", {"visible_to": 3}, "Name must be given."),
        ("POST", "/api/v2/deals", {"value": 5}, "Title must be given."),
        ("POST", "/api/v2/persons", {"name": "A", "visible_to": 4}, "visible_to must be one of 1, 3 on"),
        ("POST", "/api/v2/persons", {"name": "A", "visible_to": "3"}, "'visible_to' must be an integer"),
        ("POST", "/api/v2/persons", {"name": "A", "emails": "a@b.c"}, "'emails' must be an array"),
        ("POST", "/api/v2/persons", {"name": "A", "phones": [{"number": "1"}]}, "'phones' must be an array"),
        (
            "POST",
            "/api/v2/persons",
            {"name": "A", "email": "a@b.c"},
            "Invalid field(s) in the payload: email",
        ),
        ("PATCH", "/api/v2/persons/{person}", {"add_time": "2026-01-01"}, "Invalid field(s) in the payload"),
        ("POST", "/api/v2/persons", {"name": "A", "custom_fields": {"f" * 40: "x"}}, "does not exist"),
        ("POST", "/api/v2/persons", {"name": "A", "custom_fields": {TIER: 99999}}, "Invalid option id"),
        ("POST", "/api/v2/persons", {"name": "A", "custom_fields": {TIER: "Gold"}}, "Invalid option id"),
        ("POST", "/api/v2/persons", {"name": "A", "custom_fields": {INTERESTS: []}}, "set field"),
        ("POST", "/api/v2/persons", {"name": "A", "custom_fields": {INTERESTS: [99999]}}, "set field"),
        ("POST", "/api/v2/persons", {"name": "A", "custom_fields": {VALUE: 5}}, "Monetary field"),
        ("POST", "/api/v2/persons", {"name": "A", "custom_fields": {RENEWAL: "01/02/2026"}}, "YYYY-MM-DD"),
        ("POST", "/api/v2/deals", {"title": "T", "value": "5"}, "'value' must be a number"),
        ("POST", "/api/v2/deals", {"title": "T", "stage_id": 99}, "Stage with id 99 does not exist"),
        ("POST", "/api/v2/deals", {"title": "T", "status": "closed"}, "status must be one of"),
        ("POST", "/api/v2/deals", {"title": "T", "lost_reason": "x"}, "lost_reason"),
        ("POST", "/api/v2/deals", {"title": "T", "person_id": 999}, "Person with id 999 does not exist"),
        ("POST", "/api/v2/deals", {"title": "T", "org_id": 999}, "Organization with id 999 does not exist"),
        ("POST", "/api/v2/activities", {"subject": "S", "done": 1}, "'done' must be a boolean"),
        (
            "POST",
            "/api/v2/activities",
            {"subject": "S", "type": "yoga"},
            "Activity type 'yoga' does not exist",
        ),
        ("POST", "/api/v2/activities", {"subject": "S", "deal_id": 999}, "Deal with id 999 does not exist"),
        ("POST", "/api/v2/deals", {"title": "T", "is_deleted": True}, "Cannot create a deleted entity"),
        ("POST", "/api/v1/leads", {"title": "L"}, "linked to a person or an organization"),
        ("POST", "/api/v1/leads", {"person_id": "{person}"}, "Title must be given."),
        ("POST", "/api/v1/leads", {"title": "L", "organization_id": 999}, "Organization with id 999"),
        ("POST", "/api/v1/leads", {"title": "L", "person_id": "{person}", "visible_to": 3}, "visible_to"),
        (
            "POST",
            "/api/v1/leads",
            {"title": "L", "person_id": "{person}", "value": {"amount": 5}},
            "currency",
        ),
        ("POST", "/api/v1/notes", {"content": "hi"}, "must be linked"),
        ("POST", "/api/v1/notes", {"person_id": "{person}"}, "Content must be given."),
        ("POST", "/api/v1/notes", {"content": "c", "deal_id": 5}, "Cannot add/update note because deal"),
        ("POST", "/api/v2/persons", "not json", "not valid JSON"),
    ],
)
def test_bodies_pipedrive_refuses_get_400(sandbox, method, path, body, message):
    sandbox.configure(validate=False)
    person = create(sandbox, "persons", name="Someone")
    if isinstance(body, dict):
        body = {k: person["id"] if v == "{person}" else v for k, v in body.items()}
        response = call(sandbox, method, path.format(person=person["id"]), json=body)
    else:
        response = call(sandbox, method, path, data=body, headers={"Content-Type": "application/json"})
    assert response.status_code == 400, response.text
    assert response.json()["success"] is False and response.json()["data"] is None
    assert message in response.json()["error"]


def test_refused_writes_change_nothing(sandbox):
    sandbox.configure(validate=False)
    call(sandbox, "POST", "/api/v2/persons", json={"name": "A", "custom_fields": {TIER: 1}})
    assert sandbox.entities("persons") == []
