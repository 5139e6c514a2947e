"""Keep API tokens (and search terms) out of log records, whoever writes them.

The client never formats the token itself; this filter is the second line of defence, on the client's
logger and on urllib3's, whose DEBUG lines carry request URLs with their query strings (search terms
are personal data: the values are replaced, the parameter names kept). One filter per logger, shared
by every client: each client registers its token while it is open.
"""

from __future__ import annotations

import logging
import re
import threading
from collections import Counter
from collections.abc import Iterable

MASK = "***"
_QUERY_VALUE = re.compile(r"(^|&)([^=&#\s\"]+)=[^&#\s\"]*")
# urllib3 logs '%s://%s:%s "%s %s %s" %s %s' with the request target (path?query) at DEBUG.
URLLIB3_LOGGERS = ("urllib3.connectionpool",)

_secrets: Counter[str] = Counter()
_lock = threading.Lock()


def scrub(text: str, secret: str) -> str:
    return text.replace(secret, MASK) if secret else text


def strip_query_values(text: str) -> str:
    """'/api/v2/persons/search?term=ada@x.com&fields=email' → '...?term=…&fields=…'."""
    head, sep, query = text.partition("?")
    return head + sep + _QUERY_VALUE.sub(r"\1\2=…", query) if sep else text


class SecretFilter(logging.Filter):
    """Rewrites a record whose text or traceback holds a secret; drops query values if asked."""

    def __init__(self, *, query_values: bool = False, secrets: Iterable[str] | None = None) -> None:
        super().__init__()
        self.query_values = query_values
        self._fixed = list(secrets) if secrets is not None else None

    def _secrets(self) -> list[str]:
        if self._fixed is not None:
            return self._fixed
        with _lock:
            return list(_secrets)

    def filter(self, record: logging.LogRecord) -> bool:
        secrets = self._secrets()
        message = clean = record.getMessage()
        for secret in secrets:
            clean = scrub(clean, secret)
        if self.query_values:
            clean = strip_query_values(clean)
        if clean != message:
            record.msg, record.args = clean, None
        if record.exc_info and secrets:
            formatted = logging.Formatter().formatException(record.exc_info)
            if any(secret in formatted for secret in secrets):
                for secret in secrets:
                    formatted = scrub(formatted, secret)
                record.exc_info, record.exc_text = None, formatted
        return True


def _install(logger: logging.Logger, *, query_values: bool) -> None:
    if not any(isinstance(f, SecretFilter) and f.query_values == query_values for f in logger.filters):
        logger.addFilter(SecretFilter(query_values=query_values))


def protect(secret: str, logger: logging.Logger) -> None:
    """Mask `secret` in `logger`'s records and urllib3's from now on (until `release`)."""
    with _lock:
        _secrets[secret] += 1
        _install(logger, query_values=False)
        for name in URLLIB3_LOGGERS:
            _install(logging.getLogger(name), query_values=True)


def release(secret: str) -> None:
    with _lock:
        _secrets[secret] -= 1
        if _secrets[secret] <= 0:
            del _secrets[secret]
