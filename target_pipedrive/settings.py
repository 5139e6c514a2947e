"""The target's settings, declared once: validation, `--about` and the README's table all come from here."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from singer_sdk import typing as th

from .mapping.setting import mappings_property


def _match_field(entity: str, example: str) -> th.Property:
    return th.Property(
        f"{entity}_field",
        th.StringType,
        default="id",
        description=(
            f"Default match field for {entity}s: the field a {entity} is looked up by when a mapping names "
            f"none. A field's name as Pipedrive shows it (e.g. {example!r}) or its key; `id` looks the "
            "Pipedrive id up directly. Must be a field Pipedrive can search."
        ),
    )


SETTINGS = th.PropertiesList(
    th.Property(
        "api_token",
        th.StringType,
        required=True,
        secret=True,
        description=(
            "Pipedrive API token (Pipedrive → Settings → Personal preferences → API). Sent only in the "
            "x-api-token header, never in a URL, never logged."
        ),
    ),
    th.Property(
        "domain",
        th.StringType,
        description=(
            "Your company domain: `acme` for https://acme.pipedrive.com (`acme.pipedrive.com` works too). "
            "Required unless `api_url` is set."
        ),
    ),
    th.Property(
        "api_url",
        th.StringType,
        description=(
            "Base URL override, e.g. the local sandbox (http://127.0.0.1:8765) or a proxy. Must be https "
            "unless it is a loopback address. The token is sent only to this URL or to your company domain."
        ),
    ),
    _match_field("person", "Email"),
    _match_field("organization", "External ID"),
    _match_field("deal", "External ID"),
    mappings_property(),
    th.Property(
        "reject_file",
        th.StringType,
        default="target-pipedrive.rejects.jsonl",
        description=(
            "JSONL file that receives every record that could not be written (stream, record, mapping, "
            "action, field, reason, HTTP status, Pipedrive's error). Created on the first reject only."
        ),
    ),
    th.Property(
        "dry_run",
        th.BooleanType,
        default=False,
        description=(
            "Look everything up but write nothing: each request the run would send (method, path, body) "
            "goes to dry_run_file (the first 20 to the log too), and the summary is the one a real run "
            "would give."
        ),
    ),
    th.Property(
        "dry_run_file",
        th.StringType,
        default="target-pipedrive.dry-run.jsonl",
        description=(
            "Dry run only: the JSONL file that receives every request the run would send (mapping, "
            "method, path, body), one per line; the log shows the first 20."
        ),
    ),
    th.Property(
        "report_file",
        th.StringType,
        description=(
            "Path of a JSON file that receives the run summary at the end (records in, written, "
            "unchanged, filtered, rejected, per mapping, API calls and tokens), for Airflow or a monitor."
        ),
    ),
    th.Property(
        "progress_interval",
        th.IntegerType,
        default=5,
        description="Seconds between two progress lines in the log.",
    ),
    th.Property(
        "request_timeout",
        th.IntegerType,
        default=30,
        description="Seconds to wait for Pipedrive to answer one request.",
    ),
    th.Property(
        "max_rejects",
        th.NumberType,
        description=(
            "Rejects allowed before the run fails: a count (e.g. 100) or, below 1, a fraction of the records "
            "in (e.g. 0.05 = 5%, checked once 100 records are in). Unset: no cap. Records already written "
            "stay written; the run stops with the last safe state emitted."
        ),
    ),
    th.Property(
        "ledger_path",
        th.StringType,
        default=".target-pipedrive/ledger.sqlite",
        description=(
            "SQLite sync ledger: per match key, the Pipedrive id and a hash of what was last written, so "
            "that a re-sync of unchanged rows needs neither reads nor writes, and a replayed event never "
            "creates a second activity or note. Empty string: no ledger. One ledger per Pipedrive account."
        ),
    ),
    th.Property(
        "full_refresh",
        th.BooleanType,
        default=False,
        description=(
            "Ignore the sync ledger's memory of earlier runs: look every record up and write what changed "
            "(the ledger is still updated). Use after editing entities in Pipedrive by hand."
        ),
    ),
    th.Property(
        "strategy",
        th.StringType,
        default="best",
        allowed_values=["best", "segment"],
        description=(
            "`best`: prefetch, in-run identity map, ledger and skip-unchanged. `segment`: Segment's "
            "algorithm (one search per lookup, then always a write, no cache), for benchmarks only."
        ),
    ),
    th.Property(
        "clock_speed",
        th.NumberType,
        default=1,
        description=(
            "How many times faster than real time the server's rate-limit clock runs. Only for the "
            "sandbox's sped-up clock in benchmarks; leave at 1 against Pipedrive."
        ),
    ),
    th.Property(
        "max_in_flight",
        th.IntegerType,
        default=4,
        description=(
            "Records written at the same time. Records that share a match value or link wait for each "
            "other, so order is kept where it matters; pacing keeps the total under Pipedrive's rate "
            "limit. 1 writes one record after the other."
        ),
    ),
    th.Property(
        "max_retries",
        th.IntegerType,
        default=5,
        description=(
            "Retries of a request that failed for a passing reason (429, 5xx, timeout, dropped connection)."
        ),
    ),
)


def setting(config: Mapping[str, Any], name: str, default: Any) -> Any:
    """A setting's value, its default only when unset: 0 and false are values (no retries, no wait)."""
    value = config.get(name)
    return default if value is None or value == "" else value
