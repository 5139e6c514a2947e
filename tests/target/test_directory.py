"""Owners, deal pipelines and stages, lead labels by name, against the sandbox's directory (issue 18).

The sandbox's seed: users 1 Sandbox Admin (admin@sandbox.example), 2 and 3 both "Ana Silva"
(ana@example.test, ana.silva@example.test), 4 Bruno Costa (inactive); pipelines 1 "Sales pipeline"
(stages 1-5: Lead In, Qualified, Proposal Made, Negotiations Started, Closing) and 2 "Partner pipeline"
(stages 6-8: Qualified, Onboarding, Signed); lead labels Hot, Cold, Warm.
"""

from __future__ import annotations

import json
import unicodedata
from typing import Any

import pytest
from pipedrive_sandbox.seed import load_seed

from .cli import messages, run_target
from .test_associations import ORG, PERSON, SEED, mapping

HOT, COLD, WARM = (
    "f08b42a0-4e75-11ea-9643-03698ef1cfd6",
    "f08b42a1-4e75-11ea-9643-03698ef1cfd6",
    "f08b69b0-4e75-11ea-9643-03698ef1cfd6",
)
LINK = {"person_match_field": "email", "person_match_value": {"@path": "$.properties.email"}}


def track(event: str, **properties: Any) -> dict[str, Any]:
    return {"type": "track", "event": event, "properties": {"email": "ann@acme.example", **properties}}


def deal_mapping(**fields: Any) -> dict[str, Any]:
    return mapping("deals", "upsert_deal", "Deal", title={"@path": "$.properties.title"}, **LINK, **fields)


def lead_mapping(**fields: Any) -> dict[str, Any]:
    return mapping("leads", "upsert_lead", "Lead", title={"@path": "$.properties.title"}, **LINK, **fields)


def run(tmp_path, base_config, extra: dict[str, Any], *records: dict[str, Any]):
    return run_target(tmp_path, base_config | {"mappings": [ORG, PERSON, extra]}, messages(*SEED, *records))


def directory_reads(sandbox) -> dict[str, int]:
    paths = ("/api/v1/users", "/api/v2/pipelines", "/api/v2/stages", "/api/v1/leadLabels")
    log = sandbox.log()
    return {path: sum(1 for e in log if e["method"] == "GET" and e["path"] == path) for path in paths}


# Owners
@pytest.mark.parametrize(
    ("owner", "owner_id"),
    [("ana@example.test", 2), ("ANA.SILVA@example.test", 3), ("Bruno Costa", 4), ("1", 1), (4, 4)],
)
def test_owner_by_email_name_or_id(tmp_path, sandbox, base_config, owner, owner_id):
    deals = deal_mapping(owner={"@path": "$.properties.owner"})
    done = run(tmp_path, base_config, deals, track("Deal", title="D", owner=owner))
    assert done.returncode == 0, done.stderr
    assert not done.rejects
    [deal] = sandbox.entities("deals")
    assert deal["owner_id"] == owner_id


def test_an_ambiguous_or_unknown_owner_rejects_the_record_listing_the_users(tmp_path, sandbox, base_config):
    deals = deal_mapping(owner={"@path": "$.properties.owner"})
    owners = {"Shared name": "Ana Silva", "Nobody": "nobody@example.test"}
    done = run(tmp_path, base_config, deals, *(track("Deal", title=t, owner=o) for t, o in owners.items()))
    assert done.returncode == 0, done.stderr
    ambiguous, unknown = sorted(done.rejects, key=lambda r: r["reason"])
    assert ambiguous["field"] == unknown["field"] == "owner"
    assert "names 2 users" in ambiguous["reason"]
    assert "ana@example.test" in ambiguous["reason"] and "ana.silva@example.test" in ambiguous["reason"]
    assert "'nobody@example.test' is not a user" in unknown["reason"]
    assert "admin@sandbox.example" in unknown["reason"] and "Bruno Costa" in unknown["reason"]
    assert not sandbox.entities("deals")


