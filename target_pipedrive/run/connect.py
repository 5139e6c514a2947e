"""The client and runtime a run talks to the account through, built from the settings.

Shared by the run (build.py) and by the tools (`fields`, `check`, `ledger`) so that all reach the
account exactly the same way: the same base-URL rules, timeouts, retries, default match fields and
ledger location.
"""

from __future__ import annotations

import logging
import time
from typing import Any

from ..account.catalog import FieldCatalog
from ..account.finder import EntityFinder, normalize
from ..account.key_index import KeyIndex
from ..account.ledger import Ledger
from ..account.ledger.keys import KeyStore
from ..account.runtime import Runtime
from ..pipedrive.base_url import resolve_base_url
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
    settings: Settings, account: str, logger: logging.Logger, *, read_only: bool | None = None
) -> Ledger | None:
    """The sync ledger of the settings (ledger_url, else ledger_path; None when both are empty). A run
    that writes takes the account's writer lock first (waiting up to ledger_lock_wait) and records the
    account as known. LedgerUnusable (a ValueError) names the ledger and the fix."""
    location = settings.ledger_location
    if location is None:
        return None
    where, setting_name = location
    dry = settings.dry_run if read_only is None else read_only
    # A writer reads the rows once it holds the lock (reading them before too would read them twice).
    ledger = Ledger(where, account, read_only=dry, setting=setting_name, preload=dry)
    if not dry:
        ledger.load_on_lock = True
        try:
            ledger.lock_writer(settings.ledger_lock_wait, on_wait=logger.warning)
            ledger.mark_run()
        except BaseException:
            ledger.close()
            raise
    return ledger


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
    if for_run and not segment:
        ledger = open_ledger(settings, base_url, logger)
    key_index = None
    if for_run and not segment:
        # The key index lives in the ledger; without one a run keeps one in memory, listed as lookups
        # come (key_index.py), as does a dry run where the ledger's index is not complete.
        store = (ledger.key_store() if ledger is not None else None) or KeyStore.in_memory(base_url)
        key_index = KeyIndex(
            client,
            store,
            normalize,
            full_every_days=float(settings.index_full_refresh_days),
            full_refresh=full_refresh,
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
    )
