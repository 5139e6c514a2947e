"""What `target-pipedrive-tools ledger` reads and prunes, across the accounts of a ledger: its size and
age per account and scope kind, the entity ids it holds, its rows for export, and pruning by age.

Every row's scope starts with its kind: `id` (a match key's id), `write` (field digests), `marker` (a
source event's activity, note or lead), `intent` (the outbox) and `account` (the Pipedrive company the
account's URL is: company.py). Prune goes by age only (a row's
`updated_at`), for every kind: in particular a marker is never pruned because its entity was deleted
in Pipedrive, or a replay would recreate what people deleted. Rows of schema 1 have no age: they are
counted as undated and kept."""

from __future__ import annotations

import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any

import sqlalchemy as sa
from sqlalchemy.engine import Connection, Engine

from .engines import for_writes
from .schema import accounts, column_names, entries, table_names

INTENT_SCOPE = "intent"


@dataclass
class AccountSize:
    account: str
    rows: int = 0
    kinds: dict[str, int] = field(default_factory=dict)
    oldest: float | None = None  # updated_at of the oldest dated row
    newest: float | None = None
    undated: int = 0  # rows of schema 1, which have no age
    first_run: float | None = None
    last_run: float | None = None


def kind_of(scope: str) -> str:
    return scope.split(":", 1)[0]


def _dated(conn: Connection) -> bool:
    """Whether the entries carry `updated_at` (schema 2; a read-only look does not migrate, and a
    ledger an earlier build half-migrated may have the column without the version that says so)."""
    return "entries" in table_names(conn) and "updated_at" in column_names(conn, "entries")


def sizes(engine: Engine) -> list[AccountSize]:
    """Rows per account and scope kind, with the oldest and newest row's time, accounts in order."""
    found: dict[str, AccountSize] = {}
    with engine.connect() as conn:
        if "entries" not in table_names(conn):
            return []
        dated = _dated(conn)
        stamp = entries.c.updated_at if dated else sa.null()
        rows = conn.execute(
            sa.select(
                entries.c.account,
                entries.c.scope,
                sa.func.count(),
                sa.func.min(stamp),
                sa.func.max(stamp),
                sa.func.count(stamp),
            ).group_by(entries.c.account, entries.c.scope)
        )
        for account, scope, count, oldest, newest, with_age in rows:
            size = found.setdefault(account, AccountSize(account))
            size.rows += count
            size.kinds[kind_of(scope)] = size.kinds.get(kind_of(scope), 0) + count
            size.undated += count - with_age
            if oldest is not None:
                size.oldest = oldest if size.oldest is None else min(size.oldest, oldest)
                size.newest = newest if size.newest is None else max(size.newest, newest)
        if "accounts" in table_names(conn):
            for account, first_run, last_run in conn.execute(sa.select(accounts)):
                size = found.setdefault(account, AccountSize(account))
                size.first_run, size.last_run = first_run, last_run
    return [found[account] for account in sorted(found)]


def entity_ids(engine: Engine, account: str) -> list[tuple[str, str]]:
    """Every (entity, id) the account's rows point at, in order; the outbox's intents are left out
    (their entity is not created yet: they hold a moment, not an id)."""
    with engine.connect() as conn:
        if "entries" not in table_names(conn):
            return []
        rows = conn.execute(
            sa.select(entries.c.entity, entries.c.entity_id)
            .where(entries.c.account == account, entries.c.scope != INTENT_SCOPE)
            .distinct()
            .order_by(entries.c.entity, entries.c.entity_id)
        )
        return [(entity, entity_id) for entity, entity_id in rows]


def export_rows(engine: Engine, account: str | None = None) -> Iterator[dict[str, Any]]:
    """Every row (of one account, or all), as a JSON object per row, in key order."""
    with engine.connect() as conn:
        if "entries" not in table_names(conn):
            return
        columns = [entries.c.account, entries.c.scope, entries.c.key, entries.c.entity]
        columns += [entries.c.entity_id, entries.c.digest]
        if _dated(conn):
            columns.append(entries.c.updated_at)
        query = sa.select(*columns).order_by(entries.c.account, entries.c.scope, entries.c.key)
        if account is not None:
            query = query.where(entries.c.account == account)
        for row in conn.execute(query.execution_options(yield_per=10_000)):
            yield {"kind": kind_of(row.scope), **row._asdict()}


def prune(engine: Engine, account: str, older_than: float, *, now: float | None = None) -> dict[str, int]:
    """Delete the account's rows last written more than `older_than` seconds ago (undated rows are
    kept); how many of each kind went. The caller holds the account's writer lock."""
    cutoff = (time.time() if now is None else now) - older_than
    old = (entries.c.account == account, entries.c.updated_at < cutoff)
    with for_writes(engine).begin() as conn:
        counted = conn.execute(
            sa.select(entries.c.scope, sa.func.count()).where(*old).group_by(entries.c.scope)
        ).all()
        conn.execute(entries.delete().where(*old))
    pruned: dict[str, int] = {}
    for scope, count in counted:
        pruned[kind_of(scope)] = pruned.get(kind_of(scope), 0) + count
    return pruned
