"""upsert_person over real HTTP: create, update, lookups by each kind of match field, rejections."""

from __future__ import annotations

from typing import Any

import pytest

from .cli import messages, run_target


def person_mapping(**fields: Any) -> dict[str, Any]:
    base = {
        "match_field": "email",
        "match_value": {"@path": "$.traits.email"},
        "name": {"@path": "$.traits.name"},
        "email": {"@path": "$.traits.email"},
    }
    return {
        "name": "people",
        "trigger": 'type = "identify"',
        "action": "upsert_person",
        "fields": base | fields,
    }


def identify(user: str, email: str, name: str, **traits: Any) -> dict[str, Any]:
    return {"type": "identify", "userId": user, "traits": {"email": email, "name": name, **traits}}


def test_creates_then_updates_without_duplicates(tmp_path, sandbox, base_config):
    config = base_config | {"mappings": [person_mapping()]}
    first = run_target(tmp_path, config, messages(identify("u1", "ada@example.com", "Ada")))
    assert first.returncode == 0, first.stderr
    second = run_target(tmp_path, config, messages(identify("u1", "ADA@example.com", "Ada Lovelace")))
    assert second.returncode == 0, second.stderr
    persons = sandbox.entities("persons")
    assert len(persons) == 1
    assert persons[0]["name"] == "Ada Lovelace"
    assert second.summary()["mappings"]["people"]["updated"] == 1
    assert first.summary()["mappings"]["people"]["created"] == 1


def test_v2_body_shapes(tmp_path, sandbox, base_config):
    mapping = person_mapping(
        phone={"@path": "$.traits.phone"}, visible_to="entire company", add_time={"@path": "$.traits.created"}
    )
    run = run_target(
        tmp_path,
        base_config | {"mappings": [mapping]},
        messages(identify("u1", "ada@example.com", "Ada", phone="+44 1", created=1700000000)),
    )
    assert run.returncode == 0, run.stderr
    [person] = sandbox.entities("persons")
    assert person["emails"][0]["value"] == "ada@example.com"
    assert person["emails"][0]["primary"] is True
    assert person["phones"][0]["value"] == "+44 1"
    # The sandbox's default plan is Lite, where "entire company" is 3 (7 exists on Premium and Ultimate only).
    assert person["visible_to"] == 3
    assert person["add_time"].startswith("2023-11-14T22:13:20")
    posts = [e for e in sandbox.log() if e["method"] == "POST" and e["path"] == "/api/v2/persons"]
    assert posts and posts[0]["status"] == 200


def test_match_on_custom_field_writes_it_on_create_and_finds_it_in_run(tmp_path, sandbox, base_config, api):
    sandbox.configure(search_delay=30)
    mapping = person_mapping(match_field="External ID", match_value={"@path": "$.userId"})
    run = run_target(
        tmp_path,
        base_config | {"mappings": [mapping]},
        messages(identify("ext-1", "a@example.com", "A"), identify("ext-1", "a@example.com", "A2")),
    )
    assert run.returncode == 0, run.stderr
    [person] = sandbox.entities("persons")
    assert person["custom_fields"][api.field_key("person", "External ID")] == "ext-1"
    assert person["name"] == "A2"


def test_match_field_setting_by_name(tmp_path, sandbox, base_config, api):
    mapping = person_mapping()
    del mapping["fields"]["match_field"]
    mapping["fields"]["match_value"] = {"@path": "$.userId"}
    config = base_config | {"person_field": "External ID", "mappings": [mapping]}
    assert run_target(tmp_path, config, messages(identify("ext-9", "n@example.com", "N"))).returncode == 0
    assert run_target(tmp_path, config, messages(identify("ext-9", "n@example.com", "N2"))).returncode == 0
    [person] = sandbox.entities("persons")
    assert person["name"] == "N2"
    assert person["custom_fields"][api.field_key("person", "External ID")] == "ext-9"


def test_id_match_with_non_numeric_value_is_rejected_not_duplicated(tmp_path, sandbox, base_config):
    mapping = person_mapping(match_field="id", match_value={"@path": "$.userId"})
    run = run_target(
        tmp_path, base_config | {"mappings": [mapping]}, messages(identify("user-x", "x@e.com", "X"))
    )
    assert run.returncode == 0, run.stderr
    assert sandbox.entities("persons") == []
    [reject] = run.rejects
    assert reject["field"] == "match_value"
    assert "not a Pipedrive person id" in reject["reason"]
    assert reject["mapping"] == "people"


