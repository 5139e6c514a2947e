"""One SQLite ledger, one lock, whatever name a run gives it: a symbolic link (a persistent volume linked
into a Meltano project) takes the same lock as the file; a hard link is refused at start-up. And a
ledger_path is the file exactly as named (a path, not a URL)."""

from __future__ import annotations

import os

import pytest

from target_pipedrive.account.ledger import Ledger, LedgerBusy, LedgerUnusable
from target_pipedrive.settings.checks import output_path_problem

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


@pytest.mark.parametrize(
    "name", ["a?mode=ro.sqlite", "c%41.sqlite", "f%2Fg.sqlite", "h#x.sqlite", "sp ace ü.sqlite"]
)
def test_a_ledger_path_is_the_file_exactly_as_named(tmp_path, name):
    # ledger_path is a path, not a URL: `?`, `#` and `%XX` are part of the file's name.
    ledger = Ledger(tmp_path / name, ACCOUNT)
    try:
        ledger.lock_writer(0)
        ledger.put("id:person:email", "a@x.example", "person", 7)
    finally:
        ledger.close()
    assert (tmp_path / name).is_file()
    assert [p.name for p in tmp_path.iterdir() if not p.name.endswith((".lock", "-wal", "-shm"))] == [name]


def test_a_nul_in_a_file_setting_is_a_problem_named_at_start_up():
    problem = output_path_problem("ledger_path", "/tmp/h\0i.sqlite")
    assert problem is not None and "NUL" in problem and "ledger_path" in problem


def test_a_ledger_earlier_versions_kept_under_another_reading_of_the_path_is_not_left_behind(tmp_path):
    # Earlier versions read ledger_path as a URL: "c%41.sqlite" was the file "cA.sqlite".
    Ledger(tmp_path / "cA.sqlite", ACCOUNT).close()
    with pytest.raises(LedgerUnusable, match=r"kept the ledger in .*cA\.sqlite'; move that file"):
        Ledger(tmp_path / "c%41.sqlite", ACCOUNT, setting="ledger_path")
    assert not (tmp_path / "c%41.sqlite").exists()


def test_a_folder_is_no_hard_linked_ledger(tmp_path):
    # A folder has two or more links: the message about hard links would be wrong there.
    with pytest.raises(LedgerUnusable, match="is not a usable sync ledger") as raised:
        Ledger(tmp_path, ACCOUNT, setting="ledger_url")
    assert "hard link" not in str(raised.value)
