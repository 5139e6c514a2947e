"""API v2 entities: envelopes, defaults, updates, deletes, 404s, lists with ids/filters and cursors."""

from __future__ import annotations

import pytest
from sandbox_helpers import call, create, field_key, option_id


def test_person_lifecycle_with_envelopes(sandbox):
    created = create(sandbox, "persons", name="Ada", emails=[{"value": "a@b.c"}, {"value": "x@y.z"}])
    assert created["emails"] == [
        {"value": "a@b.c", "primary": True, "label": "work"},
        {"value": "x@y.z", "primary": False, "label": "work"},
    ]
    assert created["visible_to"] == 3 and created["owner_id"] == 1 and created["is_deleted"] is False
    assert created["add_time"].endswith("Z") and "T" in created["add_time"]
    got = call(sandbox, "GET", f"/api/v2/persons/{created['id']}").json()
    assert got == {"success": True, "data": created}
    patched = call(sandbox, "PATCH", f"/api/v2/persons/{created['id']}", json={"name": "Q"}).json()
    assert patched["data"]["name"] == "Q" and patched["data"]["emails"] == created["emails"]
    deleted = call(sandbox, "DELETE", f"/api/v2/persons/{created['id']}").json()
    assert deleted == {"success": True, "data": {"id": created["id"]}}
    missing = call(sandbox, "GET", f"/api/v2/persons/{created['id']}")
    assert missing.status_code == 404
    assert missing.json() == {
        "success": False,
        "error": "Person not found",
        "error_info": "Please check developers.pipedrive.com",
        "data": None,
        "additional_data": None,
    }


@pytest.mark.parametrize("kind", ["persons", "organizations", "deals", "activities"])
@pytest.mark.parametrize("method", ["GET", "PATCH", "DELETE"])
def test_unknown_ids_are_404(sandbox, kind, method):
    body = (
        {"name": "x"} if kind in ("persons", "organizations") else {"title": "x"} if kind == "deals" else {}
    )
    response = call(sandbox, method, f"/api/v2/{kind}/424242", json=body if method == "PATCH" else None)
    assert response.status_code == 404
    assert response.json()["success"] is False


def test_unknown_route_is_404(sandbox):
    assert call(sandbox, "GET", "/api/v2/unicorns").status_code == 404
    assert call(sandbox, "GET", "/api/v3/persons").status_code == 404


def test_deal_defaults_and_status_times(sandbox):
    deal = create(sandbox, "deals", title="D")
    assert (deal["stage_id"], deal["pipeline_id"], deal["status"], deal["currency"]) == (1, 1, "open", "USD")
    assert deal["person_id"] is None and deal["won_time"] is None  # v2 sends unset properties as null
    won = call(sandbox, "PATCH", f"/api/v2/deals/{deal['id']}", json={"status": "won", "stage_id": 5}).json()
    assert won["data"]["won_time"] and won["data"]["stage_id"] == 5
    lost = call(
        sandbox, "PATCH", f"/api/v2/deals/{deal['id']}", json={"status": "lost", "lost_reason": "Price"}
    )
    assert lost.json()["data"]["lost_reason"] == "Price" and lost.json()["data"]["lost_time"]
    reopened = call(sandbox, "PATCH", f"/api/v2/deals/{deal['id']}", json={"status": "open"}).json()["data"]
    assert [reopened[k] for k in ("won_time", "lost_time", "close_time", "lost_reason")] == [None] * 4


def test_patch_merges_custom_fields_and_replaces_lists(sandbox):
    ext, tier = field_key("person", "External ID"), field_key("person", "Tier")
    gold = option_id("person", "Tier", "Gold", sandbox)
    created = create(sandbox, "persons", custom_fields={ext: "E-1"}, phones=[{"value": "1"}, {"value": "2"}])
    patched = call(
        sandbox,
        "PATCH",
        f"/api/v2/persons/{created['id']}",
        json={"custom_fields": {tier: gold}, "phones": [{"value": "3"}]},
    ).json()["data"]
    assert patched["custom_fields"] == {ext: "E-1", tier: gold}
    assert [p["value"] for p in patched["phones"]] == ["3"]