@pytest.mark.parametrize(
    ("extra", "kind"),
    [
        ({**ORG, "name": "orgs2", "fields": {**ORG["fields"], "owner": "ana@example.test"}}, "organizations"),
        (
            mapping("acts", "upsert_activity", "Act", subject="Call", owner="ana@example.test", **LINK),
            "activities",
        ),
        (lead_mapping(owner="ana@example.test"), "leads"),
    ],
)
def test_owner_on_organizations_activities_and_leads(tmp_path, sandbox, base_config, extra, kind):
    records = [track("Act"), track("Lead", title="L")] if kind != "organizations" else []
    done = run(tmp_path, base_config, extra, *records)
    assert done.returncode == 0, done.stderr
    assert not done.rejects
    assert [item["owner_id"] for item in sandbox.entities(kind)] == [2]


def test_a_literal_owner_is_checked_at_start_up(tmp_path, sandbox, base_config):
    done = run(tmp_path, base_config, deal_mapping(owner="Ana Silva"), track("Deal", title="D"))
    assert done.returncode != 0
    assert "mapping 'deals', field 'owner'" in done.stderr and "names 2 users" in done.stderr
    assert not any(e["method"] in ("POST", "PATCH") for e in sandbox.log())


# Pipelines and stages
@pytest.mark.parametrize(
    ("fields", "stage_id", "pipeline_id"),
    [
        ({"pipeline": "Partner pipeline", "stage": "Qualified"}, 6, 2),
        ({"pipeline": "2", "stage": "qualified"}, 6, 2),
        ({"stage": "Sales pipeline / Qualified"}, 2, 1),
        ({"stage": "Proposal Made"}, 3, 1),
        ({"stage": 7}, 7, 2),
        ({"pipeline": "Partner pipeline"}, 6, 2),
        ({"stage_id": 4}, 4, 1),
    ],
)
def test_deal_placed_by_pipeline_and_stage(tmp_path, sandbox, base_config, fields, stage_id, pipeline_id):
    done = run(tmp_path, base_config, deal_mapping(**fields), track("Deal", title="D"))
    assert done.returncode == 0, done.stderr
    assert not done.rejects
    [deal] = sandbox.entities("deals")
    assert (deal["stage_id"], deal["pipeline_id"]) == (stage_id, pipeline_id)


def test_a_stage_in_several_pipelines_or_none_rejects_the_record(tmp_path, sandbox, base_config):
    deals = deal_mapping(stage={"@path": "$.properties.stage"}, pipeline={"@path": "$.properties.pipeline"})
    done = run(
        tmp_path,
        base_config,
        deals,
        track("Deal", title="Ambiguous", stage="Qualified"),
        track("Deal", title="Unknown", stage="Won"),
        track("Deal", title="Elsewhere", stage="Signed", pipeline="Sales pipeline"),
        track("Deal", title="No pipeline", pipeline="Retail"),
    )
    assert done.returncode == 0, done.stderr
    reasons = {r["record"]["properties"]["title"]: (r["field"], r["reason"]) for r in done.rejects}
    field, reason = reasons["Ambiguous"]
    assert field == "stage"
    assert "several pipelines" in reason
    assert "'Sales pipeline / Qualified'" in reason and "'Partner pipeline / Qualified'" in reason
    assert reasons["Unknown"][0] == "stage" and "valid stages" in reasons["Unknown"][1]
    assert "'Partner pipeline / Signed'" in reasons["Unknown"][1]
    assert "is in pipeline 'Partner pipeline'" in reasons["Elsewhere"][1]
    assert reasons["No pipeline"][0] == "pipeline" and "'Sales pipeline'" in reasons["No pipeline"][1]
    assert not sandbox.entities("deals")


