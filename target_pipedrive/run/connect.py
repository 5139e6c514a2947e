"""The client and runtime a run talks to the account through, built from the settings.

Shared by the run (build.py) and by the tools (`fields`, `check`, `ledger`) so that all reach the
account exactly the same way: the same base-URL rules, timeouts, retries, default match fields and
ledger location.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable
from typing import Any

from ..account.catalog import FieldCatalog
from ..account.finder import EntityFinder, normalize
from ..account.key_index import KeyIndex
from ..account.ledger import Ledger
from ..account.ledger.company import COMPANY_KEY, COMPANY_SCOPE, company_lock, other_urls, record_company
from ..account.ledger.keys import KeyStore
from ..account.runtime import Runtime, users_me
from ..pipedrive.base_url import resolve_base_url, with_default_port
from ..pipedrive.client import PipedriveClient
from ..settings import Settings


def sped_up_clock(speed: float) -> dict[str, Any]:
    """The client's clock and sleep when the server's rate-limit clock runs `speed` times faster."""
    if speed == 1:
        return {}
    if speed <= 0:
        raise ValueError(f"clock_speed must be positive, not {speed:g}")
    return {"clock": lambda: time.monotonic() * speed, "sleep": lambda seconds: time.sleep(seconds / speed)}


def open_ledger(
    settings: Settings,
    account: str,
    logger: logging.Logger,
    *,
    read_only: bool | None = None,
    company: int | str | Callable[[], int | str | None] | None = None,
) -> Ledger | None:
    """The sync ledger of the settings (ledger_url, else ledger_path; None when both are empty). A run
    that writes takes the account's writer lock first, and the company's when `company` (users/me's
    company_id) is known (waiting up to ledger_lock_wait), and records the account as known.
    `company` may be a function that asks Pipedrive: it is called only when the ledger has not
    recorded the company of this URL yet. LedgerUnusable (a ValueError) names the ledger and the fix."""
    location = settings.ledger_location
    if location is None:
        return None
    where, setting_name = location
    dry = settings.dry_run if read_only is None else read_only
    # A writer reads the rows once it holds the lock (reading them before too would read them twice).
    ledger = Ledger(where, account, read_only=dry, setting=setting_name, preload=dry)
    try:
        _use_earlier_spelling(ledger, logger)
        if callable(company):
            # A dry run takes no lock: it names other spellings only when the ledger knows the company.
            company = _company_of(ledger, (lambda: None) if dry else company)
        if not dry:
            ledger.load_on_lock = True
            also = [company_lock(company)] if company is not None else []
            ledger.lock_writer(settings.ledger_lock_wait, on_wait=logger.warning, also=also)
            ledger.mark_run()
            if company is not None:
                record_company(ledger, company)
        if company is not None:
            _warn_other_urls(ledger, company, logger)
    except BaseException:
        ledger.close()
        raise
    return ledger


def _company_of(ledger: Ledger, ask: Callable[[], int | str | None]) -> int | str | None:
    """The company behind the ledger's URL: as an earlier writer recorded it (read before the lock: a
    URL's company does not change), else Pipedrive's answer. An unchanged re-sync then makes no call."""
    recorded = ledger.get(COMPANY_SCOPE, COMPANY_KEY)
    return recorded.entity_id if recorded is not None else ask()


def _use_earlier_spelling(ledger: Ledger, logger: logging.Logger) -> None:
    """An api_url that spelled its default port (:443, :80) keyed the ledger with it before the port
    was dropped (base_url.py): such an account's rows are kept and used under that key."""
    earlier = with_default_port(ledger.account)
    if ledger.knew_account or earlier is None:
        return
    if not ledger.knows_other(earlier):
        return
    logger.info(
        "The sync ledger (%s) knows this account as %s (with its default port, as earlier versions "
        "kept it): its rows are used under that key",
        ledger.where,
        earlier,
    )
    ledger.use_account(earlier)


def _warn_other_urls(ledger: Ledger, company: int | str, logger: logging.Logger) -> None:
    others = other_urls(ledger, company)
    if others:
        logger.warning(
            "The sync ledger (%s) knows this Pipedrive company (id %s) under another URL as well: %s, "
            "besides %s. Use one spelling of domain/api_url in every run: the ledger's memory "
            "(identities, markers) is kept per URL, so runs under the other spelling do not share it "
            "(they wait for each other, but may create again what the other created)",
            ledger.where,
            company,
            ", ".join(others),
            ledger.account,
        )


def connect(settings: Settings, logger: logging.Logger, *, for_run: bool = False) -> Runtime:
    """The runtime for `config`; ValueError when the domain or api_url cannot be used.

    `for_run` (the target) adds what writing needs: the sync ledger and the strategy's lookups. The
    tools only read, and leave no ledger file behind."""
    base_url = resolve_base_url(settings.domain, settings.api_url)
    client = PipedriveClient(
        base_url,
        settings.api_token,
        timeout=float(settings.request_timeout),
        max_retries=int(settings.max_retries),
        logger=logger.getChild("http"),
        max_budget_share=float(settings.max_budget_share) if for_run else 1.0,
        **sped_up_clock(float(settings.clock_speed)),
    )
    segment = for_run and settings.strategy == "segment"
    full_refresh = for_run and settings.full_refresh
    ledger = None
    me: dict[str, Any] = {}
    if for_run and not segment and settings.ledger_location is not None:
        # The company's id keys the writer lock: one company reached by two spellings of its URL is
        # one account to write (company.py). Asked once, and only when the ledger does not know it
        # yet: the runtime keeps the answer.
        def company() -> int | str | None:
            me.update(users_me(client))
            return me.get("company_id")

        ledger = open_ledger(settings, base_url, logger, company=company)
    key_index = None
    if for_run and not segment:
        # The key index lives in the ledger; without one a run keeps one in memory, listed as lookups
        # come (key_index.py), as does a dry run where the ledger's index is not complete.
        store = (ledger.key_store() if ledger is not None else None) or KeyStore.in_memory(base_url)
        every = float(settings.index_full_refresh_days)
        key_index = KeyIndex(
            client, store, normalize, full_every_days=every, full_refresh=full_refresh, logger=logger
        )
    return Runtime(
        client=client,
        catalog=FieldCatalog(client),
        # `segment`, Segment's algorithm (the benchmarks' baseline): a search per lookup, no memory.
        finder=EntityFinder(
            client,
            ledger=ledger,
            trust_ledger=not full_refresh,
            prefetch=not segment,
            identity_map=not segment,
            key_index=key_index,
        ),
        default_match=settings.match_defaults,
        ledger=ledger,
        # Segment always writes, changed or not.
        skip_unchanged=not segment,
        full_refresh=full_refresh,
        settle_seconds=float(settings.outcome_settle),
        me=me,
    )
