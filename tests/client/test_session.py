"""The client's session reads its environment (proxies, CA bundle) once, not on every request."""

from __future__ import annotations

import pytest

from target_pipedrive.pipedrive.session import new_session


def test_proxies_from_the_environment_are_read_once(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("HTTPS_PROXY", "http://127.0.0.1:3128")
    monkeypatch.delenv("NO_PROXY", raising=False)
    monkeypatch.delenv("no_proxy", raising=False)
    session = new_session("https://acme.pipedrive.com", "not-a-token")
    assert session.proxies["https"] == "http://127.0.0.1:3128"
    # Not looked up again per request (nor netrc, which would add credentials of its own).
    assert session.trust_env is False
    assert session.headers["x-api-token"] == "not-a-token"


def test_a_host_the_environment_exempts_gets_no_proxy(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("HTTPS_PROXY", "http://127.0.0.1:3128")
    monkeypatch.setenv("NO_PROXY", "127.0.0.1,acme.pipedrive.com")
    session = new_session("https://acme.pipedrive.com", "not-a-token")
    assert "https" not in session.proxies


def test_the_ca_bundle_of_the_environment_is_kept(monkeypatch: pytest.MonkeyPatch, tmp_path) -> None:
    bundle = tmp_path / "ca.pem"
    bundle.write_text("")
    monkeypatch.setenv("REQUESTS_CA_BUNDLE", str(bundle))
    assert new_session("https://acme.pipedrive.com", "not-a-token").verify == str(bundle)


def test_a_connection_is_kept_for_every_record_in_flight() -> None:
    from target_pipedrive.settings.checks import RANGES

    adapter = new_session("https://acme.pipedrive.com", "not-a-token").get_adapter(
        "https://acme.pipedrive.com"
    )
    assert adapter._pool_maxsize >= RANGES["max_in_flight"][1]  # type: ignore[attr-defined]


def test_plain_http_is_never_proxied(monkeypatch: pytest.MonkeyPatch) -> None:
    """An HTTP proxy reads a plain request whole, the token header included: a loopback api_url (the only
    http one allowed) goes direct."""
    monkeypatch.setenv("HTTP_PROXY", "http://127.0.0.1:3128")
    monkeypatch.setenv("HTTPS_PROXY", "http://127.0.0.1:3128")
    monkeypatch.delenv("NO_PROXY", raising=False)
    monkeypatch.delenv("no_proxy", raising=False)
    session = new_session("http://127.0.0.1:8765", "not-a-token")
    assert session.proxies == {}
    assert session.trust_env is False
