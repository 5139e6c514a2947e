"""How the ledger fails: unusable at opening (the run stops before any write), failed during the run,
or busy (another run holds the account's writer lock); and the one-line messages that name the ledger
(never its password) and the fix."""

from __future__ import annotations

from dataclasses import dataclass

from ...stops import RunStopped


@dataclass(frozen=True)
class Entry:
    entity_id: str
    digest: str | None


class LedgerUnusable(ValueError):
    """The ledger cannot be opened (corrupt, truncated, read-only, unreachable, refused): the run stops
    before any write, with one line naming it (never its password) and the fix."""


class LedgerFailed(RunStopped):
    """The ledger failed during the run (a full disk, a lost connection): a clean stop."""


class LedgerBusy(RunStopped):
    """Another run holds the account's writer lock beyond `ledger_lock_wait`."""


def reason(exc: BaseException) -> str:
    """A driver's error in one line, without the URL (SQLAlchemy appends a link and the statement)."""
    inner = getattr(exc, "orig", None) or exc
    text = " ".join(str(inner).split()) or type(inner).__name__
    return text[:300]


def unusable_message(exc: BaseException, *, backend: str, where: str, setting: str) -> str:
    """Why a ledger cannot be opened, and the fix, in one line."""
    why = reason(exc)
    low = why.lower()
    if backend == "sqlite":
        lock = getattr(exc, "filename", None)
        if isinstance(lock, str) and lock.endswith(".lock"):
            # The ledger itself may be sound: moving it away would throw its idempotency away.
            return (
                f"setting {setting}: the lock file {lock!r} beside the sync ledger {where!r} cannot be "
                f"used ({why}); remove or fix that lock file (no run holds a lock file that is not a "
                "file), keep the ledger"
            )
        if "readonly" in low or "read-only" in low or "unable to open" in low or "permission" in low:
            fix = "make the file and its folder writable by the user running the target, or point "
        elif "disk is full" in low or "disk i/o error" in low:
            # Creating or migrating it is one transaction: the file is as it was, so keep it.
            fix = "free space on its disk (or raise the file size limit) and run again, or point "
        else:
            fix = (
                "move the file away (a new ledger is made; the next run looks entities up again and "
                "matches activities, notes and leads by content) or point "
            )
        return f"setting {setting}: {where!r} is not a usable sync ledger ({why}); {fix}{setting} elsewhere"
    if "password" in low or "authentication" in low:
        fix = "check the user and password in ledger_url"
    elif "does not exist" in low:
        fix = "create the database (createdb) or fix its name in ledger_url"
    else:
        fix = "check that the database server runs and is reachable from here, and the host and port"
    return f"setting ledger_url: the sync ledger {where} cannot be used ({why}); {fix}"


def failed_message(exc: BaseException, where: str) -> str:
    """A ledger failing during the run, in one line."""
    return (
        f"the sync ledger ({where}) failed: {reason(exc)}. Check the disk or the database that "
        "holds it, and run again (every state emitted before this is safe to resume from)"
    )
