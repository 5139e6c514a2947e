"""The account's directory: users, pipelines and stages, lead labels, and the writes that must name them."""

from __future__ import annotations

import json
import re

import pytest
from sandbox_helpers import assert_matches_spec, call, create

ME_KEYS = ("id", "name", "email", "default_currency", "active_flag", "access", "last_login", "is_you")
MISSING_LABEL = "00000000-0000-4000-8000-00000000dead"


def _cost(sandbox) -> int:
    return int(sandbox.log()[-1]["cost"])


# --- users ------------------------------------------------------------------------------------------------


def test_users_list_has_me_and_the_seeded_users(sandbox):
    response = call(sandbox, "GET", "/api/v1/users")
    assert response.status_code == 200 and _cost(sandbox) == 20  # v1.yaml x-token-cost of GET /users
    assert_matches_spec(sandbox, response)
    users = response.json()["data"]
    assert "additional_data" not in response.json()  # not paged: every user, always
    assert [(u["id"], u["name"], u["email"], u["active_flag"]) for u in users] == [
        (1, "Sandbox Admin", "admin@sandbox.example", True),
        (2, "Ana Silva", "ana@example.test", True),
        (3, "Ana Silva", "ana.silva@example.test", True),
        (4, "Bruno Costa", "bruno@example.test", False),
    ]
    assert [u["is_you"] for u in users] == [True, False, False, False]
    assert [u["access"][0]["admin"] for u in users] == [True, False, False, False]
    assert all(re.fullmatch(r"\d{4}-\d\d-\d\d \d\d:\d\d:\d\d", u["created"]) for u in users)
    assert "company_domain" not in users[0]  # users/me's company properties are not in the list


def test_me_is_the_users_list_entry(sandbox):
    me = call(sandbox, "GET", "/api/v1/users/me")
    assert_matches_spec(sandbox, me)
    listed = call(sandbox, "GET", "/api/v1/users").json()["data"]
    entry = next(u for u in listed if u["id"] == me.json()["data"]["id"])
    assert {k: entry[k] for k in ME_KEYS} == {k: me.json()["data"][k] for k in ME_KEYS}


def test_a_seed_without_other_users_still_lists_me(sandbox_factory, tmp_path):
    seed = tmp_path / "seed.json"
    seed.write_text(json.dumps({"users": []}))
    server = sandbox_factory(seed=str(seed))
    assert [u["id"] for u in call(server, "GET", "/api/v1/users").json()["data"]] == [1]
    assert call(server, "POST", "/api/v2/persons", json={"name": "A", "owner_id": 2}).status_code == 400


def test_users_list_is_read_only(sandbox):
    sandbox.configure(validate=False)
    assert call(sandbox, "POST", "/api/v1/users", json={"email": "x@example.test"}).status_code == 405


# --- pipelines and stages ---------------------------------------------------------------------------------


def test_pipelines_list(sandbox):
    response = call(sandbox, "GET", "/api/v2/pipelines")
    assert response.status_code == 200 and _cost(sandbox) == 5
    assert_matches_spec(sandbox, response)
    body = response.json()
    assert [(p["id"], p["name"], p["order_nr"]) for p in body["data"]] == [
        (1, "Sales pipeline", 1),
        (2, "Partner pipeline", 2),
    ]
    assert body["additional_data"] == {"next_cursor": None}
    desc = call(sandbox, "GET", "/api/v2/pipelines", params={"sort_direction": "desc"}).json()["data"]
    assert [p["id"] for p in desc] == [2, 1]


def test_pipelines_and_stages_page_with_cursors(sandbox):
    first = call(sandbox, "GET", "/api/v2/pipelines", params={"limit": 1}).json()
    cursor = first["additional_data"]["next_cursor"]
    second = call(sandbox, "GET", "/api/v2/pipelines", params={"limit": 1, "cursor": cursor}).json()
    assert [p["id"] for p in first["data"] + second["data"]] == [1, 2]
    assert second["additional_data"]["next_cursor"] is None
    seen, cursor = [], None
    while True:
        params = {"limit": 3, **({"cursor": cursor} if cursor else {})}
        page = call(sandbox, "GET", "/api/v2/stages", params=params).json()
        seen += [s["id"] for s in page["data"]]
        cursor = page["additional_data"]["next_cursor"]
        if cursor is None:
            break
    assert seen == list(range(1, 9))


