"""`target-pipedrive-tools ledger`: look after the sync ledger the config points at.

- `show`: its size (rows per account and per scope kind) and age (oldest and newest row);
- `verify`: for a sample (or all) of the ids it holds for the config's account, GET them from Pipedrive
  and count those gone (deleted or merged) or archived; it sends no write;
- `prune --older-than DAYS [--account A]`: remove rows last written more than DAYS ago. Age is the
  only rule, for every kind: markers of entities deleted in Pipedrive stay until they are old, so that
  a replay does not recreate what people deleted. Each account is pruned under its writer lock, so
  never beside a run;
- `export [--account A] [--output F]`: every row as JSON lines.

The ledger is found as the target finds it (ledger_url, else ledger_path, with the same defaults, under
Meltano too: settings.Settings.ledger_location). It is named by its file or by its URL without the
password; the api token is never printed. Exit codes: 0 done, 1 `verify` found ids gone from Pipedrive,
2 the config or the ledger cannot be used.
"""

from __future__ import annotations

import argparse
import contextlib
import json
import logging
import random
import sys
import time
from collections.abc import Iterable
from pathlib import Path
from typing import Any

from ..account.ledger import Ledger, LedgerBusy, LedgerUnusable, ledger_url, shown, sqlite_file
from ..account.ledger.maintenance import AccountSize, entity_ids, export_rows, prune, sizes
from ..pipedrive.base_url import resolve_base_url
from ..pipedrive.entities import BY_NAME
from ..pipedrive.errors import PipedriveError, PipedriveRequestError
from ..run.connect import connect, open_ledger
from ..settings import Settings
from .config import ConfigError, load_config

EXIT_GONE = 1
EXIT_UNUSABLE = 2
DEFAULT_SAMPLE = 50
# How many gone or archived ids verify names one by one.
NAMED = 20


class LedgerToolError(ValueError):
    pass


def register(commands: Any, config_help: str) -> None:
    """The `ledger` command and its subcommands, on the tools' parser."""
    config = argparse.ArgumentParser(add_help=False)
    config.add_argument("--config", action="append", required=True, help=config_help)
    ledger = commands.add_parser("ledger", help="the sync ledger: show, verify, prune, export")
    actions = ledger.add_subparsers(dest="ledger_command", required=True)
    show = actions.add_parser("show", parents=[config], help="rows and age per account and scope kind")
    show.add_argument("--json", action="store_true", help="JSON instead of text")
    verify = actions.add_parser(
        "verify", parents=[config], help="GET a sample of the ids it holds from Pipedrive (read-only)"
    )
    verify.add_argument("--sample", type=int, default=DEFAULT_SAMPLE, help="how many ids (default 50)")
    verify.add_argument("--all", action="store_true", help="every id the ledger holds for the account")
    verify.add_argument("--json", action="store_true", help="JSON instead of text")
    pruner = actions.add_parser("prune", parents=[config], help="remove rows older than DAYS")
    pruner.add_argument("--older-than", type=float, required=True, metavar="DAYS", help="age in days")
    pruner.add_argument("--account", help="one account (its base URL, as `show` lists it)")
    exporter = actions.add_parser("export", parents=[config], help="every row as JSON lines")
    exporter.add_argument("--account", help="one account (its base URL, as `show` lists it)")
    exporter.add_argument("--output", type=Path, help="a file (default: standard output)")


def run(args: argparse.Namespace, logger: logging.Logger) -> int:
    try:
        settings = Settings.of(load_config(args.config))
        command = args.ledger_command
        if command == "show":
            return show(settings, as_json=args.json)
        if command == "verify":
            return verify(settings, logger, sample=None if args.all else args.sample, as_json=args.json)
        if command == "prune":
            return prune_rows(settings, logger, days=args.older_than, account=args.account)
        return export(settings, account=args.account, output=args.output)
    except (ConfigError, LedgerToolError, LedgerUnusable, LedgerBusy, PipedriveError, ValueError) as exc:
        print(f"target-pipedrive-tools ledger: {exc}", file=sys.stderr)
        return EXIT_UNUSABLE


def _location(settings: Settings) -> tuple[str, str]:
    """The ledger's URL or path and its setting, as the target resolves them; an error when it has
    none or (SQLite) its file does not exist: a tool makes no ledger."""
    location = settings.ledger_location
    if location is None:
        raise LedgerToolError("the config has no sync ledger (ledger_url and ledger_path are empty)")
    where, setting = location
    path = sqlite_file(ledger_url(where))
    if path is not None and not path.is_file():
        raise LedgerToolError(
            f"setting {setting}: there is no sync ledger at {str(path)!r} (the target makes it on its "
            "first run; run the tool where the target runs, as relative paths are read from there)"
        )
    return where, setting


def _open(settings: Settings, account: str = "", *, read_only: bool = True) -> Ledger:
    where, setting = _location(settings)
    return Ledger(where, account, read_only=read_only, setting=setting, preload=False)


# ----- show -----


def show(settings: Settings, *, as_json: bool) -> int:
    ledger = _open(settings)
    try:
        found = sizes(ledger.engine)
    finally:
        ledger.close()
    if as_json:
        print(json.dumps({"ledger": ledger.where, "accounts": [vars(size) for size in found]}, indent=2))
        return 0
    print(f"Sync ledger {ledger.where}: {sum(s.rows for s in found)} rows, {len(found)} account(s)")
    for size in found:
        print(_size_line(size, time.time()))
    return 0


