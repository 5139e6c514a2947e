"""A host name that does not resolve: said so, naming the setting to check, and given up on quickly
while the host has never answered. Resolution is monkeypatched: no lookup ever leaves the machine."""

from __future__ import annotations

import socket
from typing import Any

import pytest

from target_pipedrive.pipedrive.errors import HostUnresolvable, PipedriveUnavailable

from .helpers import TOKEN, fake_client, ok

LOOPBACK = ("127.0.0.1", "localhost", "::1")


@pytest.fixture
def no_dns(monkeypatch: pytest.MonkeyPatch) -> dict[str, bool]:
    """Every name but loopback's fails as an unknown one does; `state["all"]` fails loopback's too."""
    real = socket.getaddrinfo
    state = {"all": False}

    def getaddrinfo(host: Any, *args: Any, **kwargs: Any) -> Any:
        if state["all"] or host not in LOOPBACK:
            raise socket.gaierror(socket.EAI_NONAME, "Name or service not known")
        return real(host, *args, **kwargs)

    monkeypatch.setattr(socket, "getaddrinfo", getaddrinfo)
    return state


@pytest.mark.parametrize(
    ("base_url", "setting"),
    [
        ("https://acme-typo.pipedrive.com", "check the `domain` setting (or `api_url`, when set)"),
        ("https://proxy.example.invalid/pd", "check the host name in the `api_url` setting"),
    ],
)
def test_a_name_that_never_resolved_fails_fast_naming_the_setting(no_dns, base_url, setting):
    c, fake = fake_client(base_url, max_retries=5)
    with pytest.raises(HostUnresolvable) as caught:
        c.get("/api/v1/users/me")
    message = str(caught.value)
    host = base_url.split("/")[2]
    assert f"the host name {host!r} does not resolve (Name or service not known)" in message
    assert setting in message and "check this machine's DNS" in message
    assert "Pipedrive is unavailable" not in message and TOKEN not in message
    # One retry for a resolver's blip, not five backoffs (about 19 s) for a typo no wait fixes.
    assert caught.value.attempts == 2 and len(fake.sleeps) == 1
    assert isinstance(caught.value, PipedriveUnavailable)  # still a stop of the run, as before


def test_a_name_that_stops_resolving_mid_run_gets_the_usual_retries(no_dns, stub):
    c, fake = fake_client(stub.url.replace("127.0.0.1", "localhost"), max_retries=3)
    assert c.get("/api/v2/persons/1").data == {"id": 1}
    stub.script(ok())
    no_dns["all"] = True
    c._session.close()  # the kept connection would need no lookup
    with pytest.raises(HostUnresolvable, match="the host name 'localhost' does not resolve") as caught:
        c.get("/api/v2/persons/1")
    # The host answered before: a resolver's outage may pass, so every retry is spent.
    assert caught.value.attempts == 4 and len(fake.sleeps) == 3
    assert "check the host name in the `api_url` setting" in str(caught.value)


def test_a_refused_connection_is_still_could_not_connect(no_dns):
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    c, _ = fake_client(f"http://127.0.0.1:{port}", max_retries=2)
    with pytest.raises(PipedriveUnavailable, match="could not connect after 3 attempt") as caught:
        c.get("/api/v2/persons")
    assert not isinstance(caught.value, HostUnresolvable)
