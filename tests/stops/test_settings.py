"""Every setting is checked at start-up: one line naming the setting and the fix, exit 1, before any
input is read; never a traceback, a hang, or the token in a message."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

from ..target.cli import Run, messages, run_target
from ..target.test_person import identify, person_mapping
from .clean_stop import assert_clean_stop, run_cli

PEOPLE = person_mapping()
START_UP = "The run stopped before reading any input"


def one_person() -> list[dict[str, Any]]:
    return messages(identify("u1", "a@x.io", "A"))


@pytest.mark.parametrize(
    ("settings", "message"),
    [
        ({"request_timeout": 0}, "setting request_timeout must be between 1 and 600"),
        ({"request_timeout": -1}, "setting request_timeout must be between 1 and 600"),
        ({"request_timeout": "soon"}, "setting request_timeout must be a whole number, not 'soon'"),
        ({"clock_speed": 1e-9}, "setting clock_speed must be between 1 and 1000"),
        ({"max_in_flight": 0}, "setting max_in_flight must be between 1 and 32"),
        ({"max_retries": -1}, "setting max_retries must be between 0 and 20"),
        ({"progress_interval": -5}, "setting progress_interval must be between 0 and 86400"),
        ({"max_rejects": -1}, "setting max_rejects must be 0 or more"),
        ({"max_rejects": 2.5}, "setting max_rejects must be a whole count"),
        ({"strategy": "fast"}, "setting strategy must be one of 'best', 'segment'"),
        ({"dry_run": "yes"}, "setting dry_run must be true or false"),
        ({"mappings": "people"}, "setting mappings must be a JSON array"),
        ({"ledger_url": "notaurl"}, "setting ledger_url is not a database URL"),
        ({"ledger_url": "sqlite://"}, "setting ledger_url names an in-memory SQLite database"),
        ({"ledger_url": "sqlite:///:memory:"}, "setting ledger_url names an in-memory SQLite database"),
        (
            {"mappings": ["x"]},
            "mapping #1: expected an object with name",
        ),
    ],
)
def test_a_bad_number_or_type_is_refused_at_start_up(tmp_path, sandbox, base_config, settings, message):
    run = run_target(tmp_path, base_config | {"mappings": [PEOPLE]} | settings, one_person(), timeout=60)
    assert_clean_stop(run, message)
    assert sandbox.entities("persons") == []
    assert not [e for e in sandbox.log() if e["method"] != "GET"]


@pytest.mark.parametrize("token", [["adv-token-9f8e7d6c"], {"token": "adv-token-9f8e7d6c"}, 12345678])
def test_a_token_of_the_wrong_type_is_never_shown(tmp_path, sandbox, token):
    config = {"api_url": sandbox.url, "api_token": token, "mappings": [PEOPLE]}
    run = run_target(tmp_path, config, one_person(), timeout=60)
    assert_clean_stop(run, "setting api_token must be a string, not", "(value not shown)")
    assert "adv-token" not in run.stderr + run.stdout
    assert "12345678" not in run.stderr + run.stdout


def test_a_missing_token_names_the_setting(tmp_path, sandbox):
    run = run_target(tmp_path, {"api_url": sandbox.url, "mappings": [PEOPLE]}, one_person(), timeout=60)
    assert_clean_stop(run, "setting api_token is required")


def test_a_config_file_that_cannot_be_read(tmp_path):
    run = run_cli(tmp_path, '{"api_token": "adv-token-9f8e7d6c", ')
    assert_clean_stop(run, "Invalid value for '--config': cannot read the config file: Expecting", code=2)
    assert "adv-token" not in run.stderr
    deep = '{"a": ' * 5000 + "1" + "}" * 5000
    run = run_cli(tmp_path, deep)
    assert_clean_stop(run, "the config file is nested too deeply to be a config", code=2)


def test_mappings_nested_too_deeply_in_the_config(tmp_path, sandbox, base_config):
    deep = '{"@if": {"exists": ' * 450 + '{"@path": "$.traits.name"}' + ', "then": "x", "else": "y"}}' * 450
    config = base_config | {"mappings": [person_mapping(name="NAME")]}
    run = run_cli(tmp_path, json.dumps(config).replace('"NAME"', deep))
    assert_clean_stop(
        run, "mapping 'people' (#1): /fields/name/@if/exists", "is nested deeper than 32 levels"
    )


@pytest.mark.parametrize(
    ("path", "problem"),
    [
        ("$.traits[.name", "'[' without a closing ']' at column 9"),
        ("$.traits..name[?(@", "'..' (JSONPath's recursive descent) at column 10"),
    ],
)
def test_a_path_the_mapping_kit_cannot_read_stops_at_start_up(tmp_path, sandbox, base_config, path, problem):
    # The kit reads "traits[" as a key name: the field was empty on every record, without a word.
    config = base_config | {"mappings": [person_mapping(name={"@path": path})]}
    run = run_cli(tmp_path, config, "".join(json.dumps(m) + "\n" for m in one_person()))
    assert_clean_stop(
        run,
        f"mapping 'people' (#1): /fields/name/@path {path!r} is not a path the mapping kit reads: {problem}",
        "write a dotted path such as $.traits.name",
    )
    # One line says it all (the SDK's "Config validation failed" follows every config error).
    errors = [line for line in run.stderr.splitlines() if "| ERROR" in line and "@path" in line]
    assert len(errors) == 1, run.stderr[-3000:]
    assert sandbox.entities("persons") == []


def test_a_template_placeholder_the_mapping_kit_cannot_read_stops_at_start_up(tmp_path, sandbox, base_config):
    # As a @path would: the placeholder rendered "" on every record, without a word.
    config = base_config | {"mappings": [person_mapping(name={"@template": "{{ $.traits[.name }} Lee"})]}
    run = run_cli(tmp_path, config, "".join(json.dumps(m) + "\n" for m in one_person()))
    assert_clean_stop(
        run,
        "mapping 'people' (#1): /fields/name/@template placeholder '$.traits[.name' is not a path the "
        "mapping kit reads: '[' without a closing ']' at column 9",
        "write a dotted path such as $.traits.name",
    )
    assert sandbox.entities("persons") == []


def _folder(tmp_path: Path) -> str:
    (tmp_path / "a-folder").mkdir()
    return str(tmp_path / "a-folder")


def _under_a_file(tmp_path: Path) -> str:
    (tmp_path / "a-file").write_text("x")
    return str(tmp_path / "a-file" / "out.json")


@pytest.mark.parametrize("setting", ["report_file", "reject_file", "dry_run_file", "ledger_path"])
@pytest.mark.parametrize(
    ("path", "problem"),
    [(_folder, "is a folder; give a file path"), (_under_a_file, "is a file, not a folder")],
)
def test_an_unusable_path_is_found_before_the_first_write(
    tmp_path, sandbox, base_config, setting, path, problem
):
    settings = {"mappings": [PEOPLE], setting: path(tmp_path)} | (
        {"dry_run": True} if setting == "dry_run_file" else {}
    )
    run = run_cli(tmp_path, base_config | settings, "".join(json.dumps(m) + "\n" for m in one_person()))
    assert_clean_stop(run, f"setting {setting}: ", problem)
    assert sandbox.entities("persons") == []


def test_a_device_that_is_not_a_file_is_refused(tmp_path, sandbox, base_config):
    run = run_target(tmp_path, base_config | {"mappings": [PEOPLE], "report_file": "/dev/full"}, one_person())
    assert_clean_stop(run, "setting report_file: '/dev/full' is not a regular file")
    assert sandbox.entities("persons") == []


@pytest.mark.parametrize(
    "content", [b"not a database at all " * 100, b"SQLite format 3\x00" + b"\xff" * 3000]
)
def test_a_corrupt_ledger_names_the_file_and_the_fix(tmp_path, sandbox, base_config, content):
    ledger = tmp_path / "ledger.sqlite"
    ledger.write_bytes(content)
    run = run_target(tmp_path, base_config | {"mappings": [PEOPLE], "ledger_path": str(ledger)}, one_person())
    assert_clean_stop(
        run, f"setting ledger_path: {str(ledger)!r} is not a usable sync ledger", "move the file away"
    )
    assert sandbox.entities("persons") == []


def test_an_unknown_setting_gets_the_closest_name_and_the_run_goes_on(tmp_path, sandbox, base_config):
    settings = {"mappings": [PEOPLE], "request_timout": 10, "load_method": "upsert", "batch_size_rows": 5}
    run = run_target(tmp_path, base_config | settings, one_person())
    assert run.returncode == 0, run.stderr[-3000:]
    warnings = [line for line in run.stderr.splitlines() if "| WARNING" in line]
    assert any(
        "unknown setting 'request_timout' is ignored; did you mean 'request_timeout'?" in w for w in warnings
    )
    assert any(
        "setting 'load_method' is a Singer SDK setting that this target does not use" in w for w in warnings
    )
    assert any("setting 'batch_size_rows' is a Singer SDK setting" in w for w in warnings)
    assert [p["name"] for p in sandbox.entities("persons")] == ["A"]


def test_about_lists_no_sdk_setting_that_does_nothing():
    about = subprocess.run(
        [sys.executable, "-m", "target_pipedrive", "--about", "--format=json"],
        capture_output=True,
        text=True,
        check=True,
    ).stdout
    settings = json.loads(about)["settings"]["properties"]
    for name in ("load_method", "batch_size_rows", "add_record_metadata", "validate_records", "batch_config"):
        assert name not in settings
    assert settings["strategy"]["description"].startswith("Benchmark setting")
    assert settings["clock_speed"]["description"].startswith("Benchmark setting")


def run_with_env(tmp_path: Path, env: dict[str, str], lines: list[dict[str, Any]]) -> Run:
    """The CLI with `--config ENV`: every setting from TARGET_PIPEDRIVE_* variables, as Meltano gives them."""
    input_path = tmp_path / "input.jsonl"
    input_path.write_text("".join(json.dumps(line) + "\n" for line in lines))
    clean = {k: v for k, v in os.environ.items() if not k.startswith("TARGET_PIPEDRIVE_")}
    done = subprocess.run(
        [sys.executable, "-m", "target_pipedrive", "--config", "ENV", "--input", str(input_path)],
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
        env=clean | env,
        cwd=tmp_path,
    )
    return Run(done.returncode, done.stdout, done.stderr, [])


def test_broken_json_in_the_mappings_variable(tmp_path, sandbox):
    env = {
        "TARGET_PIPEDRIVE_API_URL": sandbox.url,
        "TARGET_PIPEDRIVE_API_TOKEN": sandbox.token,
        "TARGET_PIPEDRIVE_MAPPINGS": '[{"name": "people", "trigger": }]',
    }
    run = run_with_env(tmp_path, env, one_person())
    assert_clean_stop(
        run, "environment variable TARGET_PIPEDRIVE_MAPPINGS is not valid JSON (Expecting value"
    )
    assert sandbox.token not in run.stderr


def test_numbers_from_the_environment_are_checked_like_the_config(tmp_path, sandbox):
    base = {"TARGET_PIPEDRIVE_API_URL": sandbox.url, "TARGET_PIPEDRIVE_API_TOKEN": sandbox.token}
    run = run_with_env(tmp_path, base | {"TARGET_PIPEDRIVE_REQUEST_TIMEOUT": "abc"}, one_person())
    assert_clean_stop(run, "environment variable TARGET_PIPEDRIVE_REQUEST_TIMEOUT must be a whole number")
    run = run_with_env(tmp_path, base | {"TARGET_PIPEDRIVE_CLOCK_SPEED": "0.000001"}, one_person())
    assert_clean_stop(run, "setting clock_speed must be between 1 and 1000")
