"""The two ways a problem ends: a clean stop of the run, or a reject of one record.

- A **clean stop** says what to do in one message and ends the run: no traceback, the last safe state
  already out (no state is passed on past a record that is not written or rejected), the summary logged
  and written to `report_file`, a non-zero exit (1; 143 after SIGTERM, 130 after SIGINT). Every
  documented stop is one: a bad setting (at start-up, before any input is read), a bad input line,
  Pipedrive refusing the token or the account (401, 402, 403 feature capping), Pipedrive unavailable
  after retries, the daily budget spent, `max_rejects` reached, a file the run must write that cannot be
  written, the sync ledger failing, a signal.
- A **reject** is about one record: it goes to the reject file, and the run goes on with the next one
  (values a mapping cannot use, poison values, Pipedrive refusing that record's request).

Only an exception outside both families is a bug, logged with its traceback.
"""

from __future__ import annotations

import errno
import signal
import sqlite3

from singer_sdk.exceptions import SyncError
from singer_sdk.singerlib.exceptions import InvalidInputLine

from .pipedrive.errors import PipedriveError

SAFE_STATE = "Every state emitted before it is safe to resume from."


class RunStopped(Exception):
    """A documented stop of the run; its message says what happened and what to do."""

    exit_code = 1


class OutputUnwritable(RunStopped):
    """A file the run writes (reject_file, dry_run_file, report_file) cannot be written."""

    def __init__(self, setting: str, path: object, error: OSError) -> None:
        reason = error.strerror or type(error).__name__
        super().__init__(
            f"{setting} {str(path)!r} cannot be written ({reason}): free space or point {setting} at a "
            "writable file, then run again"
        )


class RunTerminated(RunStopped):
    """SIGTERM or SIGINT: the run ends at once (records in flight get a few seconds)."""

    def __init__(self, signum: int) -> None:
        self.signum = signum
        self.exit_code = 128 + signum
        try:
            name = signal.Signals(signum).name
        except ValueError:
            name = f"signal {signum}"
        super().__init__(f"Stopped by {name}")


# Errors whose message says all an operator needs: logged without a traceback.
CLEAR_ERRORS = (InvalidInputLine, PipedriveError, SyncError, RunStopped)


def clean_message(exc: BaseException, *, ledger_path: str | None = None) -> str | None:
    """The one-line message of a clean stop, or None for an unexpected exception (a bug)."""
    if isinstance(exc, CLEAR_ERRORS):
        return str(exc)
    if isinstance(exc, sqlite3.Error):
        where = f" ({ledger_path})" if ledger_path else ""
        return (
            f"the sync ledger{where} failed: {exc}. Check the disk that holds it (free space, the file "
            "size limit, permissions) and run again; only if the file itself is damaged, move it away (a "
            "new ledger is made; the next run looks entities up again)"
        )
    if isinstance(exc, BrokenPipeError) or (isinstance(exc, OSError) and exc.errno == errno.EPIPE):
        return "the program reading the target's output (the states on stdout) went away"
    return None


def exit_code(exc: BaseException) -> int:
    return int(getattr(exc, "exit_code", 1))
