"""The target's config for each run: the mappings of a scenario family plus strategy, ledger and clock."""

from __future__ import annotations

from pathlib import Path
from typing import Any


def _path(path: str) -> dict[str, str]:
    return {"@path": path}


# S1-S3: people matched by email; Tier and Lifetime Value are the traits S3 changes.
PEOPLE_MAPPINGS: list[dict[str, Any]] = [
    {
        "name": "People",
        "trigger": 'type = "identify"',
        "action": "upsert_person",
        "fields": {
            "match_field": "email",
            "match_value": _path("$.traits.email"),
            "name": _path("$.traits.name"),
            "email": _path("$.traits.email"),
            "custom_fields": {
                "External ID": _path("$.userId"),
                "Tier": _path("$.traits.tier"),
                "Lifetime Value": {"@template": "{{traits.lifetime_value}} USD"},
            },
        },
    }
]

_PERSON_LINK = {"person_match_field": "email", "person_match_value": _path("$.properties.email")}
_ORG_LINK = {
    "organization_match_field": "External ID",
    "organization_match_value": _path("$.context.groupId"),
}
_DEAL_LINK = {"deal_match_field": "External ID", "deal_match_value": _path("$.properties.order_id")}

# S4 (and S5): a mapping per kind of event of the mixed stream (events.py). Organizations and deals
# get their External ID from the action's write-back of the match value on create.
MIXED_MAPPINGS: list[dict[str, Any]] = [
    PEOPLE_MAPPINGS[0],
    {
        "name": "Organizations",
        "trigger": 'type = "group"',
        "action": "upsert_organization",
        "fields": {
            "match_field": "External ID",
            "match_value": _path("$.groupId"),
            "name": _path("$.traits.name"),
            "custom_fields": {"Segment": _path("$.traits.segment")},
        },
    },
    {
        "name": "Orders",
        "trigger": 'type = "track" and event = "Order Completed"',
        "action": "upsert_deal",
        "fields": {
            **_DEAL_LINK,
            **_PERSON_LINK,
            **_ORG_LINK,
            "title": {"@template": "Order {{properties.order_id}}"},
            "value": _path("$.properties.revenue"),
            "currency": _path("$.properties.currency"),
            "status": _path("$.properties.status"),
            "custom_fields": {"Region": _path("$.properties.region")},
        },
    },
    {
        "name": "Activities",
        "trigger": 'type = "track" and event = "Activity Upserted"',
        "action": "upsert_activity",
        "fields": {
            **_PERSON_LINK,
            **_ORG_LINK,
            "subject": _path("$.properties.subject"),
            "type": _path("$.properties.type"),
            "due_date": _path("$.properties.due_date"),
            "done": _path("$.properties.done"),
        },
    },
    {
        "name": "Calls",
        "trigger": 'type = "track" and event = "Call Logged"',
        "action": "upsert_activity",
        "fields": {
            **_PERSON_LINK,
            **_ORG_LINK,
            "subject": _path("$.properties.subject"),
            "type": "call",
            "duration": _path("$.properties.duration"),
            "done": True,
        },
    },
    {
        "name": "Notes",
        "trigger": 'type = "track" and event = "Note Added"',
        "action": "upsert_note",
        "fields": {**_DEAL_LINK, **_PERSON_LINK, "content": _path("$.properties.content")},
    },
]

MAPPINGS = {"people": PEOPLE_MAPPINGS, "mixed": MIXED_MAPPINGS}


def target_config(
    *,
    api_url: str,
    api_token: str,
    family: str,
    strategy: str,
    ledger: Path | None,
    clock_speed: float,
    workdir: Path,
    run_name: str,
    dry_run: bool = False,
) -> dict[str, Any]:
    """The config of one run. `ledger` None: no ledger (the baseline keeps no memory between runs)."""
    return {
        "api_url": api_url,
        "api_token": api_token,
        "mappings": MAPPINGS[family],
        "strategy": strategy,
        "ledger_path": str(ledger) if ledger else "",
        "clock_speed": clock_speed,
        "dry_run": dry_run,
        "report_file": str(workdir / f"{run_name}.report.json"),
        "reject_file": str(workdir / f"{run_name}.rejects.jsonl"),
        "dry_run_file": str(workdir / f"{run_name}.dry-run.jsonl"),
        "progress_interval": 60,
    }