def test_id_match_finds_by_get_not_search(tmp_path, sandbox, base_config, api):
    created = api.call("POST", "/api/v2/persons", json={"name": "Existing"})
    mapping = person_mapping(match_field="id", match_value={"@path": "$.userId"})
    run = run_target(
        tmp_path,
        base_config | {"mappings": [mapping]},
        messages(identify(str(created["id"]), "e@e.com", "Renamed")),
    )
    assert run.returncode == 0, run.stderr
    [person] = sandbox.entities("persons")
    assert person["name"] == "Renamed"
    paths = [e["path"] for e in sandbox.log()]
    assert f"/api/v2/persons/{created['id']}" in paths
    assert not any("search" in p for p in paths)


def test_two_verified_hits_reject_as_ambiguous(tmp_path, sandbox, base_config, api):
    first = api.call(
        "POST", "/api/v2/persons", json={"name": "Twin 1", "emails": [{"value": "twin@example.com"}]}
    )
    second = api.call(
        "POST", "/api/v2/persons", json={"name": "Twin 2", "emails": [{"value": "twin@example.com"}]}
    )
    run = run_target(
        tmp_path,
        base_config | {"mappings": [person_mapping()]},
        messages(identify("u", "twin@example.com", "T")),
    )
    assert run.returncode == 0, run.stderr
    [reject] = run.rejects
    assert str(first["id"]) in reject["reason"] and str(second["id"]) in reject["reason"]
    assert len(sandbox.entities("persons")) == 2


def test_unsearchable_match_field_is_a_config_error_before_any_record(tmp_path, sandbox, base_config):
    mapping = person_mapping(match_field="Tier")
    run = run_target(tmp_path, base_config | {"mappings": [mapping]}, messages(identify("u", "a@b.com", "A")))
    assert run.returncode != 0
    assert "cannot search" in run.stderr
    assert not any(e["method"] in ("POST", "PATCH") for e in sandbox.log())


def test_unknown_custom_field_name_is_a_config_error(tmp_path, sandbox, base_config):
    mapping = person_mapping(custom_fields={"Shoe Size": {"@path": "$.traits.shoe"}})
    run = run_target(tmp_path, base_config | {"mappings": [mapping]}, messages(identify("u", "a@b.com", "A")))
    assert run.returncode != 0
    assert "Shoe Size" in run.stderr
    assert sandbox.entities("persons") == []


def test_custom_fields_by_name_with_option_labels(tmp_path, sandbox, base_config, api):
    mapping = person_mapping(
        custom_fields={
            "Tier": {"@path": "$.traits.tier"},
            "Interests": {"@path": "$.traits.interests"},
            "Lifetime Value": {"@path": "$.traits.ltv"},
            "Birthday": {"@path": "$.traits.birthday"},
        }
    )
    record = identify(
        "u",
        "a@b.com",
        "A",
        tier="gold",
        interests=["Music", "Travel"],
        ltv={"value": 120.5, "currency": "eur"},
        birthday="1815-12-10T00:00:00Z",
    )
    run = run_target(tmp_path, base_config | {"mappings": [mapping]}, messages(record))
    assert run.returncode == 0, run.stderr
    [person] = sandbox.entities("persons")
    custom = person["custom_fields"]
    assert custom[api.field_key("person", "Tier")] == api.option_id("person", "Tier", "Gold")
    assert sorted(custom[api.field_key("person", "Interests")]) == sorted(
        [api.option_id("person", "Interests", "Music"), api.option_id("person", "Interests", "Travel")]
    )
    assert custom[api.field_key("person", "Lifetime Value")] == {"value": 120.5, "currency": "EUR"}
    assert custom[api.field_key("person", "Birthday")] == "1815-12-10"


def test_unknown_option_label_rejects_the_record_listing_valid_labels(tmp_path, sandbox, base_config):
    mapping = person_mapping(custom_fields={"Tier": {"@path": "$.traits.tier"}})
    run = run_target(
        tmp_path,
        base_config | {"mappings": [mapping]},
        messages(
            identify("u", "a@b.com", "A", tier="Platinum"), identify("v", "v@b.com", "V", tier="Bronze")
        ),
    )
    assert run.returncode == 0, run.stderr
    [reject] = run.rejects
    assert reject["field"] == "custom_fields.Tier"
    assert "'Gold'" in reject["reason"] and "'Bronze'" in reject["reason"]
    assert [p["name"] for p in sandbox.entities("persons")] == ["V"]
    summary = run.summary()
    assert summary["records_in"] == 2
    assert summary["written"] == 1 and summary["rejected"] == 1


