"""The target's settings, declared once: validation, `--about` and the README's table all come from here."""

from __future__ import annotations

import difflib
import os
from collections.abc import Mapping
from decimal import Decimal
from pathlib import Path
from typing import Any

from singer_sdk import typing as th
from singer_sdk.configuration._dict_config import parse_environment_config
from singer_sdk.exceptions import ConfigValidationError

from .mapping.setting import mappings_property
from .run.input_guard import json_kind


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
            "JSONL file that receives every record that could not be written (stream, record, mapping, "
            "action, field, reason, HTTP status, Pipedrive's error). Created on the first reject only. "
            "Run by Meltano, it defaults to output/target-pipedrive/rejects.jsonl in the Meltano project."
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
            "unchanged, filtered, rejected, per mapping, API calls and tokens), for Airflow or a monitor. "
            "Unset: none, except when Meltano runs the target: output/target-pipedrive/report.json in "
            "the Meltano project."
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
        "strategy",
        th.StringType,
        title="Strategy (benchmarks only)",
        default="best",
        allowed_values=["best", "segment"],
        description=(
            "Benchmark setting: leave at `best` (prefetch, in-run identity map, ledger and skip-unchanged). "
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
        default=4,
        description=(
            "Records written at the same time. Records that share a match value or link wait for each "
            "other, so order is kept where it matters; pacing keeps the total under Pipedrive's rate "
            "limit. 1 writes one record after the other (1 to 32)."
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


def setting(config: Mapping[str, Any], name: str, default: Any) -> Any:
    """A setting's value, its default only when unset: 0 and false are values (no retries, no wait)."""
    value = config.get(name)
    return default if value is None or value == "" else value


# Start-up checks of every setting: its type and range, and the paths the run will write. Each problem
# is one line naming the setting and the fix; no message shows a secret setting's value.

# Settings whose value is never shown, whatever its type.
SECRET = frozenset(name for name, schema in SETTINGS.to_dict()["properties"].items() if schema.get("secret"))
# (lowest, highest, what the number means): numbers outside these would hang or make no sense.
RANGES: dict[str, tuple[float, float, str]] = {
    "request_timeout": (1, 600, "seconds to wait for one answer, e.g. 30"),
    "max_retries": (0, 20, "retries of a failed request, e.g. 5"),
    "max_in_flight": (1, 32, "records written at the same time, e.g. 4"),
    "progress_interval": (0, 86_400, "seconds between two progress lines, e.g. 5"),
    "clock_speed": (1, 1_000, "1 against Pipedrive; the sandbox's speed-up in benchmarks"),
    "outcome_settle": (0, 86_400, "seconds a create of unknown outcome may take to land, e.g. 600"),
    "ledger_lock_wait": (0, 86_400, "seconds to wait for another run on the account, e.g. 300"),
}
# The files the run writes, and the setting that names each.
OUTPUT_FILES = ("reject_file", "dry_run_file", "report_file", "ledger_path")
# When Meltano runs the target (it sets MELTANO_PROJECT_ROOT), the files of a run that no setting
# places go under the project's output/ folder (kept out of git by `meltano init`), not its root.
MELTANO_OUTPUT_FOLDER = ("output", "target-pipedrive")
MELTANO_OUTPUT_FILES = {
    "reject_file": "rejects.jsonl",
    "dry_run_file": "dry-run.jsonl",
    "report_file": "report.json",
}
# Below this many free bytes, the disk of an output file counts as full.
MIN_FREE_BYTES = 64 * 1024
# Settings of the Singer SDK that this target does not use: records go through the mappings (no stream
# maps, flattening or record metadata), one by one (no batches, batch sizes or load methods).
SDK_SETTINGS_NOT_USED = frozenset(
    {
        "add_record_metadata",
        "load_method",
        "batch_size_rows",
        "batch_config",
        "validate_records",
        "stream_maps",
        "stream_map_config",
        "flattening_enabled",
        "flattening_max_depth",
        "faker_config",
        "process_activate_version_messages",
        "hard_delete",
    }
)

_JSON_TYPES = {
    "string": "a string",
    "integer": "a whole number",
    "number": "a number",
    "boolean": "true or false",
}


def _shown(name: str, value: Any) -> str:
    if name in SECRET:
        return f"{json_kind(value)} (value not shown)"
    text = repr(value)
    return text if len(text) <= 60 else text[:57] + "..."


def _json_type(schema: Mapping[str, Any]) -> str | None:
    """A setting's JSON type, without the "null" the SDK adds to optional ones."""
    types = schema.get("type")
    return next((t for t in ([types] if isinstance(types, str) else types or []) if t != "null"), None)


def _typed(name: str, value: Any, schema: Mapping[str, Any]) -> tuple[Any, str | None]:
    """The value in its setting's type (a number given as text, as environment variables give it),
    or a problem."""
    wanted = _json_type(schema)
    if wanted == "string":
        if not isinstance(value, str):
            return value, f"setting {name} must be a string, not {_shown(name, value)}"
        allowed = schema.get("enum")
        if allowed and value not in allowed:
            return (
                value,
                f"setting {name} must be one of {', '.join(map(repr, allowed))}, not {_shown(name, value)}",
            )
        return value, None
    if wanted == "boolean":
        if isinstance(value, str) and value.strip().lower() in ("true", "false"):
            return value.strip().lower() == "true", None
        if not isinstance(value, bool):
            return value, f"setting {name} must be true or false, not {_shown(name, value)}"
        return value, None
    if wanted in ("integer", "number"):
        number: Any = value
        if isinstance(value, Decimal):  # the SDK reads config files with decimals
            number = int(value) if value == value.to_integral_value() else float(value)
        elif isinstance(value, str):
            try:
                number = float(value.strip())
            except ValueError:
                number = value
        if isinstance(number, bool) or not isinstance(number, (int, float)) or number != number:
            return value, f"setting {name} must be {_JSON_TYPES[wanted]}, not {_shown(name, value)}"
        if number in (float("inf"), float("-inf")):
            return value, f"setting {name} must be a finite number, not {_shown(name, value)}"
        if wanted == "integer":
            if float(number) != int(number):
                return value, f"setting {name} must be a whole number, not {_shown(name, value)}"
            return int(number), None
        return number, None
    if wanted == "array" and not isinstance(value, list):
        return value, f"setting {name} must be a JSON array, not {_shown(name, value)}"
    if wanted == "object" and not isinstance(value, dict):
        return value, f"setting {name} must be a JSON object, not {_shown(name, value)}"
    return value, None


def _in_range(name: str, value: Any) -> str | None:
    if name == "max_rejects":
        if value < 0:
            return (
                "setting max_rejects must be 0 or more (a count such as 100, or a fraction below 1 such "
                f"as 0.05), not {value!r}"
            )
        if value >= 1 and value != int(value):
            return (
                "setting max_rejects must be a whole count (e.g. 100) or a fraction below 1 (e.g. 0.05), "
                f"not {value!r}"
            )
        return None
    if name not in RANGES:
        return None
    low, high, meaning = RANGES[name]
    if low <= value <= high:
        return None
    return f"setting {name} must be between {low:g} and {high:g} ({meaning}), not {value!r}"


def output_path_problem(name: str, value: str) -> str | None:
    """Why the file a setting names cannot be written, found before the run writes it; None if it can."""
    path = Path(value)
    if os.path.exists(value):
        if path.is_dir():
            return f"setting {name}: {value!r} is a folder; give a file path, e.g. {str(path / 'x')!r}"
        if not path.is_file() and value != os.devnull:
            return f"setting {name}: {value!r} is not a regular file; give a file path"
        if not os.access(value, os.W_OK):
            return f"setting {name}: {value!r} is read-only; make it writable or give another path"
        folder = path.parent
    else:
        folder = path.parent
        while not folder.exists() and folder != folder.parent:
            folder = folder.parent
        if not folder.is_dir():
            return f"setting {name}: {value!r} cannot be made: {str(folder)!r} is a file, not a folder"
        if not os.access(folder, os.W_OK | os.X_OK):
            return f"setting {name}: {value!r} cannot be made: the folder {str(folder)!r} is read-only"
    try:
        disk = os.statvfs(folder)
    except OSError:
        return None
    if disk.f_bavail * disk.f_frsize < MIN_FREE_BYTES:
        full = f"setting {name}: the disk that holds {value!r} is full"
        return full + "; free space or give a path on another disk"
    return None


def check_settings(config: Mapping[str, Any]) -> tuple[dict[str, Any], list[str], list[str]]:
    """The settings checked at start-up: (the config with every value in its type and the defaults
    filled in, the problems, the warnings). A problem stops the run before any input is read."""
    properties = SETTINGS.to_dict()["properties"]
    checked: dict[str, Any] = {}
    problems: list[str] = []
    warnings: list[str] = []
    for name, value in config.items():
        schema = properties.get(name)
        if schema is None:
            warnings.append(_unknown(name))
            checked[name] = value
            continue
        if value is None:
            checked[name] = value
            continue
        value, problem = _typed(name, value, schema)
        if problem is None and isinstance(value, (int, float)) and not isinstance(value, bool):
            problem = _in_range(name, value)
        if problem is not None:
            problems.append(problem)
        checked[name] = value
    for name in SETTINGS.to_dict().get("required", []):
        if checked.get(name) is None:
            problems.append(
                f"setting {name} is required: set it in the config, or as TARGET_PIPEDRIVE_{name.upper()}"
                + (" (Pipedrive → Settings → Personal preferences → API)" if name == "api_token" else "")
            )
    for name, path in meltano_output_defaults(os.environ).items():
        if checked.get(name) is None:
            checked[name] = path
    if checked.get("ledger_path") is None and (ledger := meltano_ledger_default(os.environ)):
        checked["ledger_path"] = ledger
    for name, schema in properties.items():
        if checked.get(name) is None and "default" in schema:
            checked[name] = schema["default"]
    if not problems:
        for name in OUTPUT_FILES:
            if name == "dry_run_file" and not checked.get("dry_run"):
                continue
            if name == "ledger_path" and (checked.get("strategy") == "segment" or checked.get("ledger_url")):
                continue
            value = checked.get(name)
            if isinstance(value, str) and value and (problem := output_path_problem(name, value)):
                problems.append(problem)
    return checked, problems, warnings


def meltano_output_defaults(environ: Mapping[str, str]) -> dict[str, str]:
    """The run's files under `<project>/output/target-pipedrive/` when Meltano runs the target; none
    (the settings' own defaults, in the current folder) otherwise."""
    root = environ.get("MELTANO_PROJECT_ROOT")
    if not root:
        return {}
    folder = Path(root, *MELTANO_OUTPUT_FOLDER)
    return {name: str(folder / file) for name, file in MELTANO_OUTPUT_FILES.items()}


def meltano_ledger_default(environ: Mapping[str, str]) -> str | None:
    """The sync ledger under `<project>/.meltano/target-pipedrive/` when Meltano runs the target (kept
    with Meltano's own state, out of git); None (the setting's default, in the current folder) otherwise."""
    root = environ.get("MELTANO_PROJECT_ROOT")
    return str(Path(root, ".meltano", "target-pipedrive", "ledger.sqlite")) if root else None


def _unknown(name: str) -> str:
    if name in SDK_SETTINGS_NOT_USED:
        return (
            f"setting {name!r} is a Singer SDK setting that this target does not use (records go through "
            "the mappings, one by one): it is ignored; remove it"
        )
    close = difflib.get_close_matches(name, SETTINGS_NAMES, n=1, cutoff=0.6)
    hint = f"; did you mean {close[0]!r}?" if close else f"; the settings are: {', '.join(SETTINGS_NAMES)}"
    return f"unknown setting {name!r} is ignored{hint}"


SETTINGS_NAMES = tuple(SETTINGS.to_dict()["properties"])


def environment_settings(prefix: str) -> dict[str, Any]:
    """The settings given as environment variables (TARGET_PIPEDRIVE_<NAME>), as the SDK reads them;
    a variable it cannot read (broken JSON, a number that is not one) is a problem naming it."""
    schema = SETTINGS.to_dict()
    try:
        return parse_environment_config(schema, prefix)
    except ValueError:
        pass
    settings: dict[str, Any] = {}
    problems: list[str] = []
    for name, property_schema in schema["properties"].items():
        variable = prefix + name.upper()
        try:
            settings.update(parse_environment_config({"properties": {name: property_schema}}, prefix))
        except ValueError as exc:
            kind = _json_type(property_schema)
            if kind in ("array", "object") or hasattr(exc, "colno"):
                detail = str(exc).split(":", 1)[0] if name in SECRET else str(exc)
                problems.append(
                    f"environment variable {variable} is not valid JSON ({detail}): give the {name} "
                    "setting as JSON, e.g. [{...}] for a list"
                )
            else:
                problems.append(
                    f"environment variable {variable} must be {_JSON_TYPES.get(str(kind), 'valid')}"
                )
    raise ConfigValidationError("Invalid settings in the environment", errors=problems)