def test_stages_list_and_its_pipeline_filter(sandbox):
    response = call(sandbox, "GET", "/api/v2/stages")
    assert response.status_code == 200 and _cost(sandbox) == 5
    assert_matches_spec(sandbox, response)
    stages = response.json()["data"]
    assert [(s["id"], s["pipeline_id"], s["name"]) for s in stages] == [
        (1, 1, "Lead In"),
        (2, 1, "Qualified"),
        (3, 1, "Proposal Made"),
        (4, 1, "Negotiations Started"),
        (5, 1, "Closing"),
        (6, 2, "Qualified"),
        (7, 2, "Onboarding"),
        (8, 2, "Signed"),
    ]
    partner = call(sandbox, "GET", "/api/v2/stages", params={"pipeline_id": 2})
    assert_matches_spec(sandbox, partner)
    assert [s["id"] for s in partner.json()["data"]] == [6, 7, 8]
    by_order = call(sandbox, "GET", "/api/v2/stages", params={"sort_by": "order_nr"}).json()["data"]
    assert [s["id"] for s in by_order] == [1, 6, 2, 7, 3, 8, 4, 5]  # ties by id
    params = {"sort_by": "order_nr", "sort_direction": "desc", "pipeline_id": 2}
    desc = call(sandbox, "GET", "/api/v2/stages", params=params).json()["data"]
    assert [s["id"] for s in desc] == [8, 7, 6]
    assert call(sandbox, "GET", "/api/v2/stages", params={"pipeline_id": 9}).json()["data"] == []


def test_directory_lists_refuse_bad_parameters(sandbox):
    assert call(sandbox, "GET", "/api/v2/stages", params={"pipeline_id": "x"}).status_code == 400
    assert call(sandbox, "GET", "/api/v2/stages", params={"sort_by": "name"}).status_code == 400
    assert call(sandbox, "GET", "/api/v2/pipelines", params={"sort_by": "order_nr"}).status_code == 400
    sandbox.configure(validate=False)  # the sandbox's own rules, without the contract in front
    refused = call(sandbox, "GET", "/api/v2/pipelines", params={"sort_by": "order_nr"})
    assert refused.status_code == 400 and "sort_by must be one of id" in refused.json()["error"]
    assert call(sandbox, "POST", "/api/v2/stages", json={"name": "S", "pipeline_id": 1}).status_code == 405


# --- deals: stage and pipeline ----------------------------------------------------------------------------


def _placed(response) -> tuple[int, int]:
    assert response.status_code == 200, response.text
    return response.json()["data"]["stage_id"], response.json()["data"]["pipeline_id"]


@pytest.mark.parametrize(
    ("body", "placed"),
    [
        ({}, (1, 1)),  # the first stage of the default pipeline
        ({"stage_id": 6}, (6, 2)),  # the stage decides the pipeline
        ({"pipeline_id": 2}, (6, 2)),  # the first stage of the pipeline
        ({"stage_id": 7, "pipeline_id": 2}, (7, 2)),
    ],
)
def test_deal_placement_on_create(sandbox, body, placed):
    assert _placed(call(sandbox, "POST", "/api/v2/deals", json={"title": "D", **body})) == placed


def test_deal_placement_on_update(sandbox):
    deal = create(sandbox, "deals", stage_id=3)
    path = f"/api/v2/deals/{deal['id']}"
    assert _placed(call(sandbox, "PATCH", path, json={"title": "T"})) == (3, 1)
    assert _placed(call(sandbox, "PATCH", path, json={"pipeline_id": 1})) == (3, 1)  # already there
    assert _placed(call(sandbox, "PATCH", path, json={"stage_id": 8})) == (8, 2)
    assert _placed(call(sandbox, "PATCH", path, json={"pipeline_id": 1})) == (1, 1)
    assert _placed(call(sandbox, "PATCH", path, json={"stage_id": 6, "pipeline_id": 2})) == (6, 2)


@pytest.mark.parametrize("validate", [True, False])
@pytest.mark.parametrize(
    ("body", "message"),
    [
        ({"stage_id": 6, "pipeline_id": 1}, "Stage with id 6 does not belong to pipeline 1"),
        ({"stage_id": 2, "pipeline_id": 2}, "Stage with id 2 does not belong to pipeline 2"),
        ({"stage_id": 99}, "Stage with id 99 does not exist (parameter 'stage_id')"),
        ({"pipeline_id": 99}, "Pipeline with id 99 does not exist (parameter 'pipeline_id')"),
        ({"stage_id": 99, "pipeline_id": 1}, "Stage with id 99 does not exist"),
    ],
)
def test_deal_placement_refusals(sandbox, validate, body, message):
    sandbox.configure(validate=validate)
    deal = create(sandbox, "deals")
    for method, path in (("POST", "/api/v2/deals"), ("PATCH", f"/api/v2/deals/{deal['id']}")):
        response = call(sandbox, method, path, json={"title": "D", **body})
        assert response.status_code == 400, (method, response.text)
        assert message in response.json()["error"]
    assert [(d["stage_id"], d["pipeline_id"]) for d in sandbox.entities("deals")] == [(1, 1)]


# --- lead labels ------------------------------------------------------------------------------------------


def test_lead_labels_follow_the_description(sandbox):
    response = call(sandbox, "GET", "/api/v1/leadLabels")
    assert response.status_code == 200 and _cost(sandbox) == 10
    assert_matches_spec(sandbox, response)
    labels = response.json()["data"]
    assert [(label["name"], label["color"]) for label in labels] == [
        ("Hot", "red"),
        ("Cold", "blue"),
        ("Warm", "yellow"),
    ]
    uuid = re.compile(r"[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}")
    assert all(uuid.fullmatch(label["id"]) for label in labels)


