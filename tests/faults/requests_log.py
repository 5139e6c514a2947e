"""Which event a logged sandbox request was made for, and which request a fault hit."""

from __future__ import annotations

import json
from typing import Any

import requests


def _strings(value: Any) -> list[str]:
    if isinstance(value, dict):
        return [s for item in value.values() for s in _strings(item)]
    return [value] if isinstance(value, str) else []


def _numbers(value: Any) -> set[float]:
    if isinstance(value, dict):
        return {n for item in value.values() for n in _numbers(item)}
    if isinstance(value, list):
        return {n for item in value for n in _numbers(item)}
    is_number = isinstance(value, (int, float)) and not isinstance(value, bool)
    return {float(value)} if is_number else set()


def option_ids(sandbox: Any) -> dict[str, float]:
    """Option label → option id of every enum/set field of the sandbox's account."""
    labels: dict[str, float] = {}
    for path in ("/api/v2/personFields", "/api/v2/organizationFields", "/api/v2/dealFields"):
        answer = requests.get(
            sandbox.url + path, params={"limit": 500}, headers={"x-api-token": sandbox.token}, timeout=10
        )
        for field in answer.json().get("data") or []:
            for option in field.get("options") or []:
                if isinstance(option.get("id"), (int, float)):
                    labels[str(option.get("label"))] = float(option["id"])
    return labels


def made_for(request: dict[str, Any], event: dict[str, Any], labels: dict[str, float] | None = None) -> bool:
    """The request body carries a value of the event's own (name, email, order id, …). An update
    carries only the fields that changed (the write policy): a number of the event's, or the option
    id of one of its labels (`labels`, from option_ids), counts too."""
    body = json.dumps(request["body"])
    values = [v for v in _strings(event) if len(v) > 5 and v not in ("identify", "track")]
    if any(json.dumps(v)[1:-1] in body for v in values):
        return True
    wanted = {n for n in _numbers(event) if abs(n) >= 10}
    wanted |= {labels[v] for v in _strings(event) if labels and v in labels}
    return bool(wanted & _numbers(request["body"]))


def first_faulted(log: list[dict[str, Any]], statuses: tuple[int, ...]) -> dict[str, Any]:
    return next(entry for entry in log if entry.get("status") in statuses)
