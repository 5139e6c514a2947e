"""Injected faults: deterministic under a seed, targeted by method and path, limited in number.

A fault is a dict: `path` (glob, default "*"), `method`, `count` (how many requests it hits; default 1,
-1 for every matching request), `skip` (let this many matching requests through first),
`probability` (drawn from the sandbox's seeded generator), and what happens: `status`
(500/502/503/429, with `retry_after`; 401: the gateway's refusal of a token; 402: the company account
is not open; 403 with `code`: a JSON refusal such as `feature_capping_deals_limit`; `error` replaces
the message of a JSON fault, `code` adds Pipedrive's `code` to its body), `drop: "before"`
(connection closed, nothing written), `drop: "after"` (the write commits, then the connection dies),
`html: true` (a non-JSON block page), `latency` (extra sandbox seconds) or `data` (an object: the
request is handled and committed as usual, then its answer's `data` object gets these keys, e.g.
`{"id": "abc"}`, a create answered with an id that is not one; for tests of a client's reading of
answers, never a behaviour of Pipedrive's) or `item` (the same for a list or search answer: its first
item, `data[0]` or a search's `data.items[0].item`, gets these keys, e.g. `{"id": null}`).
"""

from __future__ import annotations

import fnmatch
import random
import threading
from typing import Any

_KNOWN = {
    "path",
    "method",
    "count",
    "skip",
    "probability",
    "status",
    "retry_after",
    "drop",
    "html",
    "latency",
    "code",
    "error",
    "data",
    "item",
}


def check(fault: dict[str, Any]) -> dict[str, Any]:
    unknown = set(fault) - _KNOWN
    if unknown:
        raise ValueError(f"unknown fault key(s): {', '.join(sorted(unknown))}")
    if fault.get("drop") not in (None, "before", "after"):
        raise ValueError("fault drop must be 'before' or 'after'")
    if not any(k in fault for k in ("status", "drop", "html", "latency", "data", "item")):
        raise ValueError("a fault needs one of status, drop, html, latency, data, item")
    for key in ("data", "item"):
        if key in fault and not isinstance(fault[key], dict):
            raise ValueError(f"fault {key} must be an object: the keys to set in the answer's {key}")
    return {"path": "*", "count": 1, "skip": 0, "probability": 1.0, **fault}


class Faults:
    def __init__(self, seed: int = 0) -> None:
        self.seed = seed
        self._lock = threading.Lock()
        self.set([])

    def set(self, faults: list[dict[str, Any]]) -> None:
        checked = [check(dict(fault)) for fault in faults]
        with self._lock:
            self._faults = checked
            self._random = random.Random(self.seed)  # the same faults on the same requests every run

    def pending(self) -> list[dict[str, Any]]:
        with self._lock:
            return [dict(f) for f in self._faults if f["count"] != 0]

    def next(self, method: str, path: str) -> dict[str, Any] | None:
        """The fault this request meets, if any (the first matching one)."""
        with self._lock:
            for fault in self._faults:
                if fault["count"] == 0:
                    continue
                if fault.get("method") and fault["method"].upper() != method:
                    continue
                if not fnmatch.fnmatchcase(path, fault["path"]):
                    continue
                if fault["skip"] > 0:
                    fault["skip"] -= 1
                    continue
                if fault["probability"] < 1.0 and self._random.random() >= fault["probability"]:
                    continue
                if fault["count"] > 0:
                    fault["count"] -= 1
                return dict(fault)
        return None
