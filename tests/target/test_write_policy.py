"""The write policy over real HTTP (docs/write-policy.md): field-level source diff, merged contact lists,
preserve and create-only fields, an activity's participants and a lead's currency."""

from __future__ import annotations

import sqlite3
from typing import Any

from target_pipedrive.account.ledger import digest

from .cli import messages, run_target
from .test_person import identify, person_mapping


def _requests(sandbox: Any, method: str, prefix: str) -> list[dict[str, Any]]:
    return [e for e in sandbox.log() if e["method"] == method and e["path"].startswith(prefix)]


def _writes(sandbox: Any) -> list[dict[str, Any]]:
    return [e for e in sandbox.log() if e["method"] in ("POST", "PATCH", "PUT", "DELETE")]


def test_hand_edit_survives_until_the_source_changes_that_field(tmp_path, sandbox, base_config, api):
    config = base_config | {"mappings": [person_mapping(phone={"@path": "$.traits.phone"})]}
    first = run_target(
        tmp_path, config, messages(identify("u1", "ada@example.com", "Ada", phone="+1 555 0100"))
    )
    assert first.returncode == 0, first.stderr
    [person] = sandbox.entities("persons")
    api.call("PATCH", f"/api/v2/persons/{person['id']}", json={"name": "Ada (VIP)"})

    # Re-sync, source unchanged: nothing is sent, the hand edit stays.
    before = len(sandbox.log())
    again = run_target(
        tmp_path, config, messages(identify("u1", "ada@example.com", "Ada", phone="+1 555 0100"))
    )
    assert again.returncode == 0, again.stderr
    assert again.summary()["mappings"]["people"]["unchanged"] == 1
    assert len(sandbox.log()) == before  # not a single request
    assert sandbox.entities("persons")[0]["name"] == "Ada (VIP)"

    # The source changes another field: only that field is sent, the hand edit still stays.
    phone = run_target(
        tmp_path, config, messages(identify("u1", "ada@example.com", "Ada", phone="+1 555 0199"))
    )
    assert phone.returncode == 0, phone.stderr
    patch = _requests(sandbox, "PATCH", "/api/v2/persons/")[-1]
    assert set(patch["body"]) == {"phones"}
    [held] = sandbox.entities("persons")
    assert held["name"] == "Ada (VIP)"
    assert [p["value"] for p in held["phones"]] == ["+1 555 0100", "+1 555 0199"]  # merged, not replaced
    assert phone.summary()["mappings"]["people"]["fields_updated"] == {"phone": 1}

    # The source changes the edited field: the source wins.
    renamed = run_target(
        tmp_path, config, messages(identify("u1", "ada@example.com", "Ada Lovelace", phone="+1 555 0199"))
    )
    assert renamed.returncode == 0, renamed.stderr
    assert sandbox.entities("persons")[0]["name"] == "Ada Lovelace"
    assert _requests(sandbox, "PATCH", "/api/v2/persons/")[-1]["body"] == {"name": "Ada Lovelace"}
    assert renamed.summary()["mappings"]["people"]["fields_updated"] == {"name": 1}


def test_second_email_and_its_label_survive_an_update(tmp_path, sandbox, base_config, api):
    mapping = person_mapping(email={"@path": "$.traits.emails"})
    config = base_config | {"mappings": [mapping]}
    first = run_target(
        tmp_path, config, messages(identify("u1", "ada@example.com", "Ada", emails=["ada@example.com"]))
    )
    assert first.returncode == 0, first.stderr
    [person] = sandbox.entities("persons")
    # A rep adds a home address by hand.
    api.call(
        "PATCH",
        f"/api/v2/persons/{person['id']}",
        json={
            "emails": [
                {"value": "ada@example.com", "label": "work", "primary": True},
                {"value": "ada@home.example", "label": "home", "primary": False},
            ]
        },
    )
    # The source gains a second address: it is added, the home one stays with its label, the primary stays.
    emails = ["ada@example.com", {"value": "ada@new.example", "label": "other"}]
    second = run_target(tmp_path, config, messages(identify("u1", "ada@example.com", "Ada", emails=emails)))
    assert second.returncode == 0, second.stderr
    [held] = sandbox.entities("persons")
    assert [(e["value"], e["label"], e["primary"]) for e in held["emails"]] == [
        ("ada@example.com", "work", True),
        ("ada@home.example", "home", False),
        ("ada@new.example", "other", False),
    ]
    # The ledger knew the person, the listed entity did not: one GET to merge into, one PATCH.
    assert len(_requests(sandbox, "GET", f"/api/v2/persons/{person['id']}")) == 1
    # Only a mapping that marks a primary moves it.
    emails = ["ada@example.com", {"value": "ada@new.example", "label": "other", "primary": True}]
    third = run_target(tmp_path, config, messages(identify("u1", "ada@example.com", "Ada", emails=emails)))
    assert third.returncode == 0, third.stderr
    [held] = sandbox.entities("persons")
    assert [(e["value"], e["primary"]) for e in held["emails"]] == [
        ("ada@example.com", False),
        ("ada@home.example", False),
        ("ada@new.example", True),
    ]
    assert held["emails"][1]["label"] == "home"


