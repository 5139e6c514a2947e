"""Contract validation: every request checked against Pipedrive's own OpenAPI description.

The description files are third-party data, read at run time from a folder (option or
PIPEDRIVE_OPENAPI_DIR), never shipped. Each file is parsed once per process (the C YAML loader,
under a second for both); the description itself is not re-validated, which would cost ~2 s more.
"""

from __future__ import annotations

import functools
import re
import threading
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs, parse_qsl

import yaml
from jsonschema import FormatChecker
from openapi_core import Config, OpenAPI
from openapi_core.datatypes import RequestParameters
from openapi_core.templating.paths.exceptions import PathNotFound
from openapi_core.validation.request.validators import V30RequestValidator
from openapi_core.validation.schemas.factories import SchemaValidatorsFactory
from openapi_schema_validator import OAS30WriteValidator
from werkzeug.datastructures import Headers, ImmutableMultiDict

from .costs import fallback_cost

# The descriptions' servers: v2 lives under https://api.pipedrive.com/api/v2, v1 under /v1.
_HOST = "https://api.pipedrive.com"


@dataclass
class _Request:
    """The smallest object openapi-core validates (its Request protocol), built from the raw request."""

    method: str
    path: str
    query: str
    body: bytes | None
    content_type: str = "application/json"
    host_url: str = _HOST
    parameters: RequestParameters = field(init=False)

    def __post_init__(self) -> None:
        self.parameters = RequestParameters(
            query=ImmutableMultiDict(parse_qs(self.query, keep_blank_values=True)),
            # Never the caller's token: the description's security scheme only needs the header present.
            header=Headers({"x-api-token": "validation", "content-type": self.content_type}),
            cookie=ImmutableMultiDict(),
        )


class _SharedFormatChecker(SchemaValidatorsFactory):
    """openapi-core deep-copies its format checker for every parameter it validates: about half of the
    per-request cost. Nothing here adds format validators, so one shared checker is safe."""

    def get_format_checker(
        self, format_validators: Any = None, extra_format_validators: Any = None
    ) -> FormatChecker:
        if format_validators is None and extra_format_validators is None:
            return self.format_checker
        return super().get_format_checker(format_validators, extra_format_validators)


class _RequestValidator(V30RequestValidator):
    schema_validators_factory = _SharedFormatChecker(OAS30WriteValidator)


@dataclass
class Description:
    """One parsed OpenAPI file, with each operation's path pattern and x-token-cost."""

    spec: dict[str, Any]
    openapi: OpenAPI  # the whole description (the tests validate responses against it)
    # (METHOD, path pattern, path template, x-token-cost or None); literal templates first
    operations: list[tuple[str, re.Pattern[str], str, int | None]]
    _narrow: dict[tuple[str, str, frozenset[str]], OpenAPI] = field(default_factory=dict)
    _lock: threading.Lock = field(default_factory=threading.Lock)

    def operation(self, method: str, relative: str) -> tuple[str, int | None] | None:
        for candidate, pattern, template, cost in self.operations:
            if candidate == method and pattern.match(relative):
                return template, cost
        return None

    def _resolve(self, node: dict[str, Any]) -> dict[str, Any]:
        while "$ref" in node:
            target: Any = self.spec
            for part in node["$ref"].lstrip("#/").split("/"):
                target = target[part]
            node = target
        return node

    def query_names(self, template: str, method: str) -> frozenset[str]:
        """The query parameters the operation declares (its own and its path's)."""
        item = self.spec["paths"][template]
        declared = [*item.get("parameters", []), *item[method.lower()].get("parameters", [])]
        resolved = (self._resolve(parameter) for parameter in declared)
        return frozenset(p["name"] for p in resolved if p.get("in") == "query")

    def _as_comma_list(self, parameter: dict[str, Any]) -> dict[str, Any]:
        """A string parameter with an enum whose description says it takes a comma-separated list (deals'
        `status`: "Multiple statuses can be included as a comma separated array") takes any list of
        those values, which the enum alone would refuse."""
        schema = self._resolve(parameter.get("schema", {}))
        text = str(parameter.get("description", "")).lower().replace("-", " ")
        if schema.get("type") != "string" or not schema.get("enum") or "comma separated" not in text:
            return parameter
        one = "|".join(re.escape(str(value)) for value in schema["enum"])
        listed = {k: v for k, v in schema.items() if k != "enum"}
        return {**parameter, "schema": {**listed, "pattern": f"^({one})(,({one}))*$"}}

    def narrowed(self, template: str, method: str, present: frozenset[str]) -> OpenAPI:
        """The description cut down to one operation and the query parameters the request has.

        openapi-core walks every path to find the operation and deserialises every declared parameter,
        sent or not: most of its cost. An optional query parameter that is absent cannot break a rule,
        so leaving it out changes no outcome. Cached per (operation, parameters present)."""
        key = (template, method, present)
        with self._lock:
            if key not in self._narrow:
                item = self.spec["paths"][template]
                operation = dict(item[method.lower()])
                operation["parameters"] = [
                    self._as_comma_list(self._resolve(parameter))
                    for parameter in operation.get("parameters", [])
                    if self._resolve(parameter).get("in") != "query"
                    or self._resolve(parameter).get("required")
                    or self._resolve(parameter).get("name") in present
                ]
                narrow_item = {k: v for k, v in item.items() if k == "parameters"}
                narrow_item[method.lower()] = operation
                narrow = {**self.spec, "paths": {template: narrow_item}}
                self._narrow[key] = OpenAPI.from_dict(narrow, config=_CONFIG)
            return self._narrow[key]


