"""The requests session of the one client: its headers, and its environment read once."""

from __future__ import annotations

from importlib import metadata
from typing import Any

import requests
from requests.adapters import HTTPAdapter

CONNECTIONS = 32


def checked_token(api_token: str) -> str:
    """The token as sent: stripped; ValueError (never showing it) when it cannot be a header value."""
    token = (api_token or "").strip()
    if not token:
        raise ValueError("api_token is empty: set it (Pipedrive → Settings → Personal preferences → API)")
    # requests would refuse such a header with the value in its message.
    if not token.isascii() or not token.isprintable() or any(c.isspace() for c in token):
        raise ValueError("api_token contains spaces or control characters: copy it again from Pipedrive")
    return token


def user_agent() -> str:
    try:
        return f"target-pipedrive/{metadata.version('target-pipedrive')}"
    except metadata.PackageNotFoundError:
        return "target-pipedrive"


def new_session(base_url: str, token: str, agent: str | None = None) -> requests.Session:
    """A session sending the token header (the only credential: no netrc), whose proxies and CA bundle
    are read from the environment once, here. requests would otherwise look proxies and netrc up on
    every request, about a third of a request's CPU; every request goes to `base_url`, so one look
    tells them all."""
    session = requests.Session()
    # A kept connection per record in flight (max_in_flight goes up to 32; requests keeps 10).
    adapter = HTTPAdapter(pool_connections=1, pool_maxsize=CONNECTIONS, max_retries=0)
    session.mount("https://", adapter)
    session.mount("http://", adapter)
    found = session.merge_environment_settings(base_url, {}, None, None, None)
    # Plain http (allowed for a loopback address only) is never proxied: an HTTP proxy would read the
    # token header in clear. Over https a proxy only tunnels (CONNECT) and sees nothing.
    if not base_url.lower().startswith("http://"):
        session.proxies.update(found.get("proxies") or {})
    session.verify = found.get("verify", True)
    session.trust_env = False
    session.headers.update(
        {"x-api-token": token, "Accept": "application/json", "User-Agent": agent or user_agent()}
    )
    return session


def query_params(params: dict[str, Any] | None) -> dict[str, Any] | None:
    """A request's query parameters as Pipedrive reads them: true/false (requests would send True/False)."""
    return {k: str(v).lower() if isinstance(v, bool) else v for k, v in params.items()} if params else params
