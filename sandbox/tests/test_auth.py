"""Authentication: the x-api-token header or a Bearer token; anything else is the gateway's 401."""

from __future__ import annotations

import pytest
import requests

GATEWAY_401 = {
    "success": False,
    "error": "unauthorized access",
    "errorCode": 401,
    "error_info": "Please check developers.pipedrive.com",
}


@pytest.mark.parametrize(
    ("headers", "query", "status"),
    [
        ({"x-api-token": "sandbox-api-token"}, {}, 200),
        ({"Authorization": "Bearer sandbox-api-token"}, {}, 200),
        ({"x-api-token": "wrong"}, {}, 401),
        ({"Authorization": "Bearer wrong"}, {}, 401),
        ({"Authorization": "sandbox-api-token"}, {}, 401),
        ({}, {}, 401),
        ({}, {"api_token": "sandbox-api-token"}, 401),
        ({"x-api-token": "sandbox-api-token"}, {"api_token": "sandbox-api-token"}, 401),
    ],
)
def test_authentication(sandbox, headers, query, status):
    for path in ("/api/v1/users/me", "/api/v2/persons"):
        response = requests.get(sandbox.url + path, headers=headers, params=query, timeout=10)
        assert response.status_code == status
        if status == 401:
            assert response.json() == GATEWAY_401
            assert response.headers["x-401-by-gw"] == "true"


def test_configured_token(sandbox_factory):
    other = sandbox_factory(token="another-token")
    assert requests.get(
        other.url + "/api/v1/users/me", headers={"x-api-token": "another-token"}, timeout=10
    ).ok
    refused = requests.get(
        other.url + "/api/v1/users/me", headers={"x-api-token": "sandbox-api-token"}, timeout=10
    )
    assert refused.status_code == 401


def test_the_token_never_reaches_the_log(sandbox):
    requests.get(sandbox.url + "/api/v1/users/me", params={"api_token": sandbox.token}, timeout=10)
    requests.get(sandbox.url + "/api/v1/users/me", headers={"x-api-token": sandbox.token}, timeout=10)
    entries = requests.get(sandbox.url + "/_sandbox/log", timeout=10).json()
    assert len(entries) == 2 and entries[0]["status"] == 401
    assert entries[0]["query"] == {"api_token": "<redacted>"}
    assert sandbox.token not in str(entries)