def test_invalid_visibility_is_rejected(tmp_path, sandbox, base_config):
    mapping = person_mapping(visible_to="everyone-ish")
    run = run_target(tmp_path, base_config | {"mappings": [mapping]}, messages(identify("u", "a@b.com", "A")))
    assert run.returncode == 0, run.stderr
    [reject] = run.rejects
    assert reject["field"] == "visible_to"
    assert sandbox.entities("persons") == []


@pytest.mark.parametrize(
    ("lookup_path", "strategy"), [("/api/v2/persons", "best"), ("/api/v2/persons/search", "segment")]
)
def test_failed_lookup_never_leads_to_a_create(tmp_path, sandbox, base_config, lookup_path, strategy):
    # Ours looks a person up in the prefetched list; the `segment` strategy searches.
    sandbox.configure(faults=[{"path": lookup_path, "method": "GET", "status": 503, "count": 100}])
    run = run_target(
        tmp_path,
        base_config | {"mappings": [person_mapping()], "max_retries": 1, "strategy": strategy},
        messages(identify("u", "a@b.com", "A")),
    )
    assert run.returncode != 0
    assert sandbox.entities("persons") == []
    assert "sandbox-api-token" not in run.stderr


def test_addresses_that_differ_only_under_case_folding_stay_two_people(tmp_path, sandbox, base_config):
    """Case does not tell people apart (Ada@ is ada@), but "straße" is not "strasse": casefolding would
    make them one key, and the second person's address would never be stored."""
    config = base_config | {"mappings": [person_mapping()]}
    run = run_target(
        tmp_path,
        config,
        messages(
            identify("u1", "straße@example.com", "Grete"),
            identify("u2", "strasse@example.com", "Hans"),
            identify("u3", "STRASSE@example.com", "Hans Strasse"),
        ),
    )
    assert run.returncode == 0, run.stderr
    persons = sorted(sandbox.entities("persons"), key=lambda p: p["id"])
    assert [(p["name"], p["emails"][0]["value"]) for p in persons] == [
        ("Grete", "straße@example.com"),
        ("Hans Strasse", "strasse@example.com"),
    ]


NFC_EMAIL = "jos\u00e9@ex\u00e4mple.com"
NFD_EMAIL = "jose\u0301@exa\u0308mple.com"  # the same address as macOS and some CRMs send it


def test_an_email_in_either_unicode_form_is_one_person(tmp_path, sandbox, base_config):
    config = base_config | {"mappings": [person_mapping()]}
    first = run_target(tmp_path, config, messages(identify("u1", NFD_EMAIL, "José")))
    assert first.returncode == 0, first.stderr
    again = messages(identify("u1", NFC_EMAIL, "José A."), identify("u1", NFD_EMAIL, "José B."))
    second = run_target(tmp_path, config, again)
    assert second.returncode == 0, second.stderr
    # A new ledger: found by listing or searching the account, compared in NFC.
    third = run_target(tmp_path, config | {"ledger_path": str(tmp_path / "new.sqlite")}, again)
    assert third.returncode == 0, third.stderr
    [person] = sandbox.entities("persons")
    assert person["name"] == "José B."
    assert [e["value"] for e in person["emails"]] == [NFC_EMAIL]  # sent in NFC, as compared


def test_an_email_with_an_invisible_character_is_rejected_with_its_reason(tmp_path, sandbox, base_config):
    config = base_config | {"mappings": [person_mapping()]}
    run = run_target(
        tmp_path,
        config,
        messages(identify("u1", "a@x.example", "Ada"), identify("u2", "a@x.example\u200b", "Ada again")),
    )
    assert run.returncode == 0, run.stderr
    [reject] = run.rejects
    assert reject["field"] == "match_value"
    assert "holds an invisible character (U+200B ZERO WIDTH SPACE at position 12)" in reject["reason"]
    assert [p["name"] for p in sandbox.entities("persons")] == ["Ada"]
