"""Where a ledger is: a `ledger_path` or `ledger_url` as a SQLAlchemy URL, how messages show it (never
with its password), and the URL the engine is made from (psycopg 3 for PostgreSQL)."""

from __future__ import annotations

from pathlib import Path
from urllib.parse import quote

from sqlalchemy.engine import URL, make_url


def ledger_url(path_or_url: str | Path) -> str:
    """A SQLAlchemy URL for a `ledger_path` (a file) or a `ledger_url` (kept as it is)."""
    text = str(path_or_url)
    if "://" in text:
        return text
    # Quoted: a URL would read `?` as its query, `#` as a fragment and `%XX` as an escape; SQLAlchemy
    # unquotes the database part, so the file is the path exactly as given.
    return "sqlite:///" + quote(str(Path(text).expanduser().absolute()), safe="/")


def earlier_file(path_or_url: str | Path) -> Path | None:
    """The file earlier versions used for this `ledger_path` when it differs from the path itself:
    they read it as a URL (`?` and `#` cut it, `%XX` was decoded). None for a URL or a plain path."""
    text = str(path_or_url)
    if "://" in text:
        return None
    exact = Path(text).expanduser().absolute()
    try:
        database = make_url(f"sqlite:///{exact}").database
    except Exception:
        return None
    return Path(database) if database and Path(database) != exact else None


def shown(url: str) -> str:
    """How messages name a ledger: a file by its path, a database by its URL without the password."""
    try:
        parsed = make_url(url)
    except Exception:
        return "the ledger_url setting (not a database URL)"
    if parsed.get_backend_name() == "sqlite":
        return parsed.database or ":memory:"
    return parsed.render_as_string(hide_password=True)


def engine_url(url: str) -> URL:
    parsed = make_url(url)
    # postgresql:// (and postgres://) means psycopg 3 (SQLAlchemy 2.1's default as well).
    if parsed.drivername in ("postgresql", "postgres"):
        parsed = parsed.set(drivername="postgresql+psycopg")
    return parsed


def sqlite_file(url: str) -> Path | None:
    """The file of a SQLite ledger URL (None: not SQLite, or in memory)."""
    parsed = make_url(url)
    if parsed.get_backend_name() != "sqlite" or not parsed.database:
        return None
    return Path(parsed.database)
