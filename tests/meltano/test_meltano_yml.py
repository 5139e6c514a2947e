"""meltano.yml agrees with the code: the loader's settings are settings.py's, the demo is the sample's."""

from __future__ import annotations

import json
from typing import Any

import yaml

from target_pipedrive.settings import SETTINGS, meltano_ledger_default, meltano_output_defaults

from .project import DEMO_ENVIRONMENT, REPO_ROOT, TAP, TARGET

# JSON Schema type → the Meltano setting kinds that carry it.
KINDS = {
    "string": {"string", "options", "file"},
    "boolean": {"boolean"},
    "integer": {"integer"},
    "number": {"decimal", "integer"},
    "array": {"array"},
    "object": {"object"},
}


_UNDER_MELTANO = {"MELTANO_PROJECT_ROOT": "$MELTANO_PROJECT_ROOT"}
# Meltano passes a setting's value as config: each must be what the target itself picks under Meltano.
MELTANO_DEFAULTS = meltano_output_defaults(_UNDER_MELTANO) | {
    "ledger_path": meltano_ledger_default(_UNDER_MELTANO)
}


def _project() -> dict[str, Any]:
    return dict(yaml.safe_load((REPO_ROOT / "meltano.yml").read_text(encoding="utf-8")))


def _loader() -> dict[str, Any]:
    return next(p for p in _project()["plugins"]["loaders"] if p["name"] == TARGET)


def _json_type(schema: dict[str, Any]) -> str:
    types = schema["type"] if isinstance(schema["type"], list) else [schema["type"]]
    [kind] = [t for t in types if t != "null"]
    return str(kind)


def test_loader_declares_exactly_the_targets_settings():
    declared = [setting["name"] for setting in _loader()["settings"]]
    assert sorted(declared) == sorted(SETTINGS.to_dict()["properties"])
    assert len(declared) == len(set(declared))


def test_setting_kinds_defaults_and_secrets_agree():
    properties = SETTINGS.to_dict()["properties"]
    for setting in _loader()["settings"]:
        schema = properties[setting["name"]]
        assert setting["kind"] in KINDS[_json_type(schema)], setting["name"]
        assert setting.get("description"), setting["name"]
        assert bool(setting.get("sensitive")) == bool(schema.get("secret")), setting["name"]
        if setting["name"] in MELTANO_DEFAULTS:
            # The run's files: under the project's output/ folder, as the target puts them under Meltano.
            assert setting.get("value") == MELTANO_DEFAULTS[setting["name"]], setting["name"]
        elif "default" in schema:
            assert setting.get("value") == schema["default"], setting["name"]
        if "enum" in schema:
            assert [o["value"] for o in setting["options"]] == schema["enum"], setting["name"]


def test_demo_environment_runs_the_sample_config():
    # The demo pipeline must do what scripts/run_sample.sh does: the same mappings and match settings.
    sample = json.loads((REPO_ROOT / "sample_config.json").read_text(encoding="utf-8"))
    [environment] = [e for e in _project()["environments"] if e["name"] == DEMO_ENVIRONMENT]
    [loader] = [p for p in environment["config"]["plugins"]["loaders"] if p["name"] == TARGET]
    assert loader["config"]["mappings"] == sample["mappings"]
    assert loader["config"]["organization_field"] == sample["organization_field"]


def test_a_job_and_a_nightly_schedule_run_the_demo_pipeline():
    project = _project()
    [job] = project["jobs"]
    assert job["tasks"] == [f"{TAP} {TARGET}"]
    [schedule] = project["schedules"]
    assert (schedule["job"], schedule["interval"]) == (job["name"], "@daily")
