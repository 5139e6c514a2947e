"""Shared test set-up: the path to Pipedrive's OpenAPI files.

The `sandbox` and `sandbox_factory` fixtures come from the installed pipedrive-sandbox package
(its `pytest11` entry point: `pip install -e ./sandbox`)."""

from __future__ import annotations

import os
from pathlib import Path

REPO_ROOT = Path(__file__).resolve().parent.parent
# The OpenAPI files are third-party data kept beside the repository, never inside it.
os.environ.setdefault("PIPEDRIVE_OPENAPI_DIR", str(REPO_ROOT.parent / "shared" / "pipedrive-openapi"))
