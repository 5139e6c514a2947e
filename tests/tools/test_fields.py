"""`target-pipedrive-tools fields`: the account's fields per entity, read from the sandbox."""

from __future__ import annotations

import json

from .run_tools import run_tools


def _row(output: str, entity: str, name: str) -> list[str]:
    """The table row of field `name` in the section of `entity`, split on runs of two spaces."""
    section = output.split(f"{entity} fields", 1)[1].split("\n\n", 1)[0]
    for line in section.splitlines()[2:]:
        cells = [cell.strip() for cell in line.strip().split("  ") if cell.strip()]
        if cells[0] == name:
            return cells
    raise AssertionError(f"no {name!r} in the {entity} fields:\n{section}")


def test_table_shows_keys_types_searchability_and_options(tmp_path, sandbox, api):
    done = run_tools(tmp_path, "fields", config={"api_url": sandbox.url, "api_token": sandbox.token})
    assert done.returncode == 0, done.stderr
    for entity in ("person", "organization", "deal", "activity"):
        assert f"{entity} fields (" in done.stdout
    external_id = api.field_key("person", "External ID")
    assert _row(done.stdout, "person", "External ID") == ["External ID", external_id, "varchar", "yes", "yes"]
    assert _row(done.stdout, "person", "Email")[3:] == ["no", "yes"]
    tier = _row(done.stdout, "person", "Tier")
    assert tier[2:] == ["enum", "yes", "no", "Gold, Silver, Bronze"]
    # Only the matchable entities have searchable fields.
    assert _row(done.stdout, "activity", "Subject")[4] == "no"


def test_json_for_one_entity_and_leads_show_the_deal_fields(tmp_path, sandbox, api):
    config = {"api_url": sandbox.url, "api_token": sandbox.token}
    done = run_tools(tmp_path, "fields", "--entity", "lead", "--json", config=config)
    assert done.returncode == 0, done.stderr
    fields = json.loads(done.stdout)
    assert list(fields) == ["deal"]
    region = next(f for f in fields["deal"] if f["name"] == "Region")
    assert region == {
        "name": "Region",
        "key": api.field_key("deal", "Region"),
        "type": "enum",
        "custom": True,
        "searchable": False,
        "options": ["EMEA", "AMER", "APAC"],
    }


def test_reads_only_and_never_prints_the_token(tmp_path, sandbox):
    done = run_tools(tmp_path, "fields", config={"api_url": sandbox.url, "api_token": sandbox.token})
    assert done.returncode == 0, done.stderr
    assert {entry["method"] for entry in sandbox.log()} == {"GET"}
    assert sandbox.token not in done.stdout + done.stderr


def test_a_refused_token_is_a_clear_error(tmp_path, sandbox):
    done = run_tools(tmp_path, "fields", config={"api_url": sandbox.url, "api_token": "wrong-token"})
    assert done.returncode == 2
    assert "HTTP 401" in done.stderr
    assert "wrong-token" not in done.stdout + done.stderr


def test_lists_users_pipelines_with_their_stages_and_lead_labels(tmp_path, sandbox):
    config = {"api_url": sandbox.url, "api_token": sandbox.token}
    done = run_tools(tmp_path, "fields", config=config)
    assert done.returncode == 0, done.stderr
    directory = done.stdout.split("users (4)", 1)[1]
    assert "  3  Ana Silva  ana.silva@example.test" in directory
    pipelines = directory.split("pipelines (2)", 1)[1].split("lead labels", 1)[0]
    assert "  2  Partner pipeline\n      6  Qualified\n      7  Onboarding\n      8  Signed" in pipelines
    assert "f08b69b0-4e75-11ea-9643-03698ef1cfd6  Warm" in done.stdout
    listed = json.loads(run_tools(tmp_path, "fields", "--json", config=config).stdout)
    assert listed["users"][1] == {"id": 2, "name": "Ana Silva", "email": "ana@example.test"}
    assert [stage["name"] for stage in listed["pipelines"][0]["stages"]][:2] == ["Lead In", "Qualified"]
    assert {label["name"] for label in listed["lead_labels"]} == {"Hot", "Cold", "Warm"}
