"""Fixtures for the tools' tests: direct sandbox calls, as the target's CLI tests have them."""

from __future__ import annotations

from typing import Any

import pytest

from ..target.conftest import Api


@pytest.fixture
def api(sandbox: Any) -> Api:
    return Api(sandbox.url, sandbox.token)
