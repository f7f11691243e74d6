"""Backup and restore of the records database.

SQLite: the online backup API (:meth:`sqlite3.Connection.backup`) copies a consistent snapshot
while the app keeps running. PostgreSQL: ``pg_dump --format=custom`` and ``pg_restore --clean``
(the client tools of the server's major version must be installed).

The audit key is not in the database and is not in the backup: keep it (``audit.key`` in the
data directory, or ``DYSTONIA_AUDIT_KEY``) with the backups, or :command:`dystonia audit verify`
cannot check a restored chain.
"""

from __future__ import annotations

import os
import shutil
import sqlite3
import subprocess
from dataclasses import dataclass
from pathlib import Path

from sqlalchemy import func, select
from sqlalchemy.engine import make_url

from dystonia.exceptions import DystoniaError, InvalidInputError
from dystonia.records.db import Database
from dystonia.records.models import AuditEvent, Patient

__all__ = ["BackupError", "BackupInfo", "backup", "restore"]

SQLITE_MAGIC = b"SQLite format 3\x00"
PGDUMP_MAGIC = b"PGDMP"


class BackupError(DystoniaError):
    """A backup or restore could not be done; nothing was changed."""


@dataclass(frozen=True)
class BackupInfo:
    """What a backup or restore covered."""

    path: Path
    size_bytes: int
    patients: int
    audit_events: int

    def message(self, verb: str) -> str:
        """One line for the command line."""
        return (
            f"{verb} {self.path} ({self.size_bytes / 1e6:.1f} MB): {self.patients} patients, "
            f"{self.audit_events} audit events"
        )


def _counts(db: Database) -> tuple[int, int]:
    with db.sessions() as s:
        patients = s.execute(select(func.count()).select_from(Patient)).scalar_one()
        events = s.execute(select(func.count()).select_from(AuditEvent)).scalar_one()
        s.rollback()
    return int(patients), int(events)


def _pg_env(db: Database) -> tuple[list[str], dict[str, str]]:
    url = make_url(db.engine.url.render_as_string(hide_password=False))
    env = dict(os.environ)
    if url.password:
        env["PGPASSWORD"] = str(url.password)
    args = ["--host", url.host or "127.0.0.1", "--port", str(url.port or 5432)]
    if url.username:
        args += ["--username", url.username]
    args += ["--dbname", str(url.database)]
    return args, env


def _tool(name: str) -> str:
    found = shutil.which(name)
    if found:
        return found
    for cand in sorted(Path("/usr/lib/postgresql").glob(f"*/bin/{name}"), reverse=True):
        return str(cand)
    raise BackupError(f"{name} not found: install the PostgreSQL client tools")


def backup(db: Database, out: str | Path) -> BackupInfo:
    """Write a consistent copy of the database to ``out`` (refuses to overwrite a file)."""
    target = Path(out)
    if target.exists():
        raise InvalidInputError("OUT", str(target), reason="exists already; choose a new file")
    if not target.parent.exists():
        raise InvalidInputError("OUT", str(target), reason="its folder does not exist")
    patients, events = _counts(db)
    partial = target.with_name(target.name + ".partial")
    try:
        if db.dialect == "sqlite":
            source = make_url(db.engine.url.render_as_string(hide_password=False)).database
            src = sqlite3.connect(f"file:{source}?mode=ro", uri=True)
            dst = sqlite3.connect(partial)
            with dst:
                src.backup(dst)
            src.close()
            dst.close()
        else:
            args, env = _pg_env(db)
            done = subprocess.run(
                [_tool("pg_dump"), "--format=custom", "--no-owner", "--file", str(partial), *args],
                env=env,
                capture_output=True,
                text=True,
            )
            if done.returncode != 0:
                raise BackupError(f"pg_dump failed: {done.stderr.strip().splitlines()[-1:]}")
        partial.replace(target)
    finally:
        partial.unlink(missing_ok=True)
    return BackupInfo(target, target.stat().st_size, patients, events)


def restore(db: Database, source: str | Path, *, force: bool = False) -> BackupInfo:
    """Replace the database's content with a backup made by :func:`backup`.

    Refuses when the database already holds patients unless ``force``; the backup's format must
    match the database engine. The schema is migrated to the newest version afterwards.
    """
    src = Path(source)
    if not src.is_file():
        raise InvalidInputError("FILE", str(src), reason="is not a file")
    head = src.read_bytes()[:16]
    expected = SQLITE_MAGIC if db.dialect == "sqlite" else PGDUMP_MAGIC
    if not head.startswith(expected):
        kind = "a SQLite database" if db.dialect == "sqlite" else "a pg_dump custom-format archive"
        raise InvalidInputError(
            "FILE", str(src), reason=f"is not {kind} (the database is {db.dialect})"
        )
    patients, _ = _counts(db)
    if patients and not force:
        raise BackupError(
            f"the database already holds {patients} patients; restore with --force to replace them"
        )
    if db.dialect == "sqlite":
        try:
            check = sqlite3.connect(f"file:{src}?mode=ro", uri=True)
            ok = check.execute("PRAGMA integrity_check").fetchone()[0]
            check.close()
        except sqlite3.DatabaseError as exc:
            raise InvalidInputError("FILE", str(src), reason=f"is damaged ({exc})") from None
        if ok != "ok":
            raise InvalidInputError("FILE", str(src), reason=f"fails the integrity check ({ok})")
        db.dispose()
        target = make_url(db.engine.url.render_as_string(hide_password=False)).database
        s_conn = sqlite3.connect(f"file:{src}?mode=ro", uri=True)
        d_conn = sqlite3.connect(str(target))
        with d_conn:
            s_conn.backup(d_conn)
        s_conn.close()
        d_conn.close()
    else:
        args, env = _pg_env(db)
        db.dispose()
        done = subprocess.run(
            [
                _tool("pg_restore"),
                "--clean",
                "--if-exists",
                "--no-owner",
                "--single-transaction",
                *args,
                str(src),
            ],
            env=env,
            capture_output=True,
            text=True,
        )
        if done.returncode != 0:
            raise BackupError(f"pg_restore failed: {done.stderr.strip().splitlines()[-1:]}")
    db.migrate()
    patients, events = _counts(db)
    return BackupInfo(src, src.stat().st_size, patients, events)
