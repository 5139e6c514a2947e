"""How a failed request is read: whether it went out at all, whether its outcome is in doubt (it may
have been carried out although no answer came), and whether a refusal is the plan's (feature capping)."""

from __future__ import annotations

import socket
from typing import Any

import requests
import urllib3

# Failures after which a request may have reached Pipedrive and been carried out.
IN_DOUBT = (
    requests.ConnectionError,
    requests.Timeout,
    requests.exceptions.ChunkedEncodingError,
    requests.exceptions.ContentDecodingError,
)


def never_sent(exc: requests.RequestException) -> bool:
    """True when the connection failed before the request went out (refused, unresolvable, timed out)."""
    if isinstance(exc, requests.ConnectTimeout):
        return True
    if not isinstance(exc, requests.ConnectionError) or isinstance(exc, requests.ReadTimeout):
        return False
    reason = exc.args[0] if exc.args else None
    reason = getattr(reason, "reason", reason)  # requests wraps urllib3's MaxRetryError
    # NewConnectionError (refused, DNS) subclasses ConnectTimeoutError in urllib3 2.
    return isinstance(reason, (urllib3.exceptions.NewConnectionError, urllib3.exceptions.ConnectTimeoutError))


# Retries of a host name that does not resolve while the host has never answered: a mistyped domain,
# which no wait fixes (one retry, for a resolver's blip at start-up).
UNRESOLVED_RETRIES = 1


def unresolved(exc: BaseException) -> str | None:
    """What the resolver said when the host name did not resolve (socket.gaierror, which urllib3
    wraps in NameResolutionError and requests in MaxRetryError and ConnectionError); None for any
    other failure. The chain is walked, not matched by type: urllib3 1.x has no NameResolutionError."""
    seen: set[int] = set()
    pending: list[Any] = [exc]
    while pending:
        current = pending.pop()
        if not isinstance(current, BaseException) or id(current) in seen:
            continue
        seen.add(id(current))
        if isinstance(current, socket.gaierror):
            return current.strerror or "the name is unknown"
        pending.extend((getattr(current, "reason", None), current.__cause__, current.__context__))
        pending.extend(current.args)
    return None


def feature_capping(payload: dict[str, Any] | None) -> str:
    """The `code` of a 403 that a limit of the account's plan gives (feature_capping_…), else ""."""
    code = payload.get("code") if isinstance(payload, dict) else None
    return code if isinstance(code, str) and code.startswith("feature_capping") else ""
