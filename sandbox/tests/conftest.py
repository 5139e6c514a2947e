"""The sandbox's tests: Pipedrive's OpenAPI files come from PIPEDRIVE_OPENAPI_DIR (default:
../shared/pipedrive-openapi beside the repository); the `sandbox` and `sandbox_factory` fixtures come
from the package's own pytest plugin (its `pytest11` entry point)."""

from __future__ import annotations

import os
from pathlib import Path

REPO_ROOT = Path(__file__).resolve().parents[2]
os.environ.setdefault("PIPEDRIVE_OPENAPI_DIR", str(REPO_ROOT.parent / "shared" / "pipedrive-openapi"))