def test_literal_pipeline_and_stage_are_checked_at_start_up(tmp_path, sandbox, base_config):
    done = run(tmp_path, base_config, deal_mapping(stage="Qualified"), track("Deal", title="D"))
    assert done.returncode != 0
    assert "mapping 'deals', field 'stage'" in done.stderr and "several pipelines" in done.stderr
    done = run(tmp_path, base_config, deal_mapping(pipeline="Retail", stage="Won"), track("Deal", title="D"))
    assert done.returncode != 0
    assert "field 'pipeline'" in done.stderr and "valid pipelines" in done.stderr
    assert "field 'stage'" in done.stderr
    # With the pipeline from the record, a stage name must still be one of the account's.
    from_record = {"pipeline": {"@path": "$.properties.pipeline"}}
    done = run(tmp_path, base_config, deal_mapping(stage="Won", **from_record), track("Deal", title="D"))
    assert done.returncode != 0
    assert "'Won' is not a stage" in done.stderr
    assert not any(e["method"] in ("POST", "PATCH") for e in sandbox.log())
    # … while a name two pipelines share is told apart by each record's pipeline.
    partner = track("Deal", title="D", pipeline="Partner pipeline")
    done = run(tmp_path, base_config, deal_mapping(stage="Qualified", **from_record), partner)
    assert done.returncode == 0, done.stderr
    [deal] = sandbox.entities("deals")
    assert (deal["pipeline_id"], deal["stage_id"]) == (2, 6)


# Lead labels
def test_lead_labels_by_name_or_id(tmp_path, sandbox, base_config):
    leads = lead_mapping(labels={"@path": "$.properties.labels"})
    given = {"One": "hot", "Two": ["Warm", COLD, "Warm"], "Bad": ["Hot", "Lukewarm"]}
    done = run(tmp_path, base_config, leads, *(track("Lead", title=t, labels=v) for t, v in given.items()))
    assert done.returncode == 0, done.stderr
    labels = {lead["title"]: lead["label_ids"] for lead in sandbox.entities("leads")}
    assert labels == {"One": [HOT], "Two": [WARM, COLD]}
    [reject] = done.rejects
    assert reject["field"] == "labels"
    assert "'Lukewarm' is not a lead label" in reject["reason"] and "Cold" in reject["reason"]


def test_a_literal_label_is_checked_at_start_up(tmp_path, sandbox, base_config):
    done = run(tmp_path, base_config, lead_mapping(labels=["Hot", "Tepid"]), track("Lead", title="L"))
    assert done.returncode != 0
    assert "mapping 'leads', field 'labels'" in done.stderr and "'Tepid' is not a lead label" in done.stderr


# What the directory costs
def test_the_directory_is_read_once_per_run_never_per_record(tmp_path, sandbox, base_config):
    deals = deal_mapping(
        owner={"@path": "$.properties.owner"},
        pipeline={"@path": "$.properties.pipeline"},
        stage={"@path": "$.properties.stage"},
    )
    leads = lead_mapping(labels={"@path": "$.properties.labels"}, owner="admin@sandbox.example")
    records = [
        track(
            "Deal", title=f"D{i}", owner=["ana@example.test", 4][i % 2], stage="Partner pipeline / Onboarding"
        )
        for i in range(12)
    ] + [track("Lead", title=f"L{i}", labels=["Hot", "Cold"][i % 2]) for i in range(12)]
    cfg = base_config | {"mappings": [ORG, PERSON, deals, leads], "max_in_flight": 4}
    done = run_target(tmp_path, cfg, messages(*SEED, *records))
    assert done.returncode == 0, done.stderr
    assert not done.rejects
    assert len(sandbox.entities("deals")) == 12 and len(sandbox.entities("leads")) == 12
    assert {deal["stage_id"] for deal in sandbox.entities("deals")} == {7}
    assert directory_reads(sandbox) == {
        "/api/v1/users": 1,
        "/api/v2/pipelines": 1,
        "/api/v2/stages": 1,
        "/api/v1/leadLabels": 1,
    }
    # Nothing of the directory is searched for: the only searches are the deals' and leads' links.
    searches = [e for e in sandbox.log() if "search" in e["path"].casefold()]
    assert all(e["path"] in ("/api/v2/persons/search", "/api/v2/itemSearch/field") for e in searches)


