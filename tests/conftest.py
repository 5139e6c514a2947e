"""Shared test set-up: the sandbox fixtures and the path to Pipedrive's OpenAPI files."""

from __future__ import annotations

import os
from pathlib import Path

REPO_ROOT = Path(__file__).resolve().parent.parent
# The OpenAPI files are third-party data kept beside the repository, never inside it.
os.environ.setdefault("PIPEDRIVE_OPENAPI_DIR", str(REPO_ROOT.parent / "shared" / "pipedrive-openapi"))

pytest_plugins = ["target_pipedrive.sandbox.pytest_fixtures"]
