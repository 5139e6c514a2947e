"""The target's settings, declared once: validation, `--about`, the typed settings object and the README's
table all come from here."""

from __future__ import annotations

from singer_sdk import typing as th

from ..mapping.setting import mappings_property


def _match_field(entity: str, example: str) -> th.Property:
    return th.Property(
        f"{entity}_field",
        th.StringType,
        title=f"Default {entity} match field",
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
        title="API token",
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
        title="Company domain",
        description=(
            "Your company domain: `acme` for https://acme.pipedrive.com (`acme.pipedrive.com` works too). "
            "Required unless `api_url` is set."
        ),
    ),
    th.Property(
        "api_url",
        th.StringType,
        title="API base URL override",
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
        "segment_warehouse",
        th.BooleanType,
        title="Segment warehouse tables",
        default=False,
        description=(
            "Records of the tables Segment's warehouse connector writes (identifies, users, groups, "
            "accounts, tracks, pages, screens, one table per event; read by tap-postgres, tap-snowflake, "
            "tap-bigquery…) are presented to triggers, directives and presets as the Segment events they "
            "were: identifies → type identify, user_id → userId, context_ip → context.ip, the other "
            "top-level columns → traits or properties. See docs/mapping.md."
        ),
    ),
    th.Property(
        "reject_file",
        th.StringType,
        title="Reject file",
        default="target-pipedrive.rejects.jsonl",
        description=(
            "JSONL file that receives every record that could not be written (stream, input line, record, "
            "mapping, action, field, reason, HTTP status, Pipedrive's error). Created on the first reject "
            "only. Run by Meltano, it defaults to output/target-pipedrive/rejects.jsonl in the Meltano "
            "project."
        ),
    ),
    th.Property(
        "dry_run",
        th.BooleanType,
        title="Dry run",
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
        title="Dry-run plan file",
        default="target-pipedrive.dry-run.jsonl",
        description=(
            "Dry run only: the JSONL file that receives every request the run would send (mapping, "
            "method, path, body), one per line; the log shows the first 20. Beside it, the same name "
            "ending in .md: the plan for people, per mapping. Run by Meltano, it defaults to "
            "output/target-pipedrive/dry-run.jsonl in the Meltano project."
        ),
    ),
    th.Property(
        "report_file",
        th.StringType,
        title="Report file",
        description=(
            "Path of a JSON file that receives the run summary at the end (records in, written, "
            "unchanged, filtered, rejected, per mapping, API calls and tokens; status finished or "
            "stopped, started_at, ended_at), for Airflow or a monitor; from the start it says status "
            "running (what a killed run leaves). Unset: none, except when Meltano runs the target: "
            "output/target-pipedrive/report.json in the Meltano project."
        ),
    ),
    th.Property(
        "progress_interval",
        th.IntegerType,
        title="Progress interval (s)",
        default=5,
        description=(
            "Seconds between two progress lines in the log (0 to 86400; 0: a line after every record)."
        ),
    ),
    th.Property(
        "request_timeout",
        th.IntegerType,
        title="Request timeout (s)",
        default=30,
        description="Seconds to wait for Pipedrive to answer one request (1 to 600).",
    ),
    th.Property(
        "max_rejects",
        th.NumberType,
        title="Max rejects",
        description=(
            "Rejects allowed before the run stops: a count (e.g. 100; 0 stops at the first reject) or, "
            "below 1, a fraction of the records in (e.g. 0.05 = 5%, checked once 100 records are in). "
            "Unset: no cap. Records already written stay written; the run stops cleanly with the last "
            "safe state emitted."
        ),
    ),
    th.Property(
        "ledger_path",
        th.StringType,
        title="Sync ledger path",
        default=".target-pipedrive/ledger.sqlite",
        description=(
            "SQLite sync ledger: per match key, the Pipedrive id and a hash of what was last written, so "
            "that a re-sync of unchanged rows needs neither reads nor writes, and a replayed event never "
            "creates a second activity or note. Empty string: no ledger. Under Meltano the default is "
            "`.meltano/target-pipedrive/ledger.sqlite` in the project. A shortcut for a SQLite `ledger_url`."
        ),
    ),
    th.Property(
        "ledger_url",
        th.StringType,
        title="Sync ledger URL",
        secret=True,
        description=(
            "The sync ledger as a SQLAlchemy URL, e.g. `postgresql://user:password@host:5432/db` (needs "
            "`pip install 'target-pipedrive[postgres]'`) for workers that start from a fresh disk or run "
            "side by side; wins over ledger_path. One ledger serves several accounts; runs that share an "
            "account must share a ledger. Never logged."
        ),
    ),
    th.Property(
        "outcome_settle",
        th.NumberType,
        title="Outcome settle time",
        default=600,
        description=(
            "Seconds a create whose outcome is unknown (a timeout, a dropped connection) is given to land "
            "in Pipedrive before it is sent again: the run looks for it meanwhile, and its intent stays "
            "in the ledger for the next run."
        ),
    ),
    th.Property(
        "ledger_lock_wait",
        th.NumberType,
        title="Ledger lock wait",
        default=300,
        description=(
            "Seconds a run waits for another run on the same account to finish (one writer per account) "
            "before it stops, naming the holder."
        ),
    ),
    th.Property(
        "full_refresh",
        th.BooleanType,
        title="Full refresh",
        default=False,
        description=(
            "Ignore the sync ledger's memory of earlier runs: look every record up and write what changed "
            "(the ledger is still updated). Use after editing entities in Pipedrive by hand."
        ),
    ),
    th.Property(
        "index_full_refresh_days",
        th.NumberType,
        title="Key index full refresh (days)",
        default=7,
        description=(
            "Days between two full listings of the key index (match key to Pipedrive id, kept in the sync "
            "ledger). In between, each run lists only the entities changed since the last one "
            "(`updated_since`), which does not show deletions or merges: an entity deleted or merged in "
            "Pipedrive is noticed at the next full listing (or when a write to it fails), which forgets its "
            "ledger rows so that its unchanged source row recreates it (or finds it again). `full_refresh` "
            "lists in full as well (0 to 365; 0: every run)."
        ),
    ),
    th.Property(
        "max_budget_share",
        th.NumberType,
        title="Share of the daily budget",
        default=0.5,
        description=(
            "The share of the company's daily API token budget (shared by every integration and user "
            "of the account) one run may spend. A run that reaches it stops cleanly; the next run "
            "resumes a key-index listing where it stopped (0.01 to 1; 1: no cap but Pipedrive's own)."
        ),
    ),
    th.Property(
        "strategy",
        th.StringType,
        title="Strategy (benchmarks only)",
        default="best",
        allowed_values=["best", "segment"],
        description=(
            "Benchmark setting: leave at `best` (key index, in-run identity map, ledger and skip-unchanged). "
            "`segment` runs Segment's algorithm (one search per lookup, then always a write, no cache) as "
            "the benchmarks' baseline."
        ),
    ),
    th.Property(
        "clock_speed",
        th.NumberType,
        title="Clock speed (benchmarks only)",
        default=1,
        description=(
            "Benchmark setting: leave at 1 against Pipedrive. How many times faster than real time the "
            "sandbox's sped-up rate-limit clock runs (1 to 1000)."
        ),
    ),
    th.Property(
        "max_in_flight",
        th.IntegerType,
        title="Records in flight",
        default=32,
        description=(
            "At most this many records written at the same time. Within it the target keeps as many in "
            "flight as the plan's rate limit (learned from Pipedrive's answers) times the measured "
            "latency needs, plus 2. Records that share a match value or link wait for each other, so "
            "order is kept where it matters; pacing keeps the total under Pipedrive's rate limit. 1 "
            "writes one record after the other (1 to 32)."
        ),
    ),
    th.Property(
        "max_retries",
        th.IntegerType,
        title="Max retries",
        default=5,
        description=(
            "Retries of a request that failed for a passing reason (429, 5xx, timeout, dropped connection; "
            "0 to 20)."
        ),
    ),
)

# Each setting's default, from its declaration: the one place it is written.
DEFAULTS = {
    name: schema["default"]
    for name, schema in SETTINGS.to_dict()["properties"].items()
    if "default" in schema
}