def test_owner_follows_the_write_policy(tmp_path, sandbox, base_config):
    # create_only_fields: the owner is set on create only; a rep may hand the person over afterwards.
    people = {
        **PERSON,
        "create_only_fields": ["owner"],
        "fields": {**PERSON["fields"], "owner": {"@path": "$.traits.owner"}},
    }
    cfg = base_config | {"mappings": [people]}

    def identify(name: str, owner: str) -> dict[str, Any]:
        return {"type": "identify", "traits": {"email": "ann@acme.example", "name": name, "owner": owner}}

    run_target(tmp_path, cfg, messages(identify("Ann", "ana@example.test")))
    [person] = sandbox.entities("persons")
    assert person["owner_id"] == 2
    mark = len(sandbox.log())
    done = run_target(tmp_path, cfg, messages(identify("Ann B", "Bruno Costa")))
    assert done.returncode == 0, done.stderr
    [patch] = [e for e in sandbox.log()[mark:] if e["method"] == "PATCH"]
    assert patch["body"] == {"name": "Ann B"}
    assert sandbox.entities("persons")[0]["owner_id"] == 2
    # Without it, the owner is sent when (and only when) its source value changes.
    cfg["mappings"] = [{**people, "create_only_fields": []}]
    mark = len(sandbox.log())
    run_target(tmp_path, cfg, messages(identify("Ann B", "admin@sandbox.example")))
    [patch] = [e for e in sandbox.log()[mark:] if e["method"] == "PATCH"]
    assert patch["body"] == {"owner_id": 1}
    mark = len(sandbox.log())
    run_target(tmp_path, cfg, messages(identify("Ann B", "admin@sandbox.example")))
    assert not [e for e in sandbox.log()[mark:] if e["method"] != "GET"]


def test_a_pipeline_or_label_name_two_share_rejects_the_record(tmp_path, sandbox_factory):
    # A seed with a second "Sales pipeline" (any case) and a second "Hot" label.
    seed = load_seed()
    seed["pipelines"].append({**seed["pipelines"][0], "id": 3, "name": "SALES PIPELINE", "order_nr": 3})
    seed["stages"].append({**seed["stages"][0], "id": 9, "pipeline_id": 3})
    seed["lead_labels"].append({**seed["lead_labels"][0], "id": "0b5f6c2e-0000-4000-8000-000000000003"})
    seed_file = tmp_path / "seed.json"
    seed_file.write_text(json.dumps(seed))
    server = sandbox_factory(seed=str(seed_file))
    config = {"api_url": server.url, "api_token": server.token}
    deals = deal_mapping(pipeline={"@path": "$.properties.pipeline"})
    leads = lead_mapping(labels={"@path": "$.properties.labels"})
    records = [
        track("Deal", title="Shared", pipeline="Sales pipeline"),
        track("Deal", title="By id", pipeline=3),
        track("Lead", title="Hot twice", labels="Hot"),
    ]
    done = run_target(tmp_path, config | {"mappings": [ORG, PERSON, deals, leads]}, messages(*SEED, *records))
    assert done.returncode == 0, done.stderr
    reasons = {r["record"]["properties"]["title"]: (r["field"], r["reason"]) for r in done.rejects}
    assert reasons["Shared"][0] == "pipeline" and "names 2 pipelines" in reasons["Shared"][1]
    assert "(id 1)" in reasons["Shared"][1] and "(id 3)" in reasons["Shared"][1]
    assert reasons["Hot twice"][0] == "labels" and "names 2 lead labels" in reasons["Hot twice"][1]
    [deal] = server.entities("deals")
    assert (deal["title"], deal["pipeline_id"], deal["stage_id"]) == ("By id", 3, 9)


