"""mapping-kit paths (`$.traits.email`, `items[0].sku`, `a['b c']`) into compiled getters.

Unlike Segment's `get`, a walk through an absent, null or scalar value gives "absent": Segment
returns the falsy intermediate itself (`{a: 0}` at `a.b` gives 0) and indexes strings by character.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from typing import Any

from .jsvalues import MISSING

Getter = Callable[[Any], Any]

# Split on dots, on "[" before a quote or digit and on "]" after one, as mapping-kit does;
# so a[0] and a['b c'] are indexes while a[b] is the literal key "a[b]".
_SPLIT = re.compile(r"\.|\[(?=['\"\d])|(?<=['\"\d])\]")


def split_path(path: str) -> tuple[str, ...] | None:
    """The segments of a path; None for the whole payload ("", ".", "$.")."""
    path = path.replace("$.", "", 1)
    if path in ("", "."):
        return None
    return tuple(re.sub(r"['\"]", "", part) for part in _SPLIT.split(path) if part)


def _step(value: Any, key: str) -> Any:
    if isinstance(value, dict):
        return value.get(key, MISSING)
    if isinstance(value, list) and key.isdigit() and key.isascii():
        index = int(key)
        return value[index] if index < len(value) else MISSING
    return MISSING


def compile_get(path: str) -> Getter:
    segments = split_path(path)
    if segments is None:
        return lambda payload: payload
    if len(segments) == 1:
        (k0,) = segments
        return lambda payload: payload.get(k0, MISSING) if isinstance(payload, dict) else _step(payload, k0)
    if len(segments) == 2:
        k0, k1 = segments

        def get2(payload: Any) -> Any:
            v = payload.get(k0, MISSING) if isinstance(payload, dict) else _step(payload, k0)
            if isinstance(v, dict):
                return v.get(k1, MISSING)
            return _step(v, k1)

        return get2

    def get_n(payload: Any) -> Any:
        v = payload
        for key in segments:
            v = _step(v, key)
            if v is MISSING:
                return MISSING
        return v

    return get_n


def get(payload: Any, path: str) -> Any:
    """Look a path up once (for paths that come from the record, e.g. a @path given by a directive)."""
    return compile_get(path)(payload)
