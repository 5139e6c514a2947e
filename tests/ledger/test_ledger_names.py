"""One SQLite ledger, one lock, whatever name a run gives it: a symbolic link (a persistent volume linked
into a Meltano project) takes the same lock as the file; a hard link is refused at start-up."""

from __future__ import annotations

import os

import pytest

from target_pipedrive.account.ledger import Ledger, LedgerBusy, LedgerUnusable

ACCOUNT = "https://acme.pipedrive.com"


def test_a_ledger_named_through_a_symbolic_link_takes_the_same_writer_lock(tmp_path):
    real = tmp_path / "volume" / "ledger.sqlite"
    first = Ledger(real, ACCOUNT)
    first.lock_writer(0)
    (tmp_path / "project").mkdir()
    link = tmp_path / "project" / "ledger.sqlite"
    link.symlink_to(real)
    second = Ledger(link, ACCOUNT)
    try:
        with pytest.raises(LedgerBusy):
            second.lock_writer(0)
    finally:
        second.close()
        first.close()
    # The lock files sit beside the file itself, none beside the link.
    assert not [p for p in link.parent.iterdir() if p.name.endswith(".lock")]


def test_a_ledger_with_two_hard_links_is_refused(tmp_path):
    real = tmp_path / "ledger.sqlite"
    Ledger(real, ACCOUNT).close()
    os.link(real, tmp_path / "other.sqlite")
    with pytest.raises(LedgerUnusable, match=r"2 hard links .* Keep one name"):
        Ledger(tmp_path / "other.sqlite", ACCOUNT, setting="ledger_path")
    # Read-only (a dry run, the ledger tool's show) writes nothing: it may still read it.
    Ledger(real, ACCOUNT, read_only=True).close()
