"""Pipedrive's daily-budget token cost per operation (its `x-token-cost`), for when the spec is absent.

The figures are Pipedrive's published costs: v2 operations cost about half of their v1 equivalents.
Both the client (to account for what a run spends) and the sandbox (to charge the daily budget when it
runs without the OpenAPI files) use this one table.
"""

from __future__ import annotations

import re

_SEARCH = re.compile(r"/(search|itemSearch(/field)?)$")
_FIELDS = re.compile(r"/\w+Fields$")
_FIELD_ONE = re.compile(r"/\w+Fields/[^/]+$")
_ONE = re.compile(r"/[^/]+/[^/]+$")  # /<collection>/<id>
# The account's directory lists that cost less than an entity list (x-token-cost: v2 pipelines and
# stages 5, v1 leadLabels 10, i.e. 5 before v1's doubling).
_DIRECTORY = frozenset({"/pipelines", "/stages", "/leadLabels"})


def token_cost(method: str, path: str) -> int:
    """Cost of one call. `path` is the URL path, e.g. /api/v2/persons/5 or /api/v1/notes."""
    method = method.upper()
    v1 = "/v1/" in path
    rel = path.split("/v1", 1)[-1] if v1 else path.split("/v2", 1)[-1]
    if rel == "/users/me":
        cost = 1
    elif rel == "/leads/archived" or rel == "/deals/archived" or _SEARCH.search(rel):
        cost = 20
    elif rel in _DIRECTORY and method == "GET":
        cost = 5
    elif _FIELDS.search(rel):
        cost = 10
    elif _FIELD_ONE.search(rel) and method == "GET":
        cost = 1
    elif method == "GET":
        cost = 1 if _ONE.search(rel) else 10
    elif method == "POST" or method in ("PATCH", "PUT"):
        cost = 5
    elif method == "DELETE":
        cost = 3
    else:
        cost = 1
    # v1 charges double for the same operation.
    return cost * 2 if v1 else cost
