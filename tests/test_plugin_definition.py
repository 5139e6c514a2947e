"""The Meltano plugin definition (plugin/loaders/target-pipedrive.yml) is `--about`'s, and current."""

from __future__ import annotations

import importlib.util
import subprocess
import sys
from pathlib import Path

import yaml

ROOT = Path(__file__).resolve().parent.parent
SCRIPT = ROOT / "scripts" / "plugin_definition.py"
spec = importlib.util.spec_from_file_location("plugin_definition", SCRIPT)
assert spec is not None and spec.loader is not None
plugin_definition = importlib.util.module_from_spec(spec)
spec.loader.exec_module(plugin_definition)


def test_definition_and_meltano_yml_are_current():
    done = subprocess.run(
        [sys.executable, str(SCRIPT), "--check"], capture_output=True, text=True, check=False
    )
    assert done.returncode == 0, done.stdout + done.stderr


def test_definition_equals_about():
    about = plugin_definition.about()
    definition = yaml.safe_load(plugin_definition.DEFINITION.read_text(encoding="utf-8"))
    for key in ("name", "namespace", "variant", "label", "description", "pip_url", "repo", "docs"):
        assert definition[key], key
    assert definition["pip_url"].startswith("git+https://")
    assert definition["description"] == about["description"]
    assert definition["capabilities"] == about["capabilities"]
    assert definition["supported_python_versions"] == about["supported_python_versions"]
    properties = about["settings"]["properties"]
    assert [s["name"] for s in definition["settings"]] == list(properties)
    for setting in definition["settings"]:
        schema = properties[setting["name"]]
        assert setting["label"] and setting["kind"], setting
        assert setting["description"] == schema["description"], setting["name"]
        assert bool(setting.get("sensitive")) == bool(schema.get("secret")), setting["name"]
        if setting["name"] in plugin_definition.MELTANO_FILE_DEFAULTS:
            assert setting["value"].startswith(
                (
                    "$MELTANO_PROJECT_ROOT/output/target-pipedrive/",
                    "$MELTANO_PROJECT_ROOT/.meltano/target-pipedrive/",
                )
            )
        elif "default" in schema:
            assert setting["value"] == schema["default"], setting["name"]
    assert set(definition["commands"]) == {"fields", "check"}
    assert definition["settings_group_validation"] == [["api_token", "domain"], ["api_token", "api_url"]]