def test_contacts_replace_makes_the_source_the_whole_list(tmp_path, sandbox, base_config, api):
    mapping = person_mapping(email={"@path": "$.traits.emails"}) | {"contacts": "replace"}
    config = base_config | {"mappings": [mapping]}
    run_target(
        tmp_path, config, messages(identify("u1", "ada@example.com", "Ada", emails=["ada@example.com"]))
    )
    [person] = sandbox.entities("persons")
    api.call(
        "PATCH",
        f"/api/v2/persons/{person['id']}",
        json={"emails": [{"value": "ada@example.com"}, {"value": "ada@home.example", "label": "home"}]},
    )
    emails = ["ada@example.com", {"value": "ada@new.example", "label": "mobile"}]
    run = run_target(tmp_path, config, messages(identify("u1", "ada@example.com", "Ada", emails=emails)))
    assert run.returncode == 0, run.stderr
    [held] = sandbox.entities("persons")
    assert [(e["value"], e["label"]) for e in held["emails"]] == [
        ("ada@example.com", "work"),
        ("ada@new.example", "mobile"),
    ]
    # Replacing reads nothing.
    assert not _requests(sandbox, "GET", f"/api/v2/persons/{person['id']}")


def test_contact_objects_with_a_label_pipedrive_lacks_are_rejected(tmp_path, sandbox, base_config):
    mapping = person_mapping(email={"@path": "$.traits.emails"})
    emails = [{"value": "ada@example.com", "label": "fax"}]
    run = run_target(
        tmp_path,
        base_config | {"mappings": [mapping]},
        messages(identify("u1", "ada@example.com", "Ada", emails=emails)),
    )
    assert run.returncode == 0, run.stderr
    [reject] = run.rejects
    assert reject["field"] == "email"
    assert "work, home, mobile, other" in reject["reason"]


def test_without_a_ledger_row_only_fields_the_listed_entity_lacks_are_sent(
    tmp_path, sandbox, base_config, api
):
    api.call(
        "POST",
        "/api/v2/persons",
        json={
            "name": "Ada (typed by a rep)",
            "emails": [
                {"value": "ada@example.com", "label": "work", "primary": True},
                {"value": "ada@home.example", "label": "home"},
            ],
            "phones": [{"value": "+1 555 0100", "label": "mobile"}],
        },
    )
    mapping = person_mapping(phone={"@path": "$.traits.phone"}) | {"preserve": ["name"]}
    run = run_target(
        tmp_path,
        base_config | {"mappings": [mapping]},
        messages(identify("u1", "ada@example.com", "Ada", phone="+1 555 0100")),
    )
    assert run.returncode == 0, run.stderr
    # The listed entity already holds the email and the phone, and its name is preserved: no write.
    assert not _writes(sandbox)[1:]
    assert run.summary()["mappings"]["people"]["unchanged"] == 1
    held = sandbox.entities("persons")[0]
    assert held["name"] == "Ada (typed by a rep)"
    assert len(held["emails"]) == 2


