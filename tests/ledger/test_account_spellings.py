"""One Pipedrive company reached by two spellings of its URL is one account to write.

- two runs at once on one ledger, one with api_url http://127.0.0.1:P and one with http://localhost:P,
  wait for each other (the writer lock is the company's too: users/me's company_id): no duplicates,
  and one warning line naming both URLs;
- an explicit default port (:443, :80) is dropped from the URL; a ledger that earlier versions keyed
  with it keeps being used under that key."""

from __future__ import annotations

import logging
from pathlib import Path
from typing import Any

import pytest

from target_pipedrive.account.ledger import Ledger
from target_pipedrive.pipedrive.base_url import resolve_base_url, with_default_port
from target_pipedrive.run.connect import open_ledger
from target_pipedrive.settings import Settings

from .test_ledger_runs import EXPECTED, SAMPLE, counts, finish, sample_config, start

WARNING = "knows this Pipedrive company (id 1) under another URL as well"


def two_spellings_at_once(tmp_path: Path, sandbox: Any, ledger: dict[str, Any]) -> list[Any]:
    sandbox.configure(search_delay=2)
    urls = [sandbox.url, sandbox.url.replace("127.0.0.1", "localhost")]
    assert urls[0] != urls[1]
    processes = [
        start(
            tmp_path / f"worker{n}",
            sample_config(sandbox, tmp_path / f"worker{n}", api_url=url, ledger_lock_wait=120) | ledger,
            SAMPLE,
        )
        for n, url in enumerate(urls)
    ]
    runs = [finish(process) for process in processes]
    for run in runs:
        assert run.returncode == 0, run.stderr[-3000:]
    # The run that got the company's lock second was told about the other spelling, in one line
    # naming both URLs and what to do.
    warned = [line for run in runs for line in run.stderr.splitlines() if WARNING in line]
    assert len(warned) == 1, [run.stderr[-2000:] for run in runs]
    assert urls[0] in warned[0] and urls[1] in warned[0] and "Use one spelling" in warned[0]
    assert sandbox.token not in warned[0]
    return runs


def test_two_spellings_of_one_account_on_a_sqlite_ledger_wait_for_each_other(tmp_path, sandbox):
    two_spellings_at_once(tmp_path, sandbox, {"ledger_path": str(tmp_path / "shared.sqlite")})
    # Each spelling keeps its own memory, so the second run may update what the first created, but
    # never creates it twice: it ran after the first, and found it.
    assert counts(sandbox) == EXPECTED


def test_two_spellings_of_one_account_on_a_postgres_ledger_wait_for_each_other(tmp_path, sandbox, pg_url):
    two_spellings_at_once(tmp_path, sandbox, {"ledger_url": pg_url})
    assert counts(sandbox) == EXPECTED


@pytest.mark.parametrize(
    ("api_url", "expected"),
    [
        ("https://acme.pipedrive.com:443", "https://acme.pipedrive.com"),
        ("https://Proxy.example.com:443/pd/", "https://proxy.example.com/pd"),
        ("http://127.0.0.1:80", "http://127.0.0.1"),
        ("http://[::1]:80/x", "http://[::1]/x"),
        ("https://proxy.example.com:80", "https://proxy.example.com:80"),
        ("http://localhost:443", "http://localhost:443"),
        ("https://proxy.example.com:8443", "https://proxy.example.com:8443"),
    ],
)
def test_an_explicit_default_port_is_dropped(api_url, expected):
    assert resolve_base_url(None, api_url) == expected
    assert resolve_base_url(None, api_url) == resolve_base_url(None, expected)


def test_with_default_port_spells_what_earlier_versions_kept():
    assert with_default_port("https://acme.pipedrive.com") == "https://acme.pipedrive.com:443"
    assert with_default_port("http://127.0.0.1/x") == "http://127.0.0.1:80/x"
    assert with_default_port("https://proxy.example.com:8443") is None


@pytest.mark.parametrize("dry_run", [False, True])
def test_a_ledger_keyed_with_the_default_port_is_still_found(tmp_path, caplog, dry_run):
    path = tmp_path / "ledger.sqlite"
    earlier = Ledger(path, "https://acme.pipedrive.com:443")
    earlier.lock_writer(0)
    earlier.mark_run()
    earlier.put("id:person:email", "a@x.example", "person", 7)
    earlier.close()
    settings = Settings.of(
        {"api_token": "t", "api_url": "https://acme.pipedrive.com:443", "ledger_path": str(path)}
        | {"dry_run": dry_run}
    )
    account = resolve_base_url(settings.domain, settings.api_url)
    assert account == "https://acme.pipedrive.com"
    with caplog.at_level(logging.INFO):
        ledger = open_ledger(settings, account, logging.getLogger("test"), company=5)
    assert ledger is not None
    try:
        assert ledger.account == "https://acme.pipedrive.com:443"
        assert ledger.knew_account
        found = ledger.get("id:person:email", "a@x.example")
        assert found is not None and found.entity_id == "7"
    finally:
        ledger.close()
    assert "knows this account as https://acme.pipedrive.com:443" in caplog.text
