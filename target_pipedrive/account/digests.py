"""Fingerprints of what was written: a whole body's digest, one field's digest, and the field digests
as the `digest` column of a write row holds them (JSON; ledgers of earlier versions hold one digest of
the whole body there, 64 hex digits)."""

from __future__ import annotations

import hashlib
import json
from typing import Any

import msgspec

# The canonical JSON every fingerprint is taken of (key order does not matter), as json.dumps with
# these options writes it; one encoder for the run (json.dumps would make one per call).
_canonical = json.JSONEncoder(sort_keys=True, separators=(",", ":"), ensure_ascii=False, default=str).encode


# msgspec's JSON with sorted keys: the same text as _canonical for objects of strings, where json
# spends more time making its encoder than encoding. Numbers in exponent form and dates it writes
# otherwise, so fingerprints that must stay equal across versions keep _canonical.
_fast_sorted = msgspec.json.Encoder(order="sorted", enc_hook=str).encode


def digest(body: Any) -> str:
    """A stable fingerprint of a JSON value (key order does not matter)."""
    return hashlib.sha256(_canonical(body).encode()).hexdigest()


def quick_digest(body: Any) -> str:
    """A fingerprint of a JSON value for a cache that a new format only costs one miss (the payload
    memo): msgspec's sorted JSON, json's where msgspec refuses the value."""
    try:
        text = _fast_sorted(body)
    except (UnicodeEncodeError, TypeError, OverflowError):
        text = _canonical(body).encode()
    return hashlib.sha256(text).hexdigest()


_SCALARS = frozenset({str, int, float, bool, type(None)})


def field_digest(value: Any) -> str:
    """A short fingerprint of one field's value (16 hex digits: a ledger row holds one per field).
    Cheap on the hot path: a scalar is hashed from its repr (never taken for a list's or object's JSON,
    which start with [ or {), anything else from its JSON."""
    text = repr(value) if value.__class__ in _SCALARS else _canonical(value)
    return hashlib.blake2b(text.encode(), digest_size=8).hexdigest()


def encode_fields(digests: dict[str, str]) -> str:
    """Field digests as the `digest` column of a write row holds them: JSON with sorted keys and
    without spaces (json.dumps's text, which rows of earlier versions hold)."""
    return _fast_sorted(digests).decode()


def decode_fields(stored: str | None) -> dict[str, str] | None:
    """The field digests of a write row; None for a row of an earlier version (one digest of the
    whole body) or a row without digests."""
    if not stored or not stored.startswith("{"):
        return None
    try:
        decoded = json.loads(stored)
    except ValueError:
        return None
    return decoded if isinstance(decoded, dict) else None
