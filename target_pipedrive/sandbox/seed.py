"""The sandbox's account: field catalogues with custom fields, activity types, users, lead labels."""

from __future__ import annotations

import hashlib
import json
from pathlib import Path
from typing import Any


def field_key(entity: str, name: str) -> str:
    """Deterministic 40-hex custom-field key, as Pipedrive's are opaque 40-character hashes."""
    return hashlib.sha1(f"{entity}:{name}".encode()).hexdigest()


_OPTION_IDS = iter(range(100, 10_000))


def _custom(entity: str, name: str, kind: str, options: list[str] | None = None) -> dict[str, Any]:
    return {
        "field_name": name,
        "field_code": field_key(entity, name),
        "field_type": kind,
        "is_custom_field": True,
        "is_optional_response_field": False,
        "options": [{"id": next(_OPTION_IDS), "label": label} for label in options] if options else None,
    }


def _builtin(name: str, code: str, kind: str) -> dict[str, Any]:
    return {
        "field_name": name,
        "field_code": code,
        "is_optional_response_field": False,
        "field_type": kind,
        "is_custom_field": False,
        "options": None,
    }


def default_seed() -> dict[str, Any]:
    global _OPTION_IDS
    _OPTION_IDS = iter(range(100, 10_000))
    return {
        "fields": {
            "person": [
                _builtin("Name", "name", "varchar"),
                _builtin("Email", "emails", "varchar"),
                _builtin("Phone", "phones", "phone"),
                _builtin("Owner", "owner_id", "user"),
                _builtin("Organization", "org_id", "org"),
                _builtin("Visible to", "visible_to", "visible_to"),
                _builtin("Labels", "label_ids", "set"),
                _builtin("Person created", "add_time", "date"),
                _custom("person", "External ID", "varchar"),
                _custom("person", "Tier", "enum", ["Gold", "Silver", "Bronze"]),
                _custom("person", "Interests", "set", ["Sports", "Music", "Travel"]),
                _custom("person", "Lifetime Value", "monetary"),
                _custom("person", "Birthday", "date"),
                _custom("person", "Home Address", "address"),
            ],
            "organization": [
                _builtin("Name", "name", "varchar"),
                _builtin("Address", "address", "address"),
                _builtin("Owner", "owner_id", "user"),
                _builtin("Visible to", "visible_to", "visible_to"),
                _custom("organization", "External ID", "varchar"),
                _custom("organization", "Segment", "enum", ["SMB", "Mid-Market", "Enterprise"]),
            ],
            "deal": [
                _builtin("Title", "title", "varchar"),
                _builtin("Value", "value", "monetary"),
                _builtin("Currency", "currency", "varchar"),
                _builtin("Stage", "stage_id", "stage"),
                _builtin("Status", "status", "status"),
                _builtin("Expected close date", "expected_close_date", "date"),
                _builtin("Probability", "probability", "double"),
                _builtin("Lost reason", "lost_reason", "varchar_options"),
                _builtin("Visible to", "visible_to", "visible_to"),
                _custom("deal", "External ID", "varchar"),
                _custom("deal", "Contract Value", "monetary"),
                _custom("deal", "Renewal Date", "date"),
                _custom("deal", "Region", "enum", ["EMEA", "AMER", "APAC"]),
            ],
            "activity": [
                _builtin("Subject", "subject", "varchar"),
                _builtin("Type", "type", "varchar"),
                _builtin("Due date", "due_date", "date"),
                _builtin("Due time", "due_time", "time"),
                _builtin("Duration", "duration", "time"),
                _builtin("Done", "done", "boolean"),
                _builtin("Note", "note", "text"),
            ],
        },
        "activity_types": [
            {"id": i + 1, "key_string": key, "name": key.capitalize(), "active_flag": True}
            for i, key in enumerate(["call", "meeting", "task", "deadline", "email", "lunch"])
        ],
        "lead_labels": [
            {"id": "f08b42a0-4e75-11ea-9643-03698ef1cfd6", "name": "Hot", "color": "red"},
            {"id": "f08b42a1-4e75-11ea-9643-03698ef1cfd6", "name": "Cold", "color": "blue"},
        ],
        "user": {
            "id": 1,
            "name": "Sandbox Admin",
            "email": "admin@sandbox.example",
            "company_domain": "sandbox",
            "default_currency": "USD",
        },
        "stages": [1, 2, 3, 4, 5],
        "entities": {},
    }


def load_seed(path: str | None) -> dict[str, Any]:
    seed = default_seed()
    if path:
        seed.update(json.loads(Path(path).read_text()))
    return seed
