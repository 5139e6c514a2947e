"""Person ↔ organization links (issue 18): a person mapping's organization, an organization mapping's
person; neither ever creates the other, and an unchanged rerun sends nothing."""

from __future__ import annotations

from typing import Any

import pytest

from .cli import messages, run_target
from .test_associations import ORG, PERSON

# An identify naming the person's company (Segment's context.groupId), a group naming its contact.
PERSON_WITH_ORG = {
    **PERSON,
    "fields": {
        **PERSON["fields"],
        "organization_match_field": "External ID",
        "organization_match_value": {"@path": "$.context.groupId"},
    },
}
ORG_WITH_PERSON = {
    **ORG,
    "fields": {
        **ORG["fields"],
        "person_match_field": "email",
        "person_match_value": {"@path": "$.traits.contact_email"},
    },
}


def identify(email: str, group: str | None = None) -> dict[str, Any]:
    record: dict[str, Any] = {"type": "identify", "userId": email, "traits": {"email": email, "name": email}}
    if group:
        record["context"] = {"groupId": group}
    return record


def group(group_id: str, name: str, contact: str | None = None) -> dict[str, Any]:
    traits = {"name": name} | ({"contact_email": contact} if contact else {})
    return {"type": "group", "groupId": group_id, "traits": traits}


def org_ids(sandbox) -> dict[str, int]:
    return {org["name"]: org["id"] for org in sandbox.entities("organizations")}


def person_orgs(sandbox) -> dict[str, Any]:
    return {person["name"]: person.get("org_id") for person in sandbox.entities("persons")}


def writes(sandbox, since: int = 0) -> list[tuple[str, str]]:
    return [(e["method"], e["path"]) for e in sandbox.log()[since:] if e["method"] != "GET"]


# upsert_person: organization_match_field / organization_match_value
def test_a_person_is_linked_to_the_organization_found(tmp_path, sandbox, base_config):
    cfg = base_config | {"mappings": [ORG, PERSON_WITH_ORG]}
    done = run_target(tmp_path, cfg, messages(group("g1", "Acme"), identify("ann@acme.example", "g1")))
    assert done.returncode == 0, done.stderr
    assert person_orgs(sandbox) == {"ann@acme.example": org_ids(sandbox)["Acme"]}


def test_an_organization_not_found_is_a_warning_and_linked_on_a_later_run(tmp_path, sandbox, base_config):
    cfg = base_config | {"mappings": [ORG, PERSON_WITH_ORG]}
    first = run_target(tmp_path, cfg, messages(identify("ann@acme.example", "g9")))
    assert first.returncode == 0, first.stderr
    assert not first.rejects
    assert "= 'g9'; the link is left out" in first.stderr
    assert person_orgs(sandbox) == {"ann@acme.example": None}
    assert not sandbox.entities("organizations")  # a link never creates the organization
    # The organization arrives later: the same identify now links the person (no digest of org_id was kept).
    run_target(tmp_path, cfg, messages(group("g9", "Late Inc")))
    mark = len(sandbox.log())
    second = run_target(tmp_path, cfg, messages(identify("ann@acme.example", "g9")))
    assert second.returncode == 0, second.stderr
    assert person_orgs(sandbox) == {"ann@acme.example": org_ids(sandbox)["Late Inc"]}
    [(method, path)] = writes(sandbox, mark)
    assert method == "PATCH" and path.startswith("/api/v2/persons/")
    assert sandbox.log()[-1]["body"] == {"org_id": org_ids(sandbox)["Late Inc"]}
    # And once linked, a rerun sends nothing.
    mark = len(sandbox.log())
    run_target(tmp_path, cfg, messages(identify("ann@acme.example", "g9")))
    assert writes(sandbox, mark) == []


# upsert_organization: person_match_field / person_match_value
def test_an_organization_links_its_existing_person_once_written(tmp_path, sandbox, base_config):
    cfg = base_config | {"mappings": [ORG_WITH_PERSON, PERSON]}
    done = run_target(
        tmp_path, cfg, messages(identify("ann@acme.example"), group("g1", "Acme", "ann@acme.example"))
    )
    assert done.returncode == 0, done.stderr
    assert not done.rejects
    assert person_orgs(sandbox) == {"ann@acme.example": org_ids(sandbox)["Acme"]}
    assert done.summary()["mappings"]["orgs"]["fields_updated"] == {"person.org_id": 1}
    # An unchanged rerun: neither the organization nor the link costs a write, nor a read of the person.
    mark = len(sandbox.log())
    again = run_target(tmp_path, cfg, messages(group("g1", "Acme", "ann@acme.example")))
    assert again.returncode == 0, again.stderr
    assert writes(sandbox, mark) == []
    assert not [e for e in sandbox.log()[mark:] if e["path"].startswith("/api/v2/persons/")]


