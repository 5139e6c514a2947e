"""Start-up checks of the settings: each value in its setting's type and range, the files the run writes,
the defaults under Meltano, and settings given as environment variables."""

from __future__ import annotations

import difflib
import os
import re
from collections.abc import Mapping
from decimal import Decimal
from pathlib import Path
from typing import Any

from singer_sdk.configuration._dict_config import parse_environment_config
from singer_sdk.exceptions import ConfigValidationError

from ..mapping.jsvalues import type_name
from .schema import SETTINGS

# Start-up checks of every setting: its type and range, and the paths the run will write. Each problem
# is one line naming the setting and the fix; no message shows a secret setting's value.

# Settings whose value is never shown, whatever its type.
SECRET = frozenset(name for name, schema in SETTINGS.to_dict()["properties"].items() if schema.get("secret"))
# (lowest, highest, what the number means): numbers outside these would hang or make no sense.
RANGES: dict[str, tuple[float, float, str]] = {
    "request_timeout": (1, 600, "seconds to wait for one answer, e.g. 30"),
    "max_retries": (0, 20, "retries of a failed request, e.g. 5"),
    "max_in_flight": (1, 32, "records written at the same time, at most; e.g. 32"),
    "progress_interval": (0, 86_400, "seconds between two progress lines, e.g. 5"),
    "clock_speed": (1, 1_000, "1 against Pipedrive; the sandbox's speed-up in benchmarks"),
    "outcome_settle": (0, 86_400, "seconds a create of unknown outcome may take to land, e.g. 600"),
    "ledger_lock_wait": (0, 86_400, "seconds to wait for another run on the account, e.g. 300"),
    "index_full_refresh_days": (0, 365, "days between two full listings of the key index, e.g. 7"),
    "max_budget_share": (0.01, 1, "the share of the daily token budget a run may spend, e.g. 0.5"),
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
        return f"{type_name(value)} (value not shown)"
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
    if "\0" in value:  # no operating system takes it (SQLite would say only "embedded null byte")
        return f"setting {name}: {value!r} holds a NUL character (\\0), which no file name may; remove it"
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
    # A pseudo file system (/proc, /sys) has no blocks at all: it is not full, writing there fails on
    # its own terms, and the run says those.
    if disk.f_blocks > 0 and disk.f_bavail * disk.f_frsize < MIN_FREE_BYTES:
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
    if isinstance(url := checked.get("ledger_url"), str) and url and (problem := ledger_url_problem(url)):
        problems.append(problem)
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


def ledger_url_problem(url: str) -> str | None:
    """What is wrong with a ledger_url that is no database a later run can open again (the value is
    not shown: it may hold a password)."""
    scheme, found, rest = url.partition("://")
    if not found or not re.fullmatch(r"[A-Za-z][A-Za-z0-9+.-]*", scheme):
        return (
            "setting ledger_url is not a database URL: give e.g. postgresql://user:password@host:5432/db, "
            "or a SQLite file with ledger_path"
        )
    if scheme.lower().split("+")[0] == "sqlite" and rest.strip("/") in ("", ":memory:"):
        return (
            "setting ledger_url names an in-memory SQLite database, gone when the run ends: give a file "
            "(sqlite:////path/to/ledger.sqlite) or use ledger_path"
        )
    return None


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
