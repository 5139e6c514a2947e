"""The one base URL that may receive the API token."""

from __future__ import annotations

import ipaddress
import re
from urllib.parse import urlsplit

_SUBDOMAIN = re.compile(r"^[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?$")


def _is_loopback(host: str) -> bool:
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


def resolve_base_url(domain: str | None, api_url: str | None) -> str:
    """`https://{domain}.pipedrive.com`, or api_url when set (https, or http on loopback only)."""
    if api_url:
        parts = urlsplit(api_url.strip())
        host = (parts.hostname or "").lower()
        if parts.scheme not in ("http", "https") or not host:
            raise ValueError(f"api_url {api_url!r} is not an http(s) URL")
        if parts.scheme == "http" and not _is_loopback(host):
            raise ValueError(f"api_url {api_url!r} uses plain http; only loopback addresses may (use https)")
        if parts.username or parts.password or parts.query:
            raise ValueError("api_url must not carry credentials or a query string")
        return api_url.strip().rstrip("/")
    if not domain:
        raise ValueError("set domain (your company domain, e.g. acme for acme.pipedrive.com) or api_url")
    name = domain.strip().lower()
    name = re.sub(r"^https?://", "", name).rstrip("/")
    if name.endswith(".pipedrive.com"):
        name = name[: -len(".pipedrive.com")]
    if not _SUBDOMAIN.match(name):
        raise ValueError(
            f"domain {domain!r} is not a Pipedrive company domain: "
            "give the part before .pipedrive.com, e.g. acme"
        )
    return f"https://{name}.pipedrive.com"
