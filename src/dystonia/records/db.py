"""The database: engine, sessions and migrations (SQLAlchemy 2 + Alembic).

SQLite (the embedded default) runs in WAL mode with foreign keys on, and every transaction starts
with ``BEGIN IMMEDIATE``: each request writes an audit event, and taking the write lock first
keeps concurrent requests from failing half-way with ``SQLITE_BUSY``. PostgreSQL serialises the
audit chain with a row lock instead (:mod:`dystonia.records.audit`).
"""

from __future__ import annotations

import threading
from collections.abc import Iterator
from contextlib import contextmanager, nullcontext
from pathlib import Path
from typing import Any

from sqlalchemy import Engine, create_engine, event, text
from sqlalchemy.engine import make_url
from sqlalchemy.exc import ArgumentError, OperationalError
from sqlalchemy.orm import Session, sessionmaker

from dystonia.exceptions import DystoniaError, InvalidInputError
from dystonia.records.config import database_url

__all__ = ["MIGRATIONS", "Database", "DatabaseUnavailableError"]

MIGRATIONS = Path(__file__).with_name("migrations")


class DatabaseUnavailableError(DystoniaError):
    """The database cannot be reached or opened."""


def _sqlite_engine(url: str) -> Engine:
    engine = create_engine(url, connect_args={"check_same_thread": False, "timeout": 30})

    @event.listens_for(engine, "connect")
    def _on_connect(dbapi_connection: Any, _record: Any) -> None:
        dbapi_connection.isolation_level = None  # we emit BEGIN ourselves
        cur = dbapi_connection.cursor()
        cur.execute("PRAGMA journal_mode=WAL")
        cur.execute("PRAGMA foreign_keys=ON")
        cur.execute("PRAGMA synchronous=NORMAL")
        cur.execute("PRAGMA busy_timeout=30000")
        cur.close()

    @event.listens_for(engine, "begin")
    def _on_begin(conn: Any) -> None:
        conn.exec_driver_sql("BEGIN IMMEDIATE")

    return engine


class Database:
    """One database: its engine, a session factory, and its migrations.

    Parameters
    ----------
    url : str, optional
        SQLAlchemy URL; default :func:`dystonia.records.config.database_url`.
    """

    def __init__(self, url: str | None = None) -> None:
        raw = url if url is not None else database_url()
        try:
            parsed = make_url(raw)
        except ArgumentError:
            raise InvalidInputError(
                "DYSTONIA_DATABASE_URL",
                "<hidden>",
                allowed="a SQLAlchemy URL such as sqlite:///path.db or postgresql+psycopg://...",
            ) from None
        self.dialect = parsed.get_backend_name()
        if self.dialect == "sqlite":
            if parsed.database and parsed.database != ":memory:":
                Path(parsed.database).parent.mkdir(parents=True, exist_ok=True)
            self.engine = _sqlite_engine(raw)
        elif self.dialect == "postgresql":
            if parsed.drivername == "postgresql":
                parsed = parsed.set(drivername="postgresql+psycopg")
            self.engine = create_engine(parsed, pool_size=20, max_overflow=40, pool_pre_ping=True)
        else:
            raise InvalidInputError(
                "DYSTONIA_DATABASE_URL", parsed.drivername, allowed=["sqlite", "postgresql"]
            )
        self.sessions = sessionmaker(self.engine, expire_on_commit=False)
        # SQLite has one writer at a time and every transaction here writes (the audit log):
        # queue them in-process rather than let them poll in SQLite's busy handler (p99 at 10
        # and 50 clients fell from 0.7/1.8 s to 0.2/0.6 s, benchmarks/bench_web.py).
        self._serial: threading.RLock | None = (
            threading.RLock() if self.dialect == "sqlite" else None
        )

    @property
    def safe_url(self) -> str:
        """The URL with any password hidden (for messages and logs)."""
        return self.engine.url.render_as_string(hide_password=True)

    def migrate(self) -> None:
        """Create or upgrade the schema to the newest migration (Alembic ``upgrade head``)."""
        from alembic import command
        from alembic.config import Config

        cfg = Config()
        cfg.set_main_option("script_location", str(MIGRATIONS))
        try:
            with self.engine.connect() as conn:
                cfg.attributes["connection"] = conn
                command.upgrade(cfg, "head")
                conn.commit()
        except OperationalError as exc:
            raise DatabaseUnavailableError(
                f"cannot open the database {self.safe_url}: {exc.orig}"
            ) from None

    def ping(self) -> bool:
        """True when the database answers ``SELECT 1``."""
        try:
            with self.engine.connect() as conn:
                conn.execute(text("SELECT 1"))
                conn.rollback()
            return True
        except OperationalError:
            return False

    @contextmanager
    def session(self) -> Iterator[Session]:
        """A unit of work: committed on success, rolled back on any exception."""
        with self._serial or nullcontext(), self.sessions() as s, s.begin():
            yield s

    def dispose(self) -> None:
        """Close every pooled connection."""
        self.engine.dispose()