_CONFIG = Config(spec_validator_cls=None, request_validator_cls=_RequestValidator)


@functools.cache
def _load(path: str) -> Description:
    with open(path, encoding="utf-8") as handle:
        spec = yaml.load(handle, Loader=yaml.CSafeLoader)
    operations = []
    for template, item in spec.get("paths", {}).items():
        pattern = re.compile("^" + re.sub(r"\\{[^}]+\\}", "[^/]+", re.escape(template)) + "$")
        for method, operation in item.items():
            if method in ("get", "post", "put", "patch", "delete") and isinstance(operation, dict):
                cost = operation.get("x-token-cost")
                operations.append((method.upper(), pattern, template, None if cost is None else int(cost)))
    # Literal templates first: /persons/search must not be taken for /persons/{id}.
    operations.sort(key=lambda entry: entry[1].pattern.count("[^/]+"))
    return Description(spec, OpenAPI.from_dict(spec, config=_CONFIG), operations)


def spec_folder(folder: str | None) -> Path | None:
    """The folder holding v1.yaml and v2.yaml, if there is one."""
    if folder and Path(folder, "v1.yaml").is_file() and Path(folder, "v2.yaml").is_file():
        return Path(folder)
    return None


class ContractValidator:
    def __init__(self, folder: str | Path) -> None:
        found = spec_folder(str(folder))
        if found is None:
            raise FileNotFoundError(f"no v1.yaml and v2.yaml in {folder}")
        self.folder = found
        self.v1 = _load(str(found / "v1.yaml"))
        self.v2 = _load(str(found / "v2.yaml"))

    def _pick(self, path: str) -> tuple[Description, str, str] | None:
        """(description, path relative to its server, path as the description's server has it)."""
        if path.startswith("/api/v2/"):
            return self.v2, path[len("/api/v2") :], path
        if path.startswith("/api/v1/"):
            relative = path[len("/api/v1") :]
            return self.v1, relative, "/v1" + relative
        return None

    def cost(self, method: str, path: str) -> int:
        """The operation's x-token-cost from the description, else our own table's figure."""
        picked = self._pick(path)
        found = picked[0].operation(method, picked[1]) if picked else None
        return found[1] if found and found[1] is not None else fallback_cost(method, path)

    def check(
        self, method: str, path: str, query: str, body: bytes | None, content_type: str = ""
    ) -> str | None:
        """None if the description allows the request, else the rule it broke."""
        picked = self._pick(path)
        if picked is None:
            return None
        description, relative, server_path = picked
        found = description.operation(method, relative)
        if found is None:
            return None  # the router answers 404 (or 405) for operations Pipedrive does not have
        present = frozenset(name for name, _ in parse_qsl(query, keep_blank_values=True))
        undeclared = sorted(present - description.query_names(found[0], method))
        if undeclared:
            # openapi-core lets undeclared parameters through; Pipedrive does not act on them, and a
            # client that sends one (a removed filter such as leads' archived_status) has a bug.
            return f"query parameter(s) not declared for {method} {found[0]}: {', '.join(undeclared)}"
        openapi = description.narrowed(found[0], method, present)
        request = _Request(
            method.lower(), server_path, query, body or None, content_type or "application/json"
        )
        try:
            openapi.validate_request(request)
        except PathNotFound:
            return None
        except Exception as exc:  # openapi-core raises a family of validation errors
            return _rule(exc)
        return None


def _rule(exc: Exception) -> str:
    """openapi-core's error, with the schema rule each property broke (not the whole body echoed back)."""
    errors = getattr(exc.__cause__, "schema_errors", None) or []
    if not errors:
        return str(exc) + (
            f": {exc.__cause__}" if exc.__cause__ and str(exc.__cause__) not in str(exc) else ""
        )
    details = []
    for error in errors:
        where = "/".join(str(part) for part in error.absolute_path)
        details.append(f"{where}: {error.message}" if where else str(error.message))
    # A parameter error names its parameter; a body error names each property in its details.
    head = str(exc) if getattr(exc, "name", None) else str(exc).split(":")[0]
    return f"{head}: {'; '.join(details)}"
