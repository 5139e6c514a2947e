"""The sandbox's own token-cost table, for when it runs without Pipedrive's OpenAPI files.

With the files, every operation is charged its `x-token-cost` from the description. Without them, the
operations the sandbox serves are charged the figures below, copied from the description's
`x-token-cost` (snapshot of 2026-08-18: API v2 operations cost half of their v1 equivalents), and any
other path the v2 or v1 figure of a single-entity GET. The table is the sandbox's own: the emulator
shares no code, and so no mistake, with the client it checks (tests/test_costs.py keeps it equal to the
description's figures).
"""

from __future__ import annotations

import re

V2, V1 = "/api/v2", "/api/v1"
# (METHOD, path template) -> tokens.
COSTS: dict[tuple[str, str], int] = {
    **{("GET", f"{V2}/{kind}"): 10 for kind in ("persons", "organizations", "deals", "activities")},
    **{("POST", f"{V2}/{kind}"): 5 for kind in ("persons", "organizations", "deals", "activities")},
    **{("GET", f"{V2}/{kind}/{{id}}"): 1 for kind in ("persons", "organizations", "deals", "activities")},
    **{("PATCH", f"{V2}/{kind}/{{id}}"): 5 for kind in ("persons", "organizations", "deals", "activities")},
    **{("DELETE", f"{V2}/{kind}/{{id}}"): 3 for kind in ("persons", "organizations", "deals", "activities")},
    ("GET", f"{V2}/deals/archived"): 20,
    **{("GET", f"{V2}/{kind}/search"): 20 for kind in ("persons", "organizations", "deals", "leads")},
    ("GET", f"{V2}/itemSearch"): 20,
    ("GET", f"{V2}/itemSearch/field"): 20,
    **{("GET", f"{V2}/{kind}Fields"): 10 for kind in ("person", "organization", "deal", "activity")},
    ("GET", f"{V1}/leads"): 20,
    ("POST", f"{V1}/leads"): 10,
    ("GET", f"{V1}/leads/archived"): 40,
    ("GET", f"{V1}/leads/{{id}}"): 2,
    ("PATCH", f"{V1}/leads/{{id}}"): 10,
    ("DELETE", f"{V1}/leads/{{id}}"): 6,
    ("GET", f"{V1}/notes"): 20,
    ("POST", f"{V1}/notes"): 10,
    ("GET", f"{V1}/notes/{{id}}"): 2,
    ("PUT", f"{V1}/notes/{{id}}"): 10,
    ("DELETE", f"{V1}/notes/{{id}}"): 6,
    ("GET", f"{V1}/leadFields"): 20,
    ("GET", f"{V1}/noteFields"): 20,
    ("GET", f"{V1}/leadLabels"): 10,
    ("GET", f"{V1}/activityTypes"): 20,
    ("GET", f"{V1}/users"): 20,
    ("GET", f"{V1}/users/me"): 2,
    ("GET", f"{V2}/pipelines"): 5,
    ("GET", f"{V2}/stages"): 5,
}
_FIXED = ("archived", "search", "itemSearch", "field", "me")


def template(path: str) -> str:
    """/api/v2/persons/5 -> /api/v2/persons/{id}; literal segments (search, archived, …) stay."""
    parts = path.rstrip("/").split("/")
    # parts: "", "api", "v2", collection, [id]
    if len(parts) == 5 and parts[4] not in _FIXED and not parts[3].endswith("Fields"):
        parts[4] = "{id}"
    return "/".join(parts)


def fallback_cost(method: str, path: str) -> int:
    """Tokens one call costs by the sandbox's table. `path` is the URL path, e.g. /api/v2/persons/5."""
    known = COSTS.get((method.upper(), template(path)))
    if known is not None:
        return known
    return 2 if re.match(r"^/(api/)?v1/", path) else 1
