"""domain / api_url → the one base URL that receives the token."""

from __future__ import annotations

import pytest

from target_pipedrive.pipedrive.base_url import resolve_base_url


@pytest.mark.parametrize(
    ("domain", "api_url", "expected"),
    [
        ("acme", None, "https://acme.pipedrive.com"),
        ("acme.pipedrive.com", None, "https://acme.pipedrive.com"),
        ("https://Acme.pipedrive.com/", None, "https://acme.pipedrive.com"),
        (" acme-eu2 ", "", "https://acme-eu2.pipedrive.com"),
        (None, "http://127.0.0.1:8765/", "http://127.0.0.1:8765"),
        (None, "http://127.1.2.3:8765", "http://127.1.2.3:8765"),
        (None, "http://localhost:8765/", "http://localhost:8765"),
        (None, "http://[::1]:8765/", "http://[::1]:8765"),
        ("acme", "https://proxy.example.com/pipedrive/", "https://proxy.example.com/pipedrive"),
        (None, "HTTPS://Proxy.Example.com", "https://proxy.example.com"),
    ],
)
def test_valid(domain, api_url, expected):
    assert resolve_base_url(domain, api_url) == expected


@pytest.mark.parametrize(
    ("domain", "api_url", "message"),
    [
        ("evil.com/x", None, "not a Pipedrive company domain"),
        ("acme.evil.com", None, "not a Pipedrive company domain"),
        ("acme.pipedrive.com.evil.com", None, "not a Pipedrive company domain"),
        ("acme_corp", None, "letters, digits and hyphens"),
        ("-acme", None, "not a Pipedrive company domain"),
        ("acme.pipedrive.com:8080", None, "not a Pipedrive company domain"),
        (None, None, "set domain"),
        ("  ", "  ", "set domain"),
        (None, "http://10.0.0.5", "plain http"),
        (None, "http://acme.pipedrive.com", "plain http"),
        (None, "http://localhost.evil.com", "plain http"),
        (None, "ftp://x", "not an http"),
        (None, "https://user:pw@proxy.example.com", "credentials"),
        (None, "https://proxy.example.com/?api_token=x", "query string"),
        (None, "http://127.0.0.1\\@evil.com", "backslash"),
        (None, "https://proxy.example.com:99999", "invalid port"),
    ],
)
def test_invalid(domain, api_url, message):
    with pytest.raises(ValueError, match=message):
        resolve_base_url(domain, api_url)