def test_a_person_not_found_is_a_warning_and_never_created(tmp_path, sandbox, base_config):
    cfg = base_config | {"mappings": [ORG_WITH_PERSON, PERSON]}
    done = run_target(tmp_path, cfg, messages(group("g1", "Acme", "nobody@acme.example")))
    assert done.returncode == 0, done.stderr
    assert "= 'nobody@acme.example'; the link is left out" in done.stderr
    assert list(org_ids(sandbox)) == ["Acme"]
    assert not sandbox.entities("persons")


def test_a_person_of_another_organization_stays_unless_the_mapping_moves_them(tmp_path, sandbox, base_config):
    setup = base_config | {"mappings": [ORG, PERSON_WITH_ORG]}
    run_target(tmp_path, setup, messages(group("g1", "Acme"), identify("ann@acme.example", "g1")))
    acme = org_ids(sandbox)["Acme"]
    keep = base_config | {"mappings": [ORG_WITH_PERSON, PERSON]}
    kept = run_target(tmp_path, keep, messages(group("g2", "Globex", "ann@acme.example")))
    assert kept.returncode == 0, kept.stderr
    assert f"belongs to another organization ({acme}) and is left there" in kept.stderr
    assert '"link": "move"' in kept.stderr
    assert person_orgs(sandbox) == {"ann@acme.example": acme}
    move = base_config | {"mappings": [{**ORG_WITH_PERSON, "link": "move"}, PERSON]}
    moved = run_target(tmp_path, move, messages(group("g2", "Globex", "ann@acme.example")))
    assert moved.returncode == 0, moved.stderr
    assert person_orgs(sandbox) == {"ann@acme.example": org_ids(sandbox)["Globex"]}


def test_a_wrong_link_mode_is_a_config_error(tmp_path, sandbox, base_config):
    cfg = base_config | {"mappings": [{**ORG_WITH_PERSON, "link": "steal"}]}
    done = run_target(tmp_path, cfg, messages(group("g1", "Acme", "ann@acme.example")))
    assert done.returncode != 0
    assert "'link' should be \"keep\" (the default) or \"move\", got 'steal'" in done.stderr


def test_a_create_only_link_is_made_with_the_organization_only(tmp_path, sandbox, base_config):
    plain = base_config | {"mappings": [ORG, PERSON]}
    run_target(tmp_path, plain, messages(identify("ann@acme.example"), group("g1", "Acme")))
    create_only = {**ORG_WITH_PERSON, "create_only_fields": ["person_match_value"]}
    cfg = base_config | {"mappings": [create_only, PERSON]}
    done = run_target(tmp_path, cfg, messages(group("g1", "Acme", "ann@acme.example")))
    assert done.returncode == 0, done.stderr
    assert person_orgs(sandbox) == {"ann@acme.example": None}  # the organization existed: no link
    done = run_target(tmp_path, cfg, messages(group("g2", "Globex", "ann@acme.example")))
    assert person_orgs(sandbox) == {"ann@acme.example": org_ids(sandbox)["Globex"]}


def test_an_ambiguous_link_rejects_the_record_naming_the_ids(tmp_path, sandbox, base_config, api):
    # Two organizations with External ID g1, two persons with one email: neither link can be told apart.
    external_id = api.field_key("organization", "External ID")
    twins = [
        api.call("POST", "/api/v2/organizations", json={"name": n, "custom_fields": {external_id: "g1"}})[
            "id"
        ]
        for n in ("Acme", "Acme Ltd")
    ]
    people = [
        api.call("POST", "/api/v2/persons", json={"name": n, "emails": [{"value": "twin@acme.example"}]})[
            "id"
        ]
        for n in ("Twin A", "Twin B")
    ]
    person_link = base_config | {"mappings": [PERSON_WITH_ORG]}
    done = run_target(tmp_path, person_link, messages(identify("ann@acme.example", "g1")))
    assert done.returncode == 0, done.stderr
    [reject] = done.rejects
    assert reject["field"] == "organization_match_value"
    assert all(str(org_id) in reject["reason"] for org_id in twins)
    org_link = base_config | {"mappings": [{**ORG_WITH_PERSON, "name": "orgs2"}]}
    done = run_target(tmp_path, org_link, messages(group("g7", "Initech", "twin@acme.example")))
    [reject] = done.rejects
    assert reject["field"] == "person_match_value"
    assert all(str(person_id) in reject["reason"] for person_id in people)
    assert "Initech" not in org_ids(sandbox)  # the organization is not written without its link either
    assert all(person.get("org_id") is None for person in sandbox.entities("persons"))


