"""Deletion only through DELETE, and archived deals and leads (changelog, effective 2025-07-15)."""

from __future__ import annotations

import json

import pytest
from sandbox_helpers import assert_matches_spec, call, create

ARCHIVED_DEAL = {"id": 71, "title": "Old deal", "status": "open", "stage_id": 1, "pipeline_id": 1}
ARCHIVED_LEAD = "11111111-1111-4111-8111-111111111111"


@pytest.fixture
def archived(sandbox_factory, tmp_path):
    """A sandbox seeded with one live and one archived deal, and one live and one archived lead."""
    seed = tmp_path / "seed.json"
    deal = {"currency": "USD", "value": 0, "is_deleted": False, "custom_fields": {}, "owner_id": 1}
    stamps = {"add_time": "2026-01-01T00:00:00Z", "update_time": "2026-01-01T00:00:00Z"}
    lead = {"owner_id": 1, "person_id": 5, "visible_to": "3", "label_ids": [], "value": None}
    lead_stamps = {"add_time": "2026-01-01T00:00:00.000Z", "update_time": "2026-01-01T00:00:00.000Z"}
    seed.write_text(
        json.dumps(
            {
                "entities": {
                    "persons": [{"id": 5, "name": "P", "emails": [], "phones": []}],
                    "deals": [
                        {**deal, **stamps, "id": 70, "title": "Live deal", "stage_id": 1, "pipeline_id": 1},
                        {**deal, **stamps, **ARCHIVED_DEAL, "is_archived": True},
                    ],
                    "leads": [
                        {
                            **lead,
                            **lead_stamps,
                            "id": "22222222-2222-4222-8222-222222222222",
                            "title": "Live",
                        },
                        {**lead, **lead_stamps, "id": ARCHIVED_LEAD, "title": "Old", "is_archived": True},
                    ],
                }
            }
        )
    )
    return sandbox_factory(seed=str(seed))


# Deletion ----------------------------------------------------------------------------------------


@pytest.mark.parametrize("kind", ["deals", "persons", "organizations", "activities"])
def test_patch_cannot_delete(sandbox, kind):
    created = create(sandbox, kind, **({"subject": "S"} if kind == "activities" else {}))
    refused = call(sandbox, "PATCH", f"/api/v2/{kind}/{created['id']}", json={"is_deleted": True})
    assert refused.status_code == 400
    body = refused.json()
    assert body["success"] is False and body["data"] is None
    assert "PATCH" in body["error"] and f"DELETE /api/v2/{kind}/{{id}}" in body["error"]
    still = call(sandbox, "GET", f"/api/v2/{kind}/{created['id']}")
    assert still.status_code == 200 and still.json()["data"]["is_deleted"] is False
    # is_deleted: false is refused too: PATCH does not touch deletion at all
    assert (
        call(sandbox, "PATCH", f"/api/v2/{kind}/{created['id']}", json={"is_deleted": False}).status_code
        == 400
    )


def test_delete_marks_a_deal_deleted(sandbox):
    kept, gone = create(sandbox, "deals", title="Kept"), create(sandbox, "deals", title="Gone")
    deleted = call(sandbox, "DELETE", f"/api/v2/deals/{gone['id']}")
    assert deleted.json() == {"success": True, "data": {"id": gone["id"]}}
    assert_matches_spec(sandbox, deleted)
    assert call(sandbox, "GET", f"/api/v2/deals/{gone['id']}").status_code == 404
    assert [d["id"] for d in call(sandbox, "GET", "/api/v2/deals").json()["data"]] == [kept["id"]]
    assert [d["id"] for d in call(sandbox, "GET", "/api/v2/deals/archived").json()["data"]] == []
    found = call(sandbox, "GET", "/api/v2/deals/search", params={"term": "Gone", "exact_match": "true"})
    assert found.json()["data"]["items"] == []
    assert call(sandbox, "DELETE", f"/api/v2/deals/{gone['id']}").status_code == 404


# Archived deals ----------------------------------------------------------------------------------


def test_lists_leave_archived_deals_out_and_the_archived_route_lists_them(archived):
    listed = call(archived, "GET", "/api/v2/deals")
    assert [d["id"] for d in listed.json()["data"]] == [70]
    assert [
        d["id"] for d in call(archived, "GET", "/api/v2/deals", params={"ids": "70,71"}).json()["data"]
    ] == [70]
    only = call(archived, "GET", "/api/v2/deals/archived")
    assert only.status_code == 200, only.text
    assert [(d["id"], d["is_archived"]) for d in only.json()["data"]] == [(71, True)]
    assert only.json()["additional_data"] == {"next_cursor": None}
    assert_matches_spec(archived, only)
    # Its parameters are those of GET /deals (v2.yaml paths./deals/archived)
    params = {"limit": 1, "sort_by": "update_time", "sort_direction": "desc", "stage_id": 1}
    assert call(archived, "GET", "/api/v2/deals/archived", params=params).json()["data"][0]["id"] == 71
    later = {"updated_since": "2026-06-01T00:00:00Z"}
    assert call(archived, "GET", "/api/v2/deals/archived", params=later).json()["data"] == []
    assert call(archived, "POST", "/api/v2/deals/archived", json={}).status_code == 405
    # GET one still answers, archived or not
    one = call(archived, "GET", "/api/v2/deals/71").json()["data"]
    assert one["is_archived"] is True and one["title"] == "Old deal"
    log = archived.log()
    assert log[2]["path"] == "/api/v2/deals/archived" and log[2]["cost"] == 20  # its own x-token-cost


