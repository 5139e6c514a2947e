"""`visible_to` by plan: a name becomes the number that means it on this account (v1.yaml leads POST,
v2.yaml products POST: Light/Growth/Professional have 1 and 3 only, where 3 is the entire company)."""

from __future__ import annotations

import pytest

from .cli import messages, run_target
from .test_person import identify, person_mapping

VISIBLE = person_mapping(visible_to={"@path": "$.traits.visibility"})


@pytest.mark.parametrize(
    ("plan", "name", "number"),
    [
        ("lite", "entire_company", 3),
        ("professional", "entire company", 3),
        ("ultimate", "entire_company", 7),
        ("premium", "owner_group", 3),
        ("growth", "owner", 1),
    ],
)
def test_a_visibility_name_means_the_same_on_every_plan(tmp_path, sandbox, base_config, plan, name, number):
    sandbox.configure(plan=plan)
    run = run_target(
        tmp_path,
        base_config | {"mappings": [VISIBLE]},
        messages(identify("u1", "a@x.io", "A", visibility=name)),
    )
    assert run.returncode == 0, run.stderr
    [person] = sandbox.entities("persons")
    assert person["visible_to"] == number


@pytest.mark.parametrize("value", ["owner_group", "7", 5])
def test_a_visibility_the_plan_lacks_rejects_the_record_listing_the_valid_ones(
    tmp_path, sandbox, base_config, value
):
    sandbox.configure(plan="lite")
    records = [
        identify("u1", "a@x.io", "A", visibility=value),
        identify("u2", "b@x.io", "B", visibility="owner"),
    ]
    run = run_target(tmp_path, base_config | {"mappings": [VISIBLE]}, messages(*records))
    assert run.returncode == 0, run.stderr
    [reject] = run.rejects
    assert reject["field"] == "visible_to"
    assert (
        "1 or 'owner' (Owner & followers)" in reject["reason"] and "3 or 'entire_company'" in reject["reason"]
    )
    assert [p["visible_to"] for p in sandbox.entities("persons")] == [1]
