"""A PostgreSQL writer lock lives as long as its connection: the run keeps that connection busy (an idle
timeout never closes it), and a write after the connection was closed anyway (a DBA's
pg_terminate_backend) stops the run instead of writing beside another run that took the lock (the
keeper looks each second; a write does not query)."""

from __future__ import annotations

import time

import psycopg
import pytest

from target_pipedrive.account.ledger import Ledger, LedgerFailed
from target_pipedrive.account.ledger.lock_keeper import KEEPALIVE_SECONDS

ACCOUNT = "https://acme.pipedrive.com"


def lock_backend(pg_url: str) -> int:
    """The server pid of the session that holds a writer lock of this target's class ('PD')."""
    with psycopg.connect(pg_url, autocommit=True) as conn:
        rows = conn.execute(
            "SELECT l.pid FROM pg_locks l JOIN pg_database d ON d.oid = l.database "
            "WHERE l.locktype = 'advisory' AND l.granted AND l.classid = 20548 "
            "AND d.datname = current_database()"
        ).fetchall()
    assert len(rows) == 1, rows  # this test's database: its one writer
    return int(rows[0][0])


def test_an_idle_timeout_does_not_close_the_locks_connection(pg_url):
    # Every connection of this ledger is closed by the server after 3 s idle.
    url = pg_url + "?options=-c%20idle_session_timeout%3D3000"
    ledger = Ledger(url, ACCOUNT, setting="ledger_url")
    try:
        ledger.lock_writer(0)
        time.sleep(7)
        ledger.put("id:person:email", "a@x.example", "person", 7)  # no LedgerFailed: the lock is held
        assert lock_backend(pg_url) > 0
    finally:
        ledger.close()


def test_a_write_after_the_lock_was_lost_stops_the_run(pg_url):
    ledger = Ledger(pg_url, ACCOUNT, setting="ledger_url")
    try:
        ledger.lock_writer(0)
        ledger.put("id:person:email", "a@x.example", "person", 7)
        with psycopg.connect(pg_url, autocommit=True) as admin:
            admin.execute("SELECT pg_terminate_backend(%s)", (lock_backend(pg_url),))
        # Another run may take the lock now: this one writes nothing more once its keeper has looked
        # (each second).
        other = Ledger(pg_url, ACCOUNT, setting="ledger_url")
        other.lock_writer(5)
        other.close()
        time.sleep(KEEPALIVE_SECONDS * 2.5)
        with pytest.raises(LedgerFailed, match=r"writer lock on PostgreSQL .* was lost: .* Run it again"):
            ledger.put("id:person:email", "b@x.example", "person", 8)
        assert ledger.get("id:person:email", "b@x.example") is None
    finally:
        ledger.close()