def test_leads_take_known_labels_and_refuse_unknown_ones(sandbox):
    person = create(sandbox, "persons")
    hot, warm = (label["id"] for label in call(sandbox, "GET", "/api/v1/leadLabels").json()["data"][::2])
    lead = create(sandbox, "leads", title="L", person_id=person["id"], label_ids=[hot])
    assert lead["label_ids"] == [hot]
    path = f"/api/v1/leads/{lead['id']}"
    patched = call(sandbox, "PATCH", path, json={"label_ids": [hot, warm]})
    assert patched.json()["data"]["label_ids"] == [hot, warm]
    for method, url, body in (
        ("POST", "/api/v1/leads", {"title": "L", "person_id": person["id"], "label_ids": [MISSING_LABEL]}),
        ("PATCH", path, {"label_ids": [hot, MISSING_LABEL]}),
    ):
        response = call(sandbox, method, url, json=body)
        assert response.status_code == 400, response.text
        assert f"Lead label with id {MISSING_LABEL} does not exist" in response.json()["error"]
    assert call(sandbox, "GET", path).json()["data"]["label_ids"] == [hot, warm]


def test_lead_label_ids_must_be_strings(sandbox):
    sandbox.configure(validate=False)
    person = create(sandbox, "persons")
    for label_ids in ([1], [{"id": "x"}], "Hot"):
        body = {"title": "L", "person_id": person["id"], "label_ids": label_ids}
        response = call(sandbox, "POST", "/api/v1/leads", json=body)
        assert response.status_code == 400 and "label_ids must be a list" in response.json()["error"]


# --- owners and links -------------------------------------------------------------------------------------

_BODIES = {
    "persons": {"name": "P"},
    "organizations": {"name": "O"},
    "deals": {"title": "D"},
    "activities": {"subject": "S"},
}


def _writes(sandbox, kind: str) -> list[tuple[str, str, dict]]:
    """The POST and the PATCH of one kind, each with no owner of its own."""
    if kind == "leads":
        person = create(sandbox, "persons")
        lead = create(sandbox, "leads", title="L", person_id=person["id"])
        body = {"title": "L", "person_id": person["id"]}
        return [("POST", "/api/v1/leads", body), ("PATCH", f"/api/v1/leads/{lead['id']}", {})]
    made = create(sandbox, kind, **_BODIES[kind])
    return [("POST", f"/api/v2/{kind}", _BODIES[kind]), ("PATCH", f"/api/v2/{kind}/{made['id']}", {})]


@pytest.mark.parametrize("kind", ["persons", "organizations", "deals", "activities", "leads"])
def test_owner_must_be_a_user(sandbox, kind):
    for method, path, body in _writes(sandbox, kind):
        for owner in (99, 0):
            refused = call(sandbox, method, path, json={**body, "owner_id": owner})
            assert refused.status_code == 400, (method, refused.text)
            assert refused.json()["error"] == f"User with id {owner} does not exist (parameter 'owner_id')"
        for owner in (3, 4):  # another user, and an inactive one: both are users of the company
            answer = call(sandbox, method, path, json={**body, "owner_id": owner})
            assert answer.status_code in (200, 201), answer.text
            assert answer.json()["data"]["owner_id"] == owner


def test_owner_defaults_to_me(sandbox):
    person = create(sandbox, "persons")
    assert person["owner_id"] == 1
    assert create(sandbox, "leads", title="L", person_id=person["id"])["owner_id"] == 1


def test_activity_attendees_and_note_authors_must_be_users(sandbox):
    person = create(sandbox, "persons")
    attendee = {"email": "x@example.test", "user_id": 99}
    refused = call(sandbox, "POST", "/api/v2/activities", json={"subject": "S", "attendees": [attendee]})
    assert refused.status_code == 400
    assert refused.json()["error"] == "User with id 99 does not exist (attendees)"
    attendee["user_id"] = 2
    assert call(sandbox, "POST", "/api/v2/activities", json={"subject": "S", "attendees": [attendee]}).ok
    note = {"content": "c", "person_id": person["id"], "user_id": 99}
    refused = call(sandbox, "POST", "/api/v1/notes", json=note)
    assert refused.status_code == 400 and "parameter 'user_id'" in refused.json()["error"]
    assert call(sandbox, "POST", "/api/v1/notes", json={**note, "user_id": 2}).json()["data"]["user_id"] == 2


def test_person_organization_must_exist(sandbox):
    org = create(sandbox, "organizations")
    person = create(sandbox, "persons", org_id=org["id"])
    assert person["org_id"] == org["id"]
    for method, path in (("POST", "/api/v2/persons"), ("PATCH", f"/api/v2/persons/{person['id']}")):
        refused = call(sandbox, method, path, json={"name": "P", "org_id": 999})
        assert refused.status_code == 400, refused.text
        assert refused.json()["error"] == "Organization with id 999 does not exist (parameter 'org_id')"
    call(sandbox, "DELETE", f"/api/v2/organizations/{org['id']}")
    refused = call(sandbox, "PATCH", f"/api/v2/persons/{person['id']}", json={"org_id": org["id"]})
    assert refused.status_code == 400  # a deleted organization is none
