"""Shared fixtures: a fresh, migrated database per test, on SQLite or PostgreSQL.

``DYSTONIA_TEST_DB=postgresql`` (with ``DYSTONIA_TEST_POSTGRES_URL`` pointing at a database the
test role owns and may create databases from) runs every database test against PostgreSQL;
``tools/test.sh`` does that second pass after the SQLite run. Each test gets its own database,
copied from a migrated template (a file copy on SQLite, ``CREATE DATABASE ... TEMPLATE`` on
PostgreSQL), so tests never see each other's rows.
"""

from __future__ import annotations

import os
import shutil
import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest
from hypothesis import settings

# Property tests are deterministic unless asked otherwise: examples derived from each test's
# name, no example database, so a commit gives the same run everywhere (CI included) and a
# failure replays exactly. ``HYPOTHESIS_PROFILE=explore`` draws fresh random examples.
settings.register_profile("deterministic", derandomize=True, database=None, print_blob=True)
settings.register_profile("explore", print_blob=True)
settings.load_profile(os.environ.get("HYPOTHESIS_PROFILE", "deterministic"))

BACKEND = os.environ.get("DYSTONIA_TEST_DB", "sqlite")
PG_URL = os.environ.get(
    "DYSTONIA_TEST_POSTGRES_URL", "postgresql+psycopg://dystonia:dystonia@127.0.0.1:5432/dystonia"
)
TEST_KEY = bytes(range(32))
TEST_TOTP_KEY = bytes(range(32, 64))  # second-factor key of the `records` fixture


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    for item in items:
        if {"database", "records", "client", "world"} & set(getattr(item, "fixturenames", ())):
            item.add_marker(pytest.mark.db)


def _pg_admin():  # type: ignore[no-untyped-def]
    from sqlalchemy import create_engine

    return create_engine(PG_URL, isolation_level="AUTOCOMMIT")


@pytest.fixture(scope="session")
def _template(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    from sqlalchemy import text

    from dystonia.records.db import Database

    if BACKEND == "sqlite":
        path = tmp_path_factory.mktemp("db-template") / "template.db"
        db = Database(f"sqlite:///{path}")
        db.migrate()
        db.dispose()
        import sqlite3

        raw = sqlite3.connect(path)  # fold the WAL into the main file before copying it
        raw.execute("PRAGMA wal_checkpoint(TRUNCATE)")
        raw.close()
        yield str(path)
        return
    if BACKEND != "postgresql":
        raise pytest.UsageError(f"DYSTONIA_TEST_DB must be sqlite or postgresql, not {BACKEND!r}")
    name = f"dw_tmpl_{os.getpid()}"
    admin = _pg_admin()
    with admin.connect() as conn:
        conn.execute(text(f'DROP DATABASE IF EXISTS "{name}"'))
        conn.execute(text(f'CREATE DATABASE "{name}"'))
    db = Database(admin.url.set(database=name).render_as_string(hide_password=False))
    db.migrate()
    db.dispose()
    yield name
    with admin.connect() as conn:
        conn.execute(text(f'DROP DATABASE IF EXISTS "{name}"'))
    admin.dispose()


def fresh_database_url(template: str, tmp_path: Path) -> tuple[str, object]:
    """A new database copied from the template: (url, cleanup callable)."""
    from sqlalchemy import text

    if BACKEND == "sqlite":
        path = tmp_path / f"dw-{uuid.uuid4().hex[:8]}.db"
        shutil.copyfile(template, path)
        return f"sqlite:///{path}", lambda: None
    name = f"dw_t_{uuid.uuid4().hex[:12]}"
    admin = _pg_admin()
    with admin.connect() as conn:
        conn.execute(text(f'CREATE DATABASE "{name}" TEMPLATE "{template}"'))

    def cleanup() -> None:
        # WITH (FORCE) ends the test's own connections; PostgreSQL 15 refuses to end an
        # autovacuum worker (a superuser's process) for a non-superuser, so a worker that just
        # started on the scratch database makes the DROP fail: wait for it (it is short-lived)
        import time
        import warnings

        from sqlalchemy.exc import DBAPIError

        try:
            for attempt in range(40):
                try:
                    with admin.connect() as conn:
                        conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
                    return
                except DBAPIError as exc:
                    if "pg_signal_backend" not in str(exc) and "being accessed" not in str(exc):
                        raise
                    time.sleep(0.25 * min(attempt + 1, 4))
            warnings.warn(f"scratch database {name} left behind (still in use)", stacklevel=1)
        finally:
            admin.dispose()

    return admin.url.set(database=name).render_as_string(hide_password=False), cleanup


@pytest.fixture
def database(_template: str, tmp_path: Path) -> Iterator[object]:
    """A fresh migrated :class:`dystonia.records.db.Database`."""
    from dystonia.records.db import Database

    url, cleanup = fresh_database_url(_template, tmp_path)
    db = Database(url)
    yield db
    db.dispose()
    cleanup()  # type: ignore[operator]


@pytest.fixture
def records(database: object) -> object:
    """A :class:`dystonia.records.service.Records` on the fresh database, with a test key."""
    from dystonia.records.service import Records

    return Records(database, key=TEST_KEY, totp_key=TEST_TOTP_KEY)  # type: ignore[arg-type]


@pytest.fixture(autouse=True)
def _cheap_argon2(monkeypatch: pytest.MonkeyPatch) -> None:
    """Argon2id with small cost parameters in tests (same code path, ~100x cheaper).

    ``tests/records/test_accounts.py`` checks the production parameters separately.
    """
    from argon2 import PasswordHasher

    from dystonia.records import accounts

    cheap = PasswordHasher(time_cost=1, memory_cost=8, parallelism=1)
    monkeypatch.setattr(accounts, "_hasher", cheap)
    monkeypatch.setattr(accounts, "_DUMMY_HASH", _CHEAP_DUMMY)


_CHEAP_DUMMY = (
    "$argon2id$v=19$m=8,t=1,p=1$tF2bmnoaOe/MHBKfISYfTQ$zeswISxC1nMdeQzXLNR8RqZaNdS2dDkMbc9IrxIG0sw"
)