def test_a_numeric_stage_id_of_another_pipeline_rejects_the_record(tmp_path, sandbox, base_config):
    # Pipedrive would ignore pipeline_id and place the deal in the stage's own pipeline.
    deals = deal_mapping(stage_id={"@path": "$.properties.stage_id"}, pipeline="Sales pipeline")
    done = run(tmp_path, base_config, deals, track("Deal", title="D", stage_id=7))
    assert done.returncode == 0, done.stderr
    [reject] = done.rejects
    assert reject["field"] == "stage_id" and "is in pipeline 'Partner pipeline'" in reject["reason"]
    assert not sandbox.entities("deals")


def test_a_deal_to_delete_is_deleted_whatever_its_owner_or_stage_names(tmp_path, sandbox, base_config):
    deals = deal_mapping(
        deal_match_field="title",
        deal_match_value={"@path": "$.properties.title"},
        owner={"@path": "$.properties.owner"},
        stage={"@path": "$.properties.stage"},
        status={"@path": "$.properties.status"},
    )
    created = run(tmp_path, base_config, deals, track("Deal", title="D", owner="1", stage="Closing"))
    assert created.returncode == 0 and not created.rejects, created.stderr
    gone = track("Deal", title="D", owner="left@example.test", stage="Archived", status="deleted")
    done = run(tmp_path, base_config, deals, gone)
    assert done.returncode == 0, done.stderr
    assert not done.rejects
    assert not sandbox.entities("deals")


def test_a_deactivated_namesake_does_not_make_an_owner_ambiguous(tmp_path, sandbox_factory):
    seed = load_seed()
    [bruno] = [user for user in seed["users"] if user["name"] == "Bruno Costa"]
    seed["users"].append({**bruno, "id": 5, "email": "bruno.new@example.test", "active_flag": True})
    seed_file = tmp_path / "seed.json"
    seed_file.write_text(json.dumps(seed))
    server = sandbox_factory(seed=str(seed_file))
    config = {"api_url": server.url, "api_token": server.token}
    deals = deal_mapping(owner="Bruno Costa")
    done = run_target(
        tmp_path, config | {"mappings": [ORG, PERSON, deals]}, messages(*SEED, track("Deal", title="D"))
    )
    assert done.returncode == 0, done.stderr
    [deal] = server.entities("deals")
    assert deal["owner_id"] == 5


@pytest.mark.parametrize(("held", "given"), [("NFC", "NFD"), ("NFD", "NFC")])
def test_an_owner_email_in_another_unicode_form_is_the_same_user(tmp_path, sandbox_factory, held, given):
    # "josé" typed on macOS arrives as "e" and a combining accent: the same address to a person.
    seed = load_seed()
    [bruno] = [user for user in seed["users"] if user["name"] == "Bruno Costa"]
    email = "José.Núñez@example.test"
    held_email = unicodedata.normalize(held, email)
    seed["users"].append({**bruno, "id": 6, "name": "José", "email": held_email, "active_flag": True})
    seed_file = tmp_path / "seed.json"
    seed_file.write_text(json.dumps(seed))
    server = sandbox_factory(seed=str(seed_file))
    config = {"api_url": server.url, "api_token": server.token}
    deals = deal_mapping(owner={"@path": "$.properties.owner"})
    owner = unicodedata.normalize(given, email.lower())
    assert owner != unicodedata.normalize(held, email.lower())
    records = messages(*SEED, track("Deal", title="D", owner=owner))
    done = run_target(tmp_path, config | {"mappings": [ORG, PERSON, deals]}, records)
    assert done.returncode == 0, done.stderr
    assert not done.rejects
    [deal] = server.entities("deals")
    assert deal["owner_id"] == 6
