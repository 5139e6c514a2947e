"""Contract validation: every request checked against Pipedrive's own OpenAPI description.

The description files are third-party data, read at run time from a folder (option or
PIPEDRIVE_OPENAPI_DIR), never shipped. Parsed once per process: about 1.5 s, then 1-10 ms a request.
"""

from __future__ import annotations

import functools
import re
from pathlib import Path
from typing import Any

import requests
import yaml
from openapi_core import OpenAPI
from openapi_core.contrib.requests import RequestsOpenAPIRequest
from openapi_core.templating.paths.exceptions import PathNotFound

from ..pipedrive.costs import token_cost

# The description's servers: v2 lives under /api/v2, v1 under /v1.
_SERVER = "https://api.pipedrive.com"


@functools.cache
def _load(path: str) -> tuple[OpenAPI, list[tuple[str, re.Pattern[str], int]]]:
    with open(path, encoding="utf-8") as handle:
        spec = yaml.load(handle, Loader=yaml.CSafeLoader)
    costs = []
    for template, operations in spec.get("paths", {}).items():
        pattern = re.compile("^" + re.sub(r"\\{[^}]+\\}", "[^/]+", re.escape(template)) + "$")
        for method, operation in operations.items():
            if isinstance(operation, dict) and "x-token-cost" in operation:
                costs.append((method.upper(), pattern, int(operation["x-token-cost"])))
    # Literal templates first: /persons/search must not be taken for /persons/{id}.
    costs.sort(key=lambda entry: entry[1].pattern.count("[^/]+"))
    return OpenAPI.from_dict(spec), costs


class ContractValidator:
    def __init__(self, folder: str) -> None:
        self.folder = Path(folder)
        if not (self.folder / "v1.yaml").is_file() or not (self.folder / "v2.yaml").is_file():
            raise FileNotFoundError(f"no v1.yaml and v2.yaml in {folder}")
        self.v1 = _load(str(self.folder / "v1.yaml"))
        self.v2 = _load(str(self.folder / "v2.yaml"))

    def _pick(self, path: str) -> tuple[tuple[OpenAPI, list[Any]], str, str] | None:
        if path.startswith("/api/v2/"):
            return self.v2, path[len("/api/v2") :], _SERVER + path
        if path.startswith("/api/v1/"):
            return self.v1, path[len("/api/v1") :], _SERVER + "/v1" + path[len("/api/v1") :]
        return None

    def cost(self, method: str, path: str) -> int:
        """The operation's x-token-cost from the description, else our own table's figure."""
        picked = self._pick(path)
        if picked:
            (_, costs), relative, _ = picked
            for cost_method, pattern, cost in costs:
                if cost_method == method and pattern.match(relative):
                    return cost
        return token_cost(method, path)

    def check(self, method: str, path: str, query: dict[str, str], body: Any) -> str | None:
        """None if the description allows the request, else the rule it broke."""
        picked = self._pick(path)
        if picked is None:
            return None
        (openapi, _), _, url = picked
        prepared = requests.Request(
            method, url, params=query, json=body, headers={"x-api-token": "validation"}
        ).prepare()
        try:
            openapi.validate_request(RequestsOpenAPIRequest(prepared))
        except PathNotFound:
            return None  # the router answers 404 for paths Pipedrive does not have
        except Exception as exc:  # openapi-core raises a family of validation errors
            details = [str(e.message) for e in getattr(exc.__cause__, "schema_errors", []) or []]
            return f"{exc}" + (f" ({'; '.join(details)})" if details else "")
        return None
