"""API v1 where no v2 exists: leads, notes, the field lists, lead labels, activity types, users/me."""

from __future__ import annotations

import re

import pytest
from sandbox_helpers import call, create, field_key


def test_lead_lifecycle_with_flat_custom_fields(sandbox):
    person = create(sandbox, "persons")
    region = field_key("deal", "External ID")
    response = call(
        sandbox,
        "POST",
        "/api/v1/leads",
        json={"title": "L", "person_id": person["id"], "visible_to": "3", region: "X-1"},
    )
    assert response.status_code == 201
    lead = response.json()["data"]
    assert re.fullmatch(r"[0-9a-f-]{36}", lead["id"]) and lead[region] == "X-1"
    assert lead["visible_to"] == "3" and re.fullmatch(
        r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z", lead["add_time"]
    )
    patched = call(
        sandbox, "PATCH", f"/api/v1/leads/{lead['id']}", json={"value": {"amount": 5, "currency": "EUR"}}
    )
    assert patched.status_code == 200 and patched.json()["data"]["value"] == {"amount": 5, "currency": "EUR"}
    assert call(sandbox, "GET", f"/api/v1/leads/{lead['id']}").json()["data"][region] == "X-1"
    assert call(sandbox, "DELETE", f"/api/v1/leads/{lead['id']}").json() == {
        "success": True,
        "data": {"id": lead["id"]},
    }
    assert call(sandbox, "GET", f"/api/v1/leads/{lead['id']}").status_code == 404


def test_unknown_lead_is_404(sandbox):
    missing = "00000000-0000-4000-8000-000000000000"
    assert call(sandbox, "PATCH", f"/api/v1/leads/{missing}", json={"title": "x"}).status_code == 404


def test_note_lifecycle(sandbox):
    person = create(sandbox, "persons")
    response = call(sandbox, "POST", "/api/v1/notes", json={"content": "c", "person_id": person["id"]})
    assert response.status_code == 200  # v1 notes answer a create with 200, not 201
    note = response.json()["data"]
    assert re.fullmatch(r"\d{4}-\d\d-\d\d \d\d:\d\d:\d\d", note["add_time"])
    assert note["pinned_to_person_flag"] is False
    put = call(
        sandbox, "PUT", f"/api/v1/notes/{note['id']}", json={"content": "d", "pinned_to_person_flag": 1}
    )
    assert put.json()["data"]["content"] == "d" and put.json()["data"]["pinned_to_person_flag"] is True
    assert call(sandbox, "DELETE", f"/api/v1/notes/{note['id']}").json() == {"success": True, "data": True}
    assert call(sandbox, "GET", f"/api/v1/notes/{note['id']}").status_code == 404


def test_v1_paging_and_alias(sandbox):
    person = create(sandbox, "persons")
    for n in range(3):
        create(sandbox, "notes", content=f"n{n}", person_id=person["id"])
    body = call(sandbox, "GET", "/v1/notes", params={"limit": 2}).json()  # /v1 is an alias of /api/v1
    assert body["additional_data"]["pagination"] == {
        "start": 0,
        "limit": 2,
        "more_items_in_collection": True,
        "next_start": 2,
    }
    rest = call(sandbox, "GET", "/api/v1/notes", params={"start": 2, "limit": 2}).json()
    assert [n["content"] for n in rest["data"]] == ["n2"]
    assert rest["additional_data"]["pagination"]["more_items_in_collection"] is False


def test_account_endpoints(sandbox):
    me = call(sandbox, "GET", "/api/v1/users/me").json()["data"]
    assert (me["id"], me["company_domain"], me["default_currency"]) == (1, "sandbox", "USD")
    assert me["company_id"] == 1  # the target keys its writer lock by it
    types = call(sandbox, "GET", "/api/v1/activityTypes").json()["data"]
    assert [t["key_string"] for t in types] == ["call", "meeting", "task", "deadline", "email", "lunch"]
    labels = call(sandbox, "GET", "/api/v1/leadLabels").json()["data"]
    assert all(re.fullmatch(r"[0-9a-f-]{36}", label["id"]) for label in labels)
    lead_fields = call(sandbox, "GET", "/api/v1/leadFields").json()
    keys = {f["key"] for f in lead_fields["data"]}
    assert "title" in keys and field_key("deal", "Region") in keys
    assert "pagination" in lead_fields["additional_data"]
    note_fields = call(sandbox, "GET", "/api/v1/noteFields").json()["data"]
    assert "content" in {f["key"] for f in note_fields}


@pytest.mark.parametrize("path", ["/api/v1/users/me", "/api/v1/activityTypes", "/api/v2/personFields"])
def test_read_only_endpoints_refuse_writes(sandbox, path):
    sandbox.configure(validate=False)
    assert call(sandbox, "POST", path, json={}).status_code in (404, 405)
