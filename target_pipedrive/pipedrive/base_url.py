"""The one base URL that may receive the API token.

Either https://{company}.pipedrive.com, from the `domain` setting, or the `api_url` override (a
sandbox or a proxy): https, or plain http only to a loopback address. The URL is rebuilt from its
parsed parts, so what was validated is exactly what the client connects to; an explicit default port
(:443 for https, :80 for http) is dropped, as the sync ledger keys its rows and its writer lock by this
URL and one account must not be two by its spelling.
"""

from __future__ import annotations

import ipaddress
import re
from urllib.parse import urlsplit

_SUBDOMAIN = re.compile(r"^[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?$")
_SUFFIX = ".pipedrive.com"
DEFAULT_PORTS = {"https": 443, "http": 80}


def _is_loopback(host: str) -> bool:
    if host in ("localhost", "localhost."):
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


def _from_api_url(api_url: str) -> str:
    if any(c.isspace() or c == "\\" for c in api_url):
        raise ValueError(f"api_url {api_url!r} contains spaces or backslashes")
    parts = urlsplit(api_url)
    try:
        host, port = (parts.hostname or "").lower(), parts.port
    except ValueError:
        raise ValueError(f"api_url {api_url!r} has an invalid port") from None
    if parts.scheme not in ("http", "https") or not host:
        raise ValueError(f"api_url {api_url!r} is not an http(s) URL, e.g. https://proxy.example.com")
    if parts.scheme == "http" and not _is_loopback(host):
        raise ValueError(
            f"api_url {api_url!r} uses plain http, which would send the token unencrypted: use https "
            "(plain http is allowed only for loopback addresses such as 127.0.0.1 and localhost)"
        )
    if parts.username is not None or parts.password is not None or parts.query or parts.fragment:
        raise ValueError("api_url must not carry credentials, a query string or a fragment")
    netloc = f"[{host}]" if ":" in host else host
    netloc += f":{port}" if port is not None and port != DEFAULT_PORTS[parts.scheme] else ""
    return f"{parts.scheme}://{netloc}{parts.path.rstrip('/')}"


def _from_domain(domain: str) -> str:
    name = re.sub(r"^https?://", "", domain.strip().lower()).rstrip("/")
    if name.endswith(_SUFFIX):
        name = name[: -len(_SUFFIX)]
    if not _SUBDOMAIN.match(name):
        raise ValueError(
            f"domain {domain!r} is not a Pipedrive company domain: give the part before .pipedrive.com "
            "(letters, digits and hyphens), e.g. acme for https://acme.pipedrive.com"
        )
    return f"https://{name}{_SUFFIX}"


def resolve_base_url(domain: str | None, api_url: str | None) -> str:
    """`https://{domain}.pipedrive.com`, or api_url when set. ValueError with the fix when invalid."""
    if api_url and api_url.strip():
        return _from_api_url(api_url.strip())
    if not domain or not domain.strip():
        raise ValueError(
            "set domain (your company domain: acme for https://acme.pipedrive.com) "
            "or api_url (a sandbox or proxy URL)"
        )
    return _from_domain(domain)


def with_default_port(base_url: str) -> str | None:
    """The spelling of a resolved base URL with its scheme's default port written out (what earlier
    versions kept when api_url spelled it, and keyed the ledger by); None when it has a port."""
    parts = urlsplit(base_url)
    if parts.port is not None:
        return None
    return parts._replace(netloc=f"{parts.netloc}:{DEFAULT_PORTS[parts.scheme]}").geturl()
