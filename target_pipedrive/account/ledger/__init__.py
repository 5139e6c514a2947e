"""The sync ledger: what earlier runs wrote, so that a re-sync of unchanged rows costs no API call.

A database reached through SQLAlchemy Core (`ledger_url`): a SQLite file by default (`ledger_path`,
WAL mode), PostgreSQL for workers that start from a fresh disk or run side by side. One ledger serves
several Pipedrive accounts: every row is keyed by its account (the base URL). It holds:
- identities: a match key (entity, match field, normalised value) → the Pipedrive id it was found or
  created under, so that lookups and associations need no search;
- writes: per mapping and entity (its match key, or its id for activities, notes and leads), a digest
  of each field's value as last written (`{"name": "…", "emails": "…", "custom_fields.<key>": "…"}`,
  JSON in the `digest` column), so that an update sends only the fields whose source value changed
  (actions/policy.py, docs/write-policy.md) and an unchanged record is skipped without a read. Ledgers
  of earlier versions hold one digest of the whole body there (64 hex digits, not JSON): such a row
  still says "unchanged" when the whole body is the same, and is replaced by field digests on the
  next write; when the body differs it says nothing about which field changed, and the update is
  planned as if there were no row (compared with the listed entity where known, else all fields);
- markers: per mapping, the identity of the source event (its stream and messageId, or its stream, a
  hash of the event and which identical event of the run it was) → the id of the activity, note or
  lead it created, so that a replayed event (a rerun from an earlier STATE) never creates a second one.
  Ledgers of earlier versions keyed markers by the messageId or hash alone; such a row moves to the
  new key the first time its event comes again (run/identity.py, `marker_of`). Markers are pruned
  by age only (`target-pipedrive-tools ledger prune`), never because their entity was deleted in
  Pipedrive: a replay must not recreate what people deleted;
- intents (the outbox): a create under way, with the moment it was sent and its body, until its
  outcome is known (run/creates.py, `Creates.create_once`).

The schema is versioned (table `ledger_meta`); a ledger of an earlier version is migrated when it is
opened. One writer per account: `lock_writer` takes a PostgreSQL session advisory lock (released when
the connection dies) or an exclusive lock on a file next to the SQLite file, and waits for it; a
second one keyed by the Pipedrive company (company.py), as one company may be reached by two URLs.

While the writer lock is held nobody else writes the account's rows, so the ledger reads them all in
one query at start-up (up to PRELOAD_LIMIT rows) and answers from memory: the unchanged path costs no
round trip, PostgreSQL or not. Rows are written through (committed as they are written: a marker lost
to a crash would let a replay duplicate an entity). The ledger only ever saves calls; when it is wrong
(an entity deleted or merged in Pipedrive), the write that trusted it fails and the run forgets
the row and looks the entity up instead.

The package, a module per job: urls.py (where a ledger is, and how messages show it), errors.py (how
it fails, in one line), schema.py (the tables and migrations), locking.py (the advisory lock and
flock), engines.py (the database engine, and failures while opening it), store.py (the Ledger),
maintenance.py (what `target-pipedrive-tools ledger` reads and prunes). The fingerprints in the
`digest` column are account/digests.py's, which the write policy reads without the ledger.
"""

from ..digests import decode_fields, digest, encode_fields, field_digest
from .engines import make_engine, opening
from .errors import Entry, LedgerBusy, LedgerFailed, LedgerUnusable, failed_message, reason, unusable_message
from .locking import LOCK_CLASS, LOCK_POLL, MIGRATION_KEY, holder_text, lock_key
from .schema import SCHEMA_VERSION, accounts, entries, ledger_meta, metadata
from .store import PRELOAD_LIMIT, Ledger
from .urls import engine_url, ledger_url, shown, sqlite_file

__all__ = [
    "LOCK_CLASS",
    "LOCK_POLL",
    "MIGRATION_KEY",
    "PRELOAD_LIMIT",
    "SCHEMA_VERSION",
    "Entry",
    "Ledger",
    "LedgerBusy",
    "LedgerFailed",
    "LedgerUnusable",
    "accounts",
    "decode_fields",
    "digest",
    "encode_fields",
    "engine_url",
    "entries",
    "failed_message",
    "field_digest",
    "holder_text",
    "ledger_meta",
    "ledger_url",
    "lock_key",
    "make_engine",
    "metadata",
    "opening",
    "reason",
    "shown",
    "sqlite_file",
    "unusable_message",
]
