"""Fixtures for CLI-level tests of the target against the sandbox."""

from __future__ import annotations

from typing import Any

import pytest
import requests


class Api:
    """Direct calls to the sandbox, to arrange data and to read field keys in assertions."""

    def __init__(self, url: str, token: str) -> None:
        self.url, self.token = url, token

    def call(self, method: str, path: str, **kwargs: Any) -> Any:
        response = requests.request(
            method, self.url + path, headers={"x-api-token": self.token}, timeout=10, **kwargs
        )
        response.raise_for_status()
        return response.json()["data"]

    def field_key(self, entity: str, name: str) -> str:
        for field in self.call("GET", f"/api/v2/{entity}Fields", params={"limit": 500}):
            if field["field_name"] == name:
                return str(field["field_code"])
        raise KeyError(name)

    def option_id(self, entity: str, name: str, label: str) -> Any:
        for field in self.call("GET", f"/api/v2/{entity}Fields", params={"limit": 500}):
            if field["field_name"] == name:
                return next(o["id"] for o in field["options"] if o["label"] == label)
        raise KeyError(name)


@pytest.fixture
def api(sandbox: Any) -> Api:
    return Api(sandbox.url, sandbox.token)


@pytest.fixture
def base_config(sandbox: Any) -> dict[str, Any]:
    return {"api_url": sandbox.url, "api_token": sandbox.token}