def test_archived_deal_cannot_be_edited_but_can_be_unarchived(archived):
    for body in ({"title": "New"}, {"is_archived": False, "title": "New"}, {"is_archived": True}):
        refused = call(archived, "PATCH", "/api/v2/deals/71", json=body)
        assert refused.status_code == 400, body
        assert refused.json()["success"] is False and "archived" in refused.json()["error"]
        assert "71" in refused.json()["error"]
    assert call(archived, "GET", "/api/v2/deals/71").json()["data"]["title"] == "Old deal"
    unarchived = call(archived, "PATCH", "/api/v2/deals/71", json={"is_archived": False})
    assert unarchived.status_code == 200 and unarchived.json()["data"]["is_archived"] is False
    assert unarchived.json()["data"]["archive_time"] is None
    assert call(archived, "PATCH", "/api/v2/deals/71", json={"title": "New"}).status_code == 200
    assert [d["id"] for d in call(archived, "GET", "/api/v2/deals").json()["data"]] == [70, 71]


def test_archiving_a_deal_with_patch(sandbox):
    deal = create(sandbox, "deals", title="To archive")
    archived = call(sandbox, "PATCH", f"/api/v2/deals/{deal['id']}", json={"is_archived": True})
    assert archived.status_code == 200
    data = archived.json()["data"]
    assert data["is_archived"] is True and data["archive_time"].endswith("Z")
    assert call(sandbox, "GET", "/api/v2/deals").json()["data"] == []
    assert [d["id"] for d in call(sandbox, "GET", "/api/v2/deals/archived").json()["data"]] == [deal["id"]]
    assert call(sandbox, "PATCH", f"/api/v2/deals/{deal['id']}", json={"value": 5}).status_code == 400
    # DELETE still works on an archived deal
    assert call(sandbox, "DELETE", f"/api/v2/deals/{deal['id']}").status_code == 200
    assert call(sandbox, "GET", "/api/v2/deals/archived").json()["data"] == []


def test_search_still_finds_archived_deals_and_leads(archived):
    hits = call(archived, "GET", "/api/v2/deals/search", params={"term": "Old deal", "exact_match": "true"})
    assert [(h["item"]["id"], h["item"]["is_archived"]) for h in hits.json()["data"]["items"]] == [(71, True)]
    leads = call(archived, "GET", "/api/v2/leads/search", params={"term": "Old", "exact_match": "true"})
    assert [h["item"]["id"] for h in leads.json()["data"]["items"]] == [ARCHIVED_LEAD]
    items = call(archived, "GET", "/api/v2/itemSearch", params={"term": "Old"})
    assert {h["item"]["id"] for h in items.json()["data"]["items"]} == {71, ARCHIVED_LEAD}


# Archived leads ----------------------------------------------------------------------------------


@pytest.mark.parametrize("prefix", ["/v1", "/api/v1"])
def test_lead_lists_leave_archived_ones_out(archived, prefix):
    listed = call(archived, "GET", f"{prefix}/leads").json()
    assert [lead["title"] for lead in listed["data"]] == ["Live"]
    only = call(archived, "GET", f"{prefix}/leads/archived", params={"start": 0, "limit": 10})
    assert only.status_code == 200, only.text
    assert [(lead["id"], lead["is_archived"]) for lead in only.json()["data"]] == [(ARCHIVED_LEAD, True)]
    assert only.json()["additional_data"]["pagination"]["more_items_in_collection"] is False
    assert_matches_spec(archived, only)
    assert call(archived, "GET", f"{prefix}/leads/{ARCHIVED_LEAD}").json()["data"]["is_archived"] is True


def test_archived_lead_cannot_be_edited_but_can_be_unarchived(archived):
    path = f"/api/v1/leads/{ARCHIVED_LEAD}"
    refused = call(archived, "PATCH", path, json={"title": "New"})
    assert refused.status_code == 400 and "archived" in refused.json()["error"]
    assert ARCHIVED_LEAD in refused.json()["error"]
    assert call(archived, "PATCH", path, json={"is_archived": False}).json()["data"]["is_archived"] is False
    assert call(archived, "PATCH", path, json={"title": "New"}).status_code == 200
    live = call(archived, "GET", "/api/v1/leads").json()["data"]
    assert sorted(lead["title"] for lead in live) == ["Live", "New"]
    # and archived again through PATCH
    assert call(archived, "PATCH", path, json={"is_archived": True}).status_code == 200
    assert [lead["id"] for lead in call(archived, "GET", "/api/v1/leads/archived").json()["data"]] == [
        ARCHIVED_LEAD
    ]


def test_lead_list_refuses_the_removed_archived_status_parameter(archived):
    refused = call(archived, "GET", "/api/v1/leads", params={"archived_status": "all"})
    assert refused.status_code == 400 and "archived_status" in refused.json()["error"]
    # updated_since is declared on GET /leads only, not on /leads/archived
    assert (
        call(
            archived, "GET", "/api/v1/leads/archived", params={"updated_since": "2020-01-01T00:00:00Z"}
        ).status_code
        == 400
    )


def test_archived_leads_are_filtered_by_their_links_as_the_live_list_is(archived):
    """v1.yaml declares person_id and organization_id on GET /leads/archived as on GET /leads: a
    client looks for one person's archived leads without reading every archived lead."""
    path = "/api/v1/leads/archived"
    mine = call(archived, "GET", path, params={"person_id": 5, "start": 0, "limit": 1}).json()
    assert [lead["id"] for lead in mine["data"]] == [ARCHIVED_LEAD]
    assert mine["additional_data"]["pagination"]["more_items_in_collection"] is False
    assert call(archived, "GET", path, params={"person_id": 6}).json()["data"] == []
    assert call(archived, "GET", path, params={"organization_id": 1}).json()["data"] == []
