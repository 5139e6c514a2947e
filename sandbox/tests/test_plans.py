"""Plans: burst and budget (professional included), and the `visible_to` choices each plan offers."""

from __future__ import annotations

import pytest
from pipedrive_sandbox.cli import parser
from sandbox_helpers import assert_matches_spec, call, create

TWO_LEVELS = [{"id": 1, "label": "Owner & followers"}, {"id": 3, "label": "Entire company"}]
FOUR_LEVELS = [
    {"id": 1, "label": "Owner only"},
    {"id": 3, "label": "Owner's visibility group"},
    {"id": 5, "label": "Owner's visibility group and sub-groups"},
    {"id": 7, "label": "Entire company"},
]
PLANS = [
    ("lite", TWO_LEVELS),
    ("growth", TWO_LEVELS),
    ("professional", TWO_LEVELS),
    ("premium", FOUR_LEVELS),
    ("ultimate", FOUR_LEVELS),
]


def visible_to_options(sandbox, path):
    listed = call(sandbox, "GET", path, params={"limit": 500})
    assert listed.status_code == 200, listed.text
    [field] = [f for f in listed.json()["data"] if f.get("field_code", f.get("key")) == "visible_to"]
    assert field["field_type"] == "visible_to"
    return field["options"], listed


@pytest.mark.parametrize(("plan", "choices"), PLANS)
def test_fields_endpoints_list_the_plans_visible_to_choices(sandbox, plan, choices):
    sandbox.configure(plan=plan)
    for path in ("/api/v2/personFields", "/api/v2/organizationFields", "/api/v2/dealFields"):
        options, answer = visible_to_options(sandbox, path)
        assert options == choices, path
        assert_matches_spec(sandbox, answer)
    options, answer = visible_to_options(sandbox, "/v1/leadFields")
    assert options == choices
    assert_matches_spec(sandbox, answer)


def test_default_plan_is_lite(sandbox):
    assert visible_to_options(sandbox, "/api/v2/personFields")[0] == TWO_LEVELS


@pytest.mark.parametrize(("plan", "choices"), PLANS)
def test_visible_to_is_refused_outside_the_plans_choices(sandbox, plan, choices):
    sandbox.configure(plan=plan, rate_limits=False)  # 21 requests: more than lite's burst
    ids = [o["id"] for o in choices]
    person = create(sandbox, "persons")
    for value in (1, 3, 5, 7):
        for kind, body in (
            ("persons", {"name": "A"}),
            ("organizations", {"name": "O"}),
            ("deals", {"title": "D"}),
        ):
            answer = call(sandbox, "POST", f"/api/v2/{kind}", json={**body, "visible_to": value})
            assert answer.status_code == (200 if value in ids else 400), (kind, value, answer.text)
            if answer.status_code == 400:
                assert "visible_to" in answer.json()["error"] and plan in answer.json()["error"]
        patched = call(sandbox, "PATCH", f"/api/v2/persons/{person['id']}", json={"visible_to": value})
        assert patched.status_code == (200 if value in ids else 400)
        lead = call(
            sandbox,
            "POST",
            "/api/v1/leads",
            json={"title": "L", "person_id": person["id"], "visible_to": str(value)},
        )
        assert lead.status_code == (201 if value in ids else 400), lead.text


def test_v1_leads_take_visible_to_as_a_string(sandbox):
    person = create(sandbox, "persons")
    refused = call(
        sandbox, "POST", "/api/v1/leads", json={"title": "L", "person_id": person["id"], "visible_to": 3}
    )
    assert refused.status_code == 400


def test_professional_plan_burst_and_budget(sandbox_factory):
    sandbox = sandbox_factory(plan="professional", seats=2)
    headers = call(sandbox, "GET", "/api/v1/users/me").headers
    assert headers["x-ratelimit-limit"] == "80"
    assert headers["x-daily-ratelimit-token-limit"] == str(30_000 * 3 * 2)
    assert "professional" in parser().parse_args(["--plan", "professional"]).plan