def _size_line(size: AccountSize, now: float) -> str:
    kinds = ", ".join(f"{kind} {count}" for kind, count in sorted(size.kinds.items()))
    line = f"  {size.account}: {size.rows} rows ({kinds or 'none'})"
    if size.oldest is not None and size.newest is not None:
        line += f"; oldest {_age(now - size.oldest)} old, newest {_age(now - size.newest)} old"
    if size.undated:
        line += f"; {size.undated} undated (written before schema 2, never pruned)"
    if size.last_run is not None:
        line += f"; last run {_age(now - size.last_run)} ago"
    return line


def _age(seconds: float) -> str:
    seconds = max(0.0, seconds)
    for unit, length in (("d", 86_400), ("h", 3_600), ("min", 60)):
        if seconds >= length:
            return f"{seconds / length:.1f} {unit}"
    return f"{seconds:.0f} s"


# ----- verify -----


def verify(settings: Settings, logger: logging.Logger, *, sample: int | None, as_json: bool) -> int:
    """GET a sample of the account's ids (no write is sent: the runtime is the tools' read-only one,
    and the ledger is opened read-only)."""
    _location(settings)
    account = resolve_base_url(settings.domain, settings.api_url)
    ledger = open_ledger(settings, account, logger, read_only=True)
    if ledger is None:
        raise LedgerToolError("the config has no sync ledger")
    try:
        ids = [
            (entity, entity_id)
            for entity, entity_id in entity_ids(ledger.engine, ledger.account)
            if entity in BY_NAME
        ]
    finally:
        ledger.close()
    ids = [(entity, entity_id) for entity, entity_id in ids if entity in BY_NAME]
    chosen = ids if sample is None or sample >= len(ids) else random.sample(ids, max(0, sample))
    runtime = connect(settings, logger)
    try:
        found = _look_up(runtime.client, chosen)
    finally:
        runtime.client.close()
    report = {"ledger": ledger.where, "account": account, "held": len(ids), "checked": len(chosen)}
    report |= {state: len(items) for state, items in found.items()}
    code = EXIT_GONE if found["gone"] else 0
    if as_json:
        print(json.dumps(report | {"ids": {s: [f"{e} {i}" for e, i in v] for s, v in found.items()}}))
        return code
    print(
        f"Verified {len(chosen)} of the {len(ids)} ids that {ledger.where} holds for {account} (read-only): "
        f"{report['there']} there, {report['gone']} gone (deleted or merged in Pipedrive), "
        f"{report['archived']} archived"
    )
    for state in ("gone", "archived"):
        for entity, entity_id in found[state][:NAMED]:
            print(f"  {entity} {entity_id}: {state}")
    if found["gone"]:
        # Stdout stays the report; the advice goes where an operator's cron mail looks.
        print(
            f"{len(found['gone'])} id(s) the ledger holds are gone from Pipedrive (deleted or merged there). "
            "The target repairs them at its next run whose full listing of the key index is due (every "
            "index_full_refresh_days days; 0: every run): it forgets their rows and writes the records "
            "that made them again. To repair now, run the target once with full_refresh: true",
            file=sys.stderr,
        )
    return code


def _look_up(client: Any, ids: Iterable[tuple[str, str]]) -> dict[str, list[tuple[str, str]]]:
    found: dict[str, list[tuple[str, str]]] = {"there": [], "gone": [], "archived": []}
    for entity, entity_id in ids:
        try:
            data = client.get(BY_NAME[entity].item(entity_id)).data
        except PipedriveRequestError as exc:
            if exc.status not in (400, 404, 410):
                raise
            found["gone"].append((entity, entity_id))
            continue
        data = data if isinstance(data, dict) else {}
        if data.get("is_deleted") or data.get("active_flag") is False or not data:
            found["gone"].append((entity, entity_id))
        elif data.get("is_archived"):
            found["archived"].append((entity, entity_id))
        else:
            found["there"].append((entity, entity_id))
    return found


# ----- prune, export -----


def prune_rows(settings: Settings, logger: logging.Logger, *, days: float, account: str | None) -> int:
    if days < 0:
        raise LedgerToolError(f"--older-than must be 0 days or more, not {days:g}")
    ledger = _open(settings)
    try:
        known = [size.account for size in sizes(ledger.engine)]
    finally:
        ledger.close()
    targets = [account] if account is not None else known
    total = 0
    for name in targets:
        # Under the account's writer lock: never beside a run (which holds the rows in memory).
        writer = _open(settings, name, read_only=False)
        try:
            writer.lock_writer(settings.ledger_lock_wait, on_wait=logger.warning)
            pruned = prune(writer.engine, name, days * 86_400)
        finally:
            writer.close()
        count = sum(pruned.values())
        total += count
        kinds = ", ".join(f"{kind} {n}" for kind, n in sorted(pruned.items()))
        print(f"  {name}: {count} rows pruned" + (f" ({kinds})" if kinds else ""))
    print(f"Pruned {total} rows last written more than {days:g} days ago from {shown(ledger.url)}")
    return 0


def export(settings: Settings, *, account: str | None, output: Path | None) -> int:
    ledger = _open(settings)
    count = 0
    try:
        with _output(output) as out:
            for row in export_rows(ledger.engine, account):
                out.write(json.dumps(row, ensure_ascii=False) + "\n")
                count += 1
    finally:
        ledger.close()
    where = f" to {output}" if output is not None else ""
    print(f"Exported {count} rows of {ledger.where}{where}", file=sys.stderr)
    return 0


def _output(output: Path | None) -> Any:
    if output is None:
        return contextlib.nullcontext(sys.stdout)
    return output.open("w", encoding="utf-8")
