"""A new user's path: a fresh Meltano project, `meltano add --plugin-type loader target-pipedrive
--from-ref plugin/loaders/target-pipedrive.yml`, then `meltano run` into the sandbox. The definition's
pip_url (the git repository) is swapped for this checkout, the one thing a test cannot reach."""

from __future__ import annotations

import json
import os
import subprocess
from pathlib import Path
from typing import Any

import pytest
import yaml

from .project import REPO_ROOT, TAP, TARGET

pytestmark = pytest.mark.slow

DEFINITION = REPO_ROOT / "plugin" / "loaders" / "target-pipedrive.yml"


def _meltano(meltano: Path, cwd: Path, *args: str, env: dict[str, str] | None = None) -> str:
    environment = {k: v for k, v in os.environ.items() if not k.startswith(("TARGET_PIPEDRIVE_", "MELTANO_"))}
    environment |= {"MELTANO_SEND_ANONYMOUS_USAGE_STATS": "false", "NO_COLOR": "1", **(env or {})}
    done = subprocess.run(
        [str(meltano), *args],
        cwd=cwd,
        env=environment,
        capture_output=True,
        text=True,
        timeout=600,
        check=False,
    )
    assert done.returncode == 0, f"meltano {' '.join(args)}:\n{done.stdout[-3000:]}\n{done.stderr[-3000:]}"
    return done.stdout + done.stderr


def _demo_tap() -> dict[str, Any]:
    """The repository's tap-jsonl, reading the bundled sample."""
    project = yaml.safe_load((REPO_ROOT / "meltano.yml").read_text(encoding="utf-8"))
    [tap] = [p for p in project["plugins"]["extractors"] if p["name"] == TAP]
    tap["config"]["path"] = str(REPO_ROOT / "samples" / "segment_events.jsonl")
    return dict(tap)


def test_meltano_add_from_ref_then_run_into_the_sandbox(meltano_executable, sandbox, tmp_path):
    _meltano(meltano_executable, tmp_path, "init", "project")
    project = tmp_path / "project"
    _meltano(
        meltano_executable,
        project,
        "add",
        "--no-install",
        "--plugin-type",
        "loader",
        TARGET,
        "--from-ref",
        str(DEFINITION),
    )
    tap_file = tmp_path / "tap-jsonl.yml"
    tap_file.write_text(yaml.safe_dump(_demo_tap()))
    _meltano(
        meltano_executable,
        project,
        "add",
        "--no-install",
        "--plugin-type",
        "extractor",
        TAP,
        "--from-ref",
        str(tap_file),
    )

    meltano_yml = project / "meltano.yml"
    config = yaml.safe_load(meltano_yml.read_text())
    [loader] = config["plugins"]["loaders"]
    assert loader["pip_url"].startswith("git+https://")  # as the definition says
    assert loader["variant"] and loader["settings_group_validation"]
    assert "utilities" not in config["plugins"]  # one loader, not a utility as well
    loader["pip_url"] = str(REPO_ROOT)  # this checkout instead of the repository
    [extractor] = config["plugins"]["extractors"]
    extractor["config"] = _demo_tap()["config"]  # a definition brings settings, not their values
    meltano_yml.write_text(yaml.safe_dump(config, sort_keys=False))
    _meltano(meltano_executable, project, "install")

    sample = json.loads((REPO_ROOT / "sample_config.json").read_text())
    env = {
        "TARGET_PIPEDRIVE_API_URL": sandbox.url,
        "TARGET_PIPEDRIVE_API_TOKEN": sandbox.token,
        "TARGET_PIPEDRIVE_MAPPINGS": json.dumps(sample["mappings"]),
        "TARGET_PIPEDRIVE_ORGANIZATION_FIELD": sample["organization_field"],
        "TARGET_PIPEDRIVE_LEDGER_PATH": str(tmp_path / "ledger.sqlite"),
    }
    log = _meltano(meltano_executable, project, "run", TAP, TARGET, env=env)
    assert {kind: len(items) for kind, items in sandbox.state().items()}["persons"] == 3, log

    # The run's files went under the project's output/ folder, which `meltano init` keeps out of git.
    output = project / "output" / "target-pipedrive"
    report = json.loads((output / "report.json").read_text())
    assert (report["records_in"], report["written"], report["rejected"]) == (12, 10, 1)
    [reject] = (output / "rejects.jsonl").read_text().splitlines()
    assert json.loads(reject)["record"]["messageId"] == "m-011"
    assert not list(project.glob("*.jsonl"))
    assert "Rejected records: 1, in " in log and str(output / "rejects.jsonl") in log
    assert "__target_pipedrive_routing__" not in log  # no METRIC line for the internal stream
