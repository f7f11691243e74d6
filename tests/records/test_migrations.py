"""Migrations: the schema Alembic builds is the schema the models describe, both ways."""

from __future__ import annotations

from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from sqlalchemy import inspect

from dystonia.records.models import Base


def test_models_and_migrations_agree(database) -> None:  # type: ignore[no-untyped-def]
    """`alembic check`: autogenerate finds nothing to add after `upgrade head`."""
    with database.engine.connect() as conn:
        ctx = MigrationContext.configure(conn, opts={"compare_type": True})
        diff = compare_metadata(ctx, Base.metadata)
        conn.rollback()
    assert diff == []


def test_downgrade_and_upgrade_again(database) -> None:  # type: ignore[no-untyped-def]
    from alembic import command
    from alembic.config import Config

    from dystonia.records.db import MIGRATIONS

    cfg = Config()
    cfg.set_main_option("script_location", str(MIGRATIONS))
    with database.engine.connect() as conn:
        cfg.attributes["connection"] = conn
        command.downgrade(cfg, "base")
        conn.commit()
    assert set(inspect(database.engine).get_table_names()) <= {"alembic_version"}
    database.migrate()
    tables = set(inspect(database.engine).get_table_names())
    assert set(Base.metadata.tables) <= tables


def test_migrate_is_idempotent(records) -> None:  # type: ignore[no-untyped-def]
    from dystonia.records.service import SYSTEM

    records.create_patient(SYSTEM, "Survives a second migrate")
    records.db.migrate()
    assert [p["display_name"] for p in records.list_patients(SYSTEM)] == [
        "Survives a second migrate"
    ]
    assert records.verify_audit().ok


def test_sqlite_pragmas(records) -> None:  # type: ignore[no-untyped-def]
    if records.db.dialect != "sqlite":
        return
    with records.db.engine.connect() as conn:
        assert conn.exec_driver_sql("PRAGMA foreign_keys").scalar() == 1
        assert conn.exec_driver_sql("PRAGMA journal_mode").scalar() == "wal"
        conn.rollback()


def test_bad_database_url_is_a_clear_error() -> None:
    import pytest

    from dystonia.exceptions import InvalidInputError
    from dystonia.records.db import Database

    with pytest.raises(InvalidInputError, match="DYSTONIA_DATABASE_URL"):
        Database("not a url at all")
    with pytest.raises(InvalidInputError, match="sqlite, postgresql"):
        Database("mysql://u@localhost/db")