def test_preserve_writes_only_into_empty_values(tmp_path, sandbox, base_config, api):
    external = api.field_key("person", "External ID")
    mapping = person_mapping(custom_fields={"External ID": {"@path": "$.userId"}}) | {
        "preserve": ["External ID", "name"]
    }
    config = base_config | {"mappings": [mapping]}
    # Created: preserved fields are written (the new entity has no values).
    first = run_target(tmp_path, config, messages(identify("u1", "ada@example.com", "Ada")))
    assert first.returncode == 0, first.stderr
    [person] = sandbox.entities("persons")
    assert person["custom_fields"][external] == "u1"
    api.call("PATCH", f"/api/v2/persons/{person['id']}", json={"custom_fields": {external: None}})

    # The source changes both: the empty External ID is filled, the name (not empty) is kept. The
    # entity's values are not known from a list here (the ledger found it): one GET tells them.
    second = run_target(tmp_path, config, messages(identify("u2", "ada@example.com", "Ada Lovelace")))
    assert second.returncode == 0, second.stderr
    [held] = sandbox.entities("persons")
    assert held["custom_fields"][external] == "u2"
    assert held["name"] == "Ada"
    assert _requests(sandbox, "PATCH", "/api/v2/persons/")[-1]["body"] == {"custom_fields": {external: "u2"}}
    assert len(_requests(sandbox, "GET", f"/api/v2/persons/{person['id']}")) == 1
    assert second.summary()["mappings"]["people"]["fields_updated"] == {"custom_fields.External ID": 1}

    # Not empty any more: a later change of the source is not written.
    third = run_target(tmp_path, config, messages(identify("u3", "ada@example.com", "Ada Lovelace")))
    assert third.returncode == 0, third.stderr
    assert sandbox.entities("persons")[0]["custom_fields"][external] == "u2"
    assert third.summary()["mappings"]["people"]["unchanged"] == 1


def test_create_only_fields_are_left_out_of_updates(tmp_path, sandbox, base_config):
    mapping = person_mapping(
        phone={"@path": "$.traits.phone"}, visible_to={"@path": "$.traits.visibility"}
    ) | {"create_only_fields": ["visible_to", "name"]}
    config = base_config | {"mappings": [mapping]}
    first = run_target(
        tmp_path, config, messages(identify("u1", "ada@example.com", "Ada", phone="+1 1", visibility="owner"))
    )
    assert first.returncode == 0, first.stderr
    assert sandbox.entities("persons")[0]["visible_to"] == 1
    before = len(_writes(sandbox))
    same_phone = run_target(
        tmp_path,
        config,
        messages(identify("u1", "ada@example.com", "Ada L", phone="+1 1", visibility="entire_company")),
    )
    assert same_phone.returncode == 0, same_phone.stderr
    assert len(_writes(sandbox)) == before  # create-only changes are not sent
    new_phone = run_target(
        tmp_path,
        config,
        messages(identify("u1", "ada@example.com", "Ada L", phone="+1 2", visibility="entire_company")),
    )
    assert new_phone.returncode == 0, new_phone.stderr
    assert _requests(sandbox, "PATCH", "/api/v2/persons/")[-1]["body"] == {
        "phones": [
            {"value": "+1 1", "primary": True, "label": "work"},
            {"value": "+1 2", "primary": False, "label": "work"},
        ]
    }
    [held] = sandbox.entities("persons")
    assert (held["name"], held["visible_to"]) == ("Ada", 1)


def test_an_earlier_versions_ledger_row_still_skips_an_unchanged_record(tmp_path, sandbox, base_config):
    config = base_config | {"mappings": [person_mapping()]}
    first = run_target(tmp_path, config, messages(identify("u1", "ada@example.com", "Ada")))
    assert first.returncode == 0, first.stderr
    # What the previous version kept: one digest of the whole body, as it sent it.
    old_body = {"name": "Ada", "emails": [{"value": "ada@example.com", "primary": True, "label": "work"}]}
    with sqlite3.connect(tmp_path / "ledger.sqlite") as db:
        db.execute("UPDATE entries SET digest = ? WHERE scope LIKE 'write:%'", (digest(old_body),))
    before = len(sandbox.log())
    second = run_target(tmp_path, config, messages(identify("u1", "ada@example.com", "Ada")))
    assert second.returncode == 0, second.stderr
    assert second.summary()["mappings"]["people"]["unchanged"] == 1
    assert len(sandbox.log()) == before
    with sqlite3.connect(tmp_path / "ledger.sqlite") as db:
        [(stored,)] = db.execute("SELECT digest FROM entries WHERE scope LIKE 'write:%'").fetchall()
    assert stored.startswith("{")  # now field digests


def _activity_mapping() -> dict[str, Any]:
    return {
        "name": "activities",
        "trigger": 'type = "track"',
        "action": "upsert_activity",
        "fields": {
            "person_match_field": "email",
            "person_match_value": {"@path": "$.properties.email"},
            "subject": {"@path": "$.properties.subject"},
        },
    }


def _track(email: str, subject: str) -> dict[str, Any]:
    return {
        "type": "track",
        "event": "Call",
        "messageId": "m-1",
        "properties": {"email": email, "subject": subject},
    }