def test_an_unknown_link_field_is_a_config_error(tmp_path, sandbox, base_config):
    for wrong in (
        {
            **PERSON_WITH_ORG,
            "fields": {**PERSON_WITH_ORG["fields"], "organization_match_field": "Extrnal ID"},
        },
        {**ORG_WITH_PERSON, "fields": {**ORG_WITH_PERSON["fields"], "person_match_field": "Emial"}},
    ):
        done = run_target(tmp_path, base_config | {"mappings": [wrong]}, messages(group("g1", "Acme")))
        assert done.returncode != 0
        assert "Extrnal ID" in done.stderr or "Emial" in done.stderr
    assert not any(e["method"] in ("POST", "PATCH") for e in sandbox.log())


def _by_id(sandbox, since: int, person_id: int) -> list[tuple[str, Any]]:
    path = f"/api/v2/persons/{person_id}"
    return [(e["method"], e["status"]) for e in sandbox.log()[since:] if e["path"] == path]


def _linked_then_deleted(tmp_path, sandbox, api, cfg) -> int:
    first = run_target(
        tmp_path, cfg, messages(identify("ann@acme.example"), group("g1", "Acme", "ann@acme.example"))
    )
    assert first.returncode == 0, first.stderr
    [ann] = sandbox.entities("persons")
    api.call("DELETE", f"/api/v2/persons/{ann['id']}")
    return int(ann["id"])


@pytest.mark.parametrize("readable_trash", [False, True], ids=["404", "readable-trash"])
def test_a_linked_person_deleted_in_pipedrive_is_forgotten_not_asked_for_on_every_run(
    tmp_path, sandbox, base_config, api, readable_trash
):
    # Deleted, Pipedrive answers 404 by id, or (its 30-day trash) the person with is_deleted: true.
    sandbox.configure(readable_trash=readable_trash)
    cfg = base_config | {"mappings": [ORG_WITH_PERSON, PERSON]}
    gone = _linked_then_deleted(tmp_path, sandbox, api, cfg)
    # Another organization names the deleted person as its contact: the ledger's id answers 404.
    mark = len(sandbox.log())
    second = run_target(tmp_path, cfg, messages(group("g2", "Globex", "ann@acme.example")))
    assert second.returncode == 0, second.stderr
    assert not second.rejects
    assert f"person 'ann@acme.example' (id {gone}) is no longer in Pipedrive" in second.stderr
    assert "the link is left out" in second.stderr
    assert "tried again on the next run" not in second.stderr
    assert len(_by_id(sandbox, mark, gone)) == 1  # asked once, then forgotten
    assert not sandbox.entities("persons")  # a link never creates the person
    # The third run neither warns about the stale id nor asks Pipedrive for it.
    mark = len(sandbox.log())
    third = run_target(tmp_path, cfg, messages(group("g2", "Globex", "ann@acme.example")))
    assert third.returncode == 0, third.stderr
    assert f"(id {gone})" not in third.stderr and "no longer in Pipedrive" not in third.stderr
    assert "tried again on the next run" not in third.stderr
    assert _by_id(sandbox, mark, gone) == []


def test_a_linked_person_deleted_and_made_again_links_the_live_one(tmp_path, sandbox, base_config, api):
    cfg = base_config | {"mappings": [ORG_WITH_PERSON, PERSON]}
    gone = _linked_then_deleted(tmp_path, sandbox, api, cfg)
    # Merged or re-entered in Pipedrive: a live person holds the email now.
    live = api.call(
        "POST", "/api/v2/persons", json={"name": "Ann", "emails": [{"value": "ann@acme.example"}]}
    )
    second = run_target(tmp_path, cfg, messages(group("g2", "Globex", "ann@acme.example")))
    assert second.returncode == 0, second.stderr
    assert not second.rejects and "could not be linked" not in second.stderr
    assert person_orgs(sandbox) == {"Ann": org_ids(sandbox)["Globex"]}
    assert [p["id"] for p in sandbox.entities("persons")] == [live["id"]]
    assert live["id"] != gone
    mark = len(sandbox.log())
    third = run_target(tmp_path, cfg, messages(group("g2", "Globex", "ann@acme.example")))
    assert third.returncode == 0, third.stderr
    assert writes(sandbox, mark) == [] and _by_id(sandbox, mark, gone) == []
