"""Items of list and search answers whose id is no id (the sandbox's `item` fault: missing, null, text,
a fraction or a boolean where a number belongs; never an answer of Pipedrive's, but of a hostile proxy
or a changed API): skipped with one warning per endpoint, the rest of the answer used, no traceback.
A search hit holding the record's value under such an id rejects the record rather than create a second
entity beside the one Pipedrive holds."""

from __future__ import annotations

import json

import pytest

from .cli import messages, run_target
from .test_directory import deal_mapping, track
from .test_directory import run as run_directory
from .test_person import identify, person_mapping

BAD_IDS = pytest.mark.parametrize(
    "bad_id", ["abc", None, 1.5, True], ids=["text", "null", "fraction", "boolean"]
)
PEOPLE = {"mappings": [person_mapping()]}


def _warnings(stderr: str, endpoint: str) -> list[str]:
    return [
        line for line in stderr.splitlines() if "WARNING" in line and f"{endpoint} answered an item" in line
    ]


def _three_persons(tmp_path, sandbox, base_config) -> None:
    records = [identify(f"u{n}", f"p{n}@x.example", f"P{n}") for n in (1, 2, 3)]
    first = run_target(
        tmp_path, base_config | PEOPLE | {"ledger_path": str(tmp_path / "first.sqlite")}, messages(*records)
    )
    assert first.returncode == 0 and not first.rejects, first.stderr[-3000:]


@BAD_IDS
def test_a_listed_item_without_a_usable_id_is_skipped_and_its_keys_searched(
    tmp_path, sandbox, base_config, bad_id
):
    _three_persons(tmp_path, sandbox, base_config)
    before = {p["id"]: p["emails"][0]["value"] for p in sandbox.entities("persons")}
    # A fresh ledger: every lookup goes to the key index, listed in full; its first item (the lowest
    # id) comes without a usable one.
    sandbox.configure(
        faults=[{"path": "/api/v2/persons", "method": "GET", "count": -1, "item": {"id": bad_id}}]
    )
    records = [identify(f"u{n}", f"p{n}@x.example", f"P{n} again") for n in (1, 2, 3, 4)]
    run = run_target(tmp_path, base_config | PEOPLE, messages(*records))
    assert run.returncode == 0, run.stderr[-3000:]
    assert "Traceback" not in run.stderr and not run.rejects
    [warning] = _warnings(run.stderr, "/api/v2/persons")
    assert f"has id {json.dumps(bad_id)}, which is not a person id (a whole number)" in warning
    assert base_config["api_token"] not in run.stderr
    # The person skipped was searched and updated, not created again; the others came from the list.
    after = {p["id"]: (p["emails"][0]["value"], p["name"]) for p in sandbox.entities("persons")}
    assert len(after) == 4
    assert all(after[pid] == (email, email[:2].upper() + " again") for pid, email in before.items())
    searched = [e["query"]["term"] for e in sandbox.log() if e["path"] == "/api/v2/persons/search"]
    assert searched == [before[min(before)]]


@BAD_IDS
def test_a_search_hit_holding_the_value_without_a_usable_id_rejects_the_record(
    tmp_path, sandbox, base_config, bad_id
):
    first = run_target(tmp_path, base_config | PEOPLE, messages(identify("u1", "ann@x.example", "Ann")))
    assert first.returncode == 0 and not first.rejects, first.stderr[-3000:]
    # Segment's strategy searches every lookup; the search answers Ann under an id that is no id.
    sandbox.configure(faults=[{"path": "/api/v2/persons/search", "count": -1, "item": {"id": bad_id}}])
    config = base_config | PEOPLE | {"strategy": "segment"}
    records = [identify("u1", "ann@x.example", "Ann again"), identify("u2", "bo@x.example", "Bo")]
    run = run_target(tmp_path, config, messages(*records))
    assert run.returncode == 0, run.stderr[-3000:]
    assert "Traceback" not in run.stderr
    [reject] = run.rejects
    assert (reject["mapping"], reject["field"], reject["input_line"]) == ("people", "match_value", 2)
    reason = reject["reason"]
    hit = f"answered a hit with person 'email' = 'ann@x.example' that has id {json.dumps(bad_id)}"
    assert f"/api/v2/persons/search {hit}" in reason
    assert "could duplicate" in reason and "check any proxy" in reason and "replay the reject" in reason
    assert len(_warnings(run.stderr, "/api/v2/persons/search")) == 1
    # Ann is not made twice; Bo, whose search found nothing, is created.
    assert sorted(p["name"] for p in sandbox.entities("persons")) == ["Ann", "Bo"]


def test_a_user_listed_without_a_usable_id_is_skipped_the_others_still_own(tmp_path, sandbox, base_config):
    # The first user (Sandbox Admin) comes without an id; owners by email and id still resolve.
    sandbox.configure(faults=[{"path": "/api/v1/users", "method": "GET", "count": -1, "item": {"id": "x1"}}])
    deals = deal_mapping(owner={"@path": "$.properties.owner"})
    records = [
        track("Deal", title="A", owner="ana@example.test"),
        track("Deal", title="B", owner="admin@sandbox.example"),
    ]
    run = run_directory(tmp_path, base_config, deals, *records)
    assert run.returncode == 0, run.stderr[-3000:]
    assert "Traceback" not in run.stderr
    [warning] = _warnings(run.stderr, "/api/v1/users")
    assert 'has id "x1", which is not a user id (a whole number)' in warning
    [reject] = run.rejects
    assert reject["field"] == "owner" and "'admin@sandbox.example' is not a user" in reject["reason"]
    [deal] = sandbox.entities("deals")
    assert (deal["title"], deal["owner_id"]) == ("A", 2)
