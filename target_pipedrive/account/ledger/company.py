"""The Pipedrive company behind an account's URL (users/me's `company_id`), as the ledger records it.

The ledger keys its rows by the account's URL; two spellings of one company's URL (a proxy and
`domain`, `localhost` and 127.0.0.1) would be two accounts, writing side by side. So a writer also
takes a lock keyed by the company (`company_lock`), and records the company per URL in one row of the
entries table (scope `account`: no schema change; when a prune removes it, the next writing run records
it again), which tells the next run that the ledger knows this company under another URL."""

from __future__ import annotations

import sqlalchemy as sa

from .errors import LedgerFailed, failed_message
from .schema import entries, table_names
from .store import DB_ERRORS, Ledger

COMPANY_SCOPE = "account"
COMPANY_KEY = "company_id"
COMPANY_ENTITY = "company"


def company_lock(company_id: int | str) -> str:
    """The writer-lock key of a Pipedrive company (never a URL: URLs start with a scheme)."""
    return f"pipedrive-company:{company_id}"


def record_company(ledger: Ledger, company_id: int | str) -> None:
    """Record which company the ledger's account (URL) is (a writer, under its locks)."""
    known = ledger.get(COMPANY_SCOPE, COMPANY_KEY)
    if known is None or known.entity_id != str(company_id):
        ledger.put(COMPANY_SCOPE, COMPANY_KEY, COMPANY_ENTITY, company_id)


def other_urls(ledger: Ledger, company_id: int | str) -> list[str]:
    """The other accounts (URLs) the ledger has recorded as this company, in order."""
    try:
        with ledger.engine.connect() as conn:
            if "entries" not in table_names(conn):
                return []
            rows = conn.execute(
                sa.select(entries.c.account)
                .where(
                    entries.c.scope == COMPANY_SCOPE,
                    entries.c.key == COMPANY_KEY,
                    entries.c.entity_id == str(company_id),
                    entries.c.account != ledger.account,
                )
                .order_by(entries.c.account)
            )
            return [account for (account,) in rows]
    except DB_ERRORS as exc:
        raise LedgerFailed(failed_message(exc, ledger.where)) from None