def test_activity_participants_merge(tmp_path, sandbox, base_config, api):
    people = [
        api.call("POST", "/api/v2/persons", json={"name": n, "emails": [{"value": f"{n}@example.com"}]})["id"]
        for n in ("ann", "bob", "cy")
    ]
    config = base_config | {"mappings": [_activity_mapping()]}
    first = run_target(tmp_path, config, messages(_track("ann@example.com", "Call")))
    assert first.returncode == 0, first.stderr
    [activity] = sandbox.entities("activities")
    api.call(
        "PATCH",
        f"/api/v2/activities/{activity['id']}",
        json={
            "participants": [
                {"person_id": people[0], "primary": True},
                {"person_id": people[1], "primary": False},
            ]
        },
    )
    # The same event again with another person: that person becomes the primary, Bob stays.
    second = run_target(tmp_path, config, messages(_track("cy@example.com", "Call")))
    assert second.returncode == 0, second.stderr
    [held] = sandbox.entities("activities")
    assert sorted((p["person_id"], p["primary"]) for p in held["participants"]) == [
        (people[0], False),
        (people[1], False),
        (people[2], True),
    ]
    assert held["subject"] == "Call"
    assert set(_requests(sandbox, "PATCH", "/api/v2/activities/")[-1]["body"]) == {"participants"}


def test_a_leads_currency_is_kept_when_only_the_amount_is_mapped(tmp_path, sandbox, base_config, api):
    person = api.call("POST", "/api/v2/persons", json={"name": "Ann"})["id"]
    lead = api.call(
        "POST",
        "/api/v1/leads",
        json={"title": "L", "person_id": person, "value": {"amount": 100, "currency": "EUR"}},
    )["id"]
    mapping = {
        "name": "leads",
        "trigger": 'type = "track"',
        "action": "upsert_lead",
        "fields": {
            "lead_id": {"@path": "$.properties.lead_id"},
            "title": "L",
            "amount": {"@path": "$.properties.amount"},
        },
    }
    event = {"type": "track", "event": "Lead", "properties": {"lead_id": lead, "amount": 250}}
    run = run_target(tmp_path, base_config | {"mappings": [mapping]}, messages(event))
    assert run.returncode == 0, run.stderr
    [held] = sandbox.entities("leads")
    assert held["value"] == {"amount": 250, "currency": "EUR"}
    # Asked once, for the company whose writer lock a first run takes: never for the default currency.
    assert len(_requests(sandbox, "GET", "/api/v1/users/me")) == 1
    # The lead's title was already "L": only the value was sent.
    assert _requests(sandbox, "PATCH", "/api/v1/leads/")[-1]["body"] == {
        "value": {"amount": 250, "currency": "EUR"}
    }


def test_a_blind_update_leaves_an_address_it_already_holds_alone(tmp_path, sandbox, base_config, api):
    """No digests yet (a mapping's first sync of people already in Pipedrive): the same address sent
    again as {value} would erase the parts Pipedrive holds (it nulls the parts a write leaves out). The
    person is read first, and the address it already holds is not sent."""
    home = api.field_key("person", "Home Address")
    full = {
        "value": "1 Main St, Springfield",
        "street_number": "1",
        "route": "Main St",
        "locality": "Springfield",
        "postal_code": "12345",
    }
    emails = [{"value": "ada@example.com", "primary": True, "label": "work"}]
    api.call("POST", "/api/v2/persons", json={"name": "Ada", "emails": emails, "custom_fields": {home: full}})
    address = {"Home Address": {"@path": "$.traits.address"}}
    config = base_config | {"mappings": [person_mapping(custom_fields=address)]}
    same = identify("u1", "ada@example.com", "Ada Lovelace", address="1 Main St, Springfield")
    run = run_target(tmp_path, config, messages(same))
    assert run.returncode == 0, run.stderr
    [held] = sandbox.entities("persons")
    assert held["name"] == "Ada Lovelace"
    assert held["custom_fields"][home] == full
    assert "custom_fields" not in _requests(sandbox, "PATCH", "/api/v2/persons/")[-1]["body"]

    # A new address is sent: the parts of the old one no longer hold.
    moved = identify("u1", "ada@example.com", "Ada Lovelace", address="9 Elm Rd, Shelbyville")
    assert run_target(tmp_path, config, messages(moved)).returncode == 0
    assert sandbox.entities("persons")[0]["custom_fields"][home] == {"value": "9 Elm Rd, Shelbyville"}
