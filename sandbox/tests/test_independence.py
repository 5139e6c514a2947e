"""The sandbox is an oracle: it imports nothing of the code it checks (target_pipedrive), and it is its
own installed distribution, with its console script and its pytest plugin."""

from __future__ import annotations

import ast
import os
import subprocess
import sys
from importlib import metadata
from pathlib import Path

import pipedrive_sandbox

PACKAGE = Path(pipedrive_sandbox.__file__).resolve().parent


def test_no_module_of_the_sandbox_names_target_pipedrive_or_leaves_its_package():
    sources = sorted(PACKAGE.rglob("*.py"))
    assert len(sources) > 15
    for source in sources:
        for node in ast.walk(ast.parse(source.read_text(encoding="utf-8"), str(source))):
            if isinstance(node, ast.Import):
                names = [alias.name for alias in node.names]
            elif isinstance(node, ast.ImportFrom):
                assert node.level <= 1, f"{source.name}: a relative import leaves the package"
                names = [node.module or ""] if node.level == 0 else []
            else:
                continue
            assert not any(name.split(".")[0] == "target_pipedrive" for name in names), source.name


_BLOCKED_RUN = r"""
import importlib, importlib.abc, json, pkgutil, sys, urllib.request

class Block(importlib.abc.MetaPathFinder):
    def find_spec(self, name, path=None, target=None):
        if name.split(".")[0] == "target_pipedrive":
            raise ImportError(f"blocked: {name}")
        return None

sys.meta_path.insert(0, Block())
import pipedrive_sandbox
modules = [m.name for m in pkgutil.walk_packages(pipedrive_sandbox.__path__, "pipedrive_sandbox.")]
for name in modules:
    importlib.import_module(name)
from pipedrive_sandbox.server import SandboxServer
with SandboxServer() as server:
    request = urllib.request.Request(
        server.url + "/api/v2/persons",
        data=json.dumps({"name": "Ada"}).encode(),
        headers={"x-api-token": server.token, "content-type": "application/json"},
    )
    created = json.load(urllib.request.urlopen(request))
    assert created["data"]["name"] == "Ada", created
    assert server.validating and server.log()[-1]["cost"] == 5
print(len(modules), sorted(m for m in sys.modules if m.startswith("target_pipedrive")))
"""


def test_the_sandbox_runs_with_target_pipedrive_unimportable(tmp_path):
    # From an empty folder, so the repository's own target_pipedrive/ is not on the path either.
    result = subprocess.run(
        [sys.executable, "-c", _BLOCKED_RUN],
        cwd=tmp_path,
        env={**os.environ, "PYTHONPATH": ""},
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert result.returncode == 0, result.stderr
    count, loaded = result.stdout.split(" ", 1)
    assert int(count) > 15 and loaded.strip() == "[]"


def test_it_is_its_own_distribution_with_a_script_and_a_pytest_plugin():
    dist = metadata.distribution("pipedrive-sandbox")
    requires = [r.split(";")[0].strip().lower() for r in dist.requires or []]
    assert not any(r.startswith("target-pipedrive") for r in requires)
    assert any(r.startswith("openapi-core") for r in requires) and any(
        r.startswith("werkzeug") for r in requires
    )
    points = {(e.group, e.name): e.value for e in dist.entry_points}
    assert points[("console_scripts", "pipedrive-sandbox")] == "pipedrive_sandbox.cli:main"
    assert points[("pytest11", "pipedrive_sandbox")] == "pipedrive_sandbox.pytest_fixtures"
    target = metadata.distribution("target-pipedrive")
    assert not any("sandbox" in e.name for e in target.entry_points)
