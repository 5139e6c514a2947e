"""How long to wait before trying again: exponential backoff with full jitter, and the server's hints."""

from __future__ import annotations

import random
import time
from collections.abc import Mapping
from email.utils import parsedate_to_datetime

MAX_WAIT = 30.0  # no single wait is longer; bounded retries then give up
BASE = 1.0  # the first retry waits up to 1 s, the fifth up to 16 s
MIN_429_WAIT = 2.0  # a 2-s window: waiting less than that usually meets another 429

_random = random.Random()


def backoff(retry: int) -> float:
    """Full jitter: uniform in [0, min(MAX_WAIT, BASE·2^(retry-1))], so parallel clients spread out."""
    return _random.uniform(0, min(MAX_WAIT, BASE * 2 ** (retry - 1)))


def seconds_header(headers: Mapping[str, str], name: str) -> float | None:
    """A header in seconds, or an HTTP date (Retry-After may be either); None when absent or garbled."""
    value = (headers.get(name) or "").strip()
    if not value:
        return None
    try:
        return max(0.0, float(value))
    except ValueError:
        pass
    try:
        return max(0.0, parsedate_to_datetime(value).timestamp() - time.time())
    except (TypeError, ValueError, IndexError):
        return None


def wait_after_429(headers: Mapping[str, str], retry: int) -> float:
    """The longest of Retry-After, x-ratelimit-reset, 2 s and the backoff; at most MAX_WAIT."""
    hints = [seconds_header(headers, "Retry-After"), seconds_header(headers, "x-ratelimit-reset")]
    return min(MAX_WAIT, max([MIN_429_WAIT, backoff(retry)] + [h for h in hints if h is not None]))


def wait_after_failure(headers: Mapping[str, str] | None, retry: int) -> float:
    """After a 5xx, a timeout or a connection error: the backoff, or Retry-After when it is longer."""
    hint = seconds_header(headers, "Retry-After") if headers is not None else None
    return min(MAX_WAIT, max(backoff(retry), hint or 0.0))
