"""Fixtures of the clean-stop tests: the target's CLI against the sandbox (tests/target's fixtures)."""

from __future__ import annotations

from tests.target.conftest import api, base_config

__all__ = ["api", "base_config"]
