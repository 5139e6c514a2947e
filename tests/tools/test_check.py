"""`target-pipedrive-tools check`: a config against the account, without writing anything."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from .run_tools import run_tools

ROOT = Path(__file__).resolve().parents[2]


def _person_mapping(**fields: Any) -> dict[str, Any]:
    return {
        "name": "People",
        "trigger": 'type = "identify"',
        "action": "upsert_person",
        "fields": {"match_value": {"@path": "$.traits.email"}, **fields},
    }


def test_the_sample_config_fits_and_nothing_is_written(tmp_path, sandbox):
    config = json.loads((ROOT / "sample_config.json").read_text())
    config |= {"api_url": sandbox.url, "api_token": sandbox.token}
    done = run_tools(tmp_path, "check", config=config)
    assert done.returncode == 0, done.stdout + done.stderr
    assert done.stdout.startswith("OK")
    assert {entry["method"] for entry in sandbox.log()} == {"GET"}
    assert sum(len(items) for items in sandbox.state().values()) == 0


def test_every_problem_on_its_own_line_naming_mapping_field_and_fix(tmp_path, sandbox):
    mappings = [
        _person_mapping(match_field="Emial"),
        _person_mapping(match_field="Tier") | {"name": "By tier"},
        _person_mapping(match_field="email", custom_fields={"Teir": "Gold", "Tier": "Platinum"})
        | {"name": "Custom"},
    ]
    config = {
        "api_url": sandbox.url,
        "api_token": sandbox.token,
        "deal_field": "Region",
        "mappings": mappings,
    }
    done = run_tools(tmp_path, "check", config=config)
    assert done.returncode == 1
    lines = done.stdout.splitlines()
    assert len(lines) == 5, done.stdout
    assert lines[0].startswith("setting deal_field: deal field 'Region' is of type 'enum'")
    assert lines[1].startswith("mapping 'People', field 'match_field': person field 'Emial' does not exist")
    assert "known fields: Name (name)" in lines[1]
    assert lines[2].startswith(
        "mapping 'By tier', field 'match_field': person field 'Tier' is of type 'enum'"
    )
    assert lines[3].startswith(
        "mapping 'Custom', field 'custom_fields.Teir': person field 'Teir' does not exist"
    )
    assert lines[4] == (
        "mapping 'Custom', field 'custom_fields.Tier': 'Platinum' is not an option of 'Tier'; "
        "valid labels: 'Gold', 'Silver', 'Bronze'"
    )
    assert "5 problem(s)" in done.stderr


def test_a_mapping_that_does_not_compile_is_reported_without_calling_pipedrive(tmp_path, sandbox):
    config = {
        "api_url": sandbox.url,
        "api_token": sandbox.token,
        "mappings": [_person_mapping() | {"trigger": 'type = "identify" and'}],
    }
    done = run_tools(tmp_path, "check", config=config)
    assert done.returncode == 1
    assert "People" in done.stdout
    assert sandbox.log() == []


def test_a_path_the_mapping_kit_cannot_read_fails_the_check(tmp_path, sandbox):
    config = {
        "api_url": sandbox.url,
        "api_token": sandbox.token,
        "mappings": [_person_mapping(name={"@path": "$.traits[.name"})],
    }
    done = run_tools(tmp_path, "check", config=config)
    assert done.returncode == 1, done.stdout + done.stderr
    assert "OK" not in done.stdout
    assert "People" in done.stdout and "/fields/name/@path '$.traits[.name'" in done.stdout
    assert "'[' without a closing ']' at column 9" in done.stdout


def test_a_refused_token_is_a_problem_of_the_api_token_setting(tmp_path, sandbox):
    done = run_tools(tmp_path, "check", config={"api_url": sandbox.url, "api_token": "not-the-token"})
    assert done.returncode == 1
    assert done.stdout.splitlines()[0].startswith("setting api_token: Pipedrive refused the token (401)")
    assert "not-the-token" not in done.stdout + done.stderr


def test_settings_from_the_environment(tmp_path, sandbox):
    env = {
        "TARGET_PIPEDRIVE_API_URL": sandbox.url,
        "TARGET_PIPEDRIVE_API_TOKEN": sandbox.token,
        "TARGET_PIPEDRIVE_MAPPINGS": json.dumps([_person_mapping(match_field="Emial")]),
    }
    done = run_tools(tmp_path, "check", "--config", "ENV", env=env)
    assert done.returncode == 1
    assert "mapping 'People', field 'match_field'" in done.stdout


def test_no_token_anywhere_is_a_usage_error(tmp_path, sandbox):
    done = run_tools(tmp_path, "check", config={"api_url": sandbox.url})
    assert done.returncode == 2
    assert "no api_token" in done.stderr


def test_literal_owners_stages_and_labels_are_checked_against_the_directory(tmp_path, sandbox):
    links = {"person_match_value": {"@path": "$.userId"}, "title": "T"}
    mappings = [
        _person_mapping(match_field="email", owner="nobody@example.test"),
        {
            "name": "Deals",
            "trigger": 'type = "track"',
            "action": "upsert_deal",
            "fields": {**links, "pipeline": "Partner pipeline", "stage": "Signed", "owner": "Ana Silva"},
        },
        {
            "name": "Leads",
            "trigger": 'type = "track"',
            "action": "upsert_lead",
            "fields": {**links, "labels": ["Hot", "Tepid"]},
        },
    ]
    config = {"api_url": sandbox.url, "api_token": sandbox.token, "mappings": mappings}
    done = run_tools(tmp_path, "check", config=config)
    assert done.returncode == 1, done.stdout + done.stderr
    problems = done.stdout.splitlines()
    assert len(problems) == 3, problems
    assert problems[0].startswith("mapping 'People', field 'owner': 'nobody@example.test' is not a user")
    assert "valid users: 'Sandbox Admin' <admin@sandbox.example> (id 1)" in problems[0]
    assert problems[1].startswith("mapping 'Deals', field 'owner': 'Ana Silva' names 2 users")
    assert problems[2].startswith("mapping 'Leads', field 'labels': 'Tepid' is not a lead label")
    assert "'Hot'" in problems[2] and "'Warm'" in problems[2]