def test_activity_person_comes_from_the_primary_participant(sandbox):
    first, second = create(sandbox, "persons", name="A"), create(sandbox, "persons", name="B")
    activity = create(
        sandbox,
        "activities",
        subject="Call",
        type="call",
        participants=[
            {"person_id": first["id"], "primary": False},
            {"person_id": second["id"], "primary": True},
        ],
    )
    assert activity["person_id"] == second["id"] and activity["done"] is False


def test_list_with_ids_and_filters(sandbox):
    org = create(sandbox, "organizations", name="Org")
    people = [
        create(sandbox, "persons", name=f"P{n}", **({"org_id": org["id"]} if n % 2 else {})) for n in range(4)
    ]
    ids = f"{people[0]['id']},{people[2]['id']},999"
    listed = call(sandbox, "GET", "/api/v2/persons", params={"ids": ids}).json()
    assert [p["name"] for p in listed["data"]] == ["P0", "P2"]
    assert listed["additional_data"] == {"next_cursor": None}
    by_org = call(sandbox, "GET", "/api/v2/persons", params={"org_id": org["id"]}).json()["data"]
    assert [p["name"] for p in by_org] == ["P1", "P3"]
    newest = call(sandbox, "GET", "/api/v2/persons", params={"sort_by": "id", "sort_direction": "desc"})
    assert [p["name"] for p in newest.json()["data"]] == ["P3", "P2", "P1", "P0"]


def test_deleted_entities_leave_lists(sandbox):
    kept, gone = create(sandbox, "persons", name="Kept"), create(sandbox, "persons", name="Gone")
    call(sandbox, "DELETE", f"/api/v2/persons/{gone['id']}")
    assert [p["id"] for p in call(sandbox, "GET", "/api/v2/persons").json()["data"]] == [kept["id"]]
    assert [p["name"] for p in sandbox.entities("persons")] == ["Kept"]


def test_cursor_paging(sandbox):
    for n in range(5):
        create(sandbox, "persons", name=f"P{n}")
    seen, cursor, pages = [], None, 0
    while True:
        params = {"limit": 2, **({"cursor": cursor} if cursor else {})}
        body = call(sandbox, "GET", "/api/v2/persons", params=params).json()
        seen += [p["name"] for p in body["data"]]
        cursor, pages = body["additional_data"]["next_cursor"], pages + 1
        if cursor is None:
            break
        assert isinstance(cursor, str) and "=" not in cursor
    assert seen == [f"P{n}" for n in range(5)] and pages == 3


@pytest.mark.parametrize("params", [{"limit": 0}, {"limit": 501}, {"cursor": "not-a-cursor"}])
def test_bad_paging_parameters_are_400(sandbox, params):
    sandbox.configure(validate=False)  # our own checks, behind the contract's
    assert call(sandbox, "GET", "/api/v2/persons", params=params).status_code == 400


def test_fields_endpoints(sandbox):
    fields = call(sandbox, "GET", "/api/v2/personFields", params={"limit": 500}).json()["data"]
    by_name = {f["field_name"]: f for f in fields if f["is_custom_field"]}
    assert set(by_name) == {"External ID", "Tier", "Interests", "Lifetime Value", "Birthday", "Home Address"}
    assert [o["label"] for o in by_name["Tier"]["options"]] == ["Gold", "Silver", "Bronze"]
    assert all(len(f["field_code"]) == 40 and int(f["field_code"], 16) >= 0 for f in by_name.values())
    builtins = {f["field_code"]: f["field_type"] for f in fields if not f["is_custom_field"]}
    assert (
        builtins["name"] == "varchar"
        and builtins["owner_id"] == "user"
        and builtins["visible_to"] == "visible_to"
    )
    orgs = call(sandbox, "GET", "/api/v2/organizationFields").json()["data"]
    assert {"External ID", "Segment"} <= {f["field_name"] for f in orgs}
    deals = call(sandbox, "GET", "/api/v2/dealFields").json()["data"]
    assert {"External ID", "Contract Value", "Renewal Date", "Region"} <= {f["field_name"] for f in deals}
    activity = call(sandbox, "GET", "/api/v2/activityFields").json()["data"]
    assert activity and not any(f["is_custom_field"] for f in activity)
