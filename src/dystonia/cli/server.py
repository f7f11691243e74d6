"""``dystonia serve``, ``dystonia users add`` and ``dystonia audit verify`` (contracts/api.md).

The database is ``DYSTONIA_DATABASE_URL`` or the embedded SQLite file of the data directory,
created and migrated on first use.
"""

from __future__ import annotations

import getpass
import ipaddress
import sys
from typing import TYPE_CHECKING, Annotated

import typer

from dystonia.cli import app
from dystonia.exceptions import DystoniaError, InvalidInputError

if TYPE_CHECKING:
    from dystonia.records.service import Records

__all__ = ["audit_app", "users_app"]

users_app = typer.Typer(help="Manage accounts.", no_args_is_help=True)
audit_app = typer.Typer(help="The audit log.", no_args_is_help=True)
app.add_typer(users_app, name="users")
app.add_typer(audit_app, name="audit")


def _records() -> Records:
    from dystonia.records.db import Database
    from dystonia.records.service import Records

    db = Database()
    db.migrate()
    return Records(db)


@users_app.command("add")
def users_add(
    username: Annotated[str, typer.Argument(help="Login name: 2-64 of a-z 0-9 . _ -")],
    role: Annotated[str, typer.Option("--role", help="admin, clinician or patient")],
    patient_id: Annotated[
        int | None, typer.Option("--patient-id", help="The patient a patient account belongs to.")
    ] = None,
    password_stdin: Annotated[
        bool, typer.Option("--password-stdin", help="Read the password from standard input.")
    ] = False,
) -> None:
    """Create an account. Prompts for the password unless --password-stdin is given."""
    from dystonia.records.service import SYSTEM

    if password_stdin:
        password = sys.stdin.readline().rstrip("\r\n")
    else:
        password = getpass.getpass("Password: ")
        if getpass.getpass("Repeat: ") != password:
            raise DystoniaError("the two passwords differ; nothing was created")
    user = _records().add_user(SYSTEM, username, password, role, patient_id=patient_id)
    typer.echo(f"created {user['role']} {user['username']} (id {user['id']})")


@users_app.command("reset-2fa")
def users_reset_2fa(
    username: Annotated[str, typer.Argument(help="The account whose second factor is removed.")],
) -> None:
    """Remove an account's second factor (a lost phone): its sessions end; it signs in with its
    password alone until it sets up a new authenticator."""
    from dystonia.records.service import SYSTEM

    _records().totp_reset(SYSTEM, username)
    typer.echo(f"second factor of {username} removed; its sessions ended")


@audit_app.command("verify")
def audit_verify() -> None:
    """Check the whole audit chain; exit 1 when any row was edited, removed or inserted."""
    report = _records().verify_audit()
    typer.echo(report.message())
    if not report.ok:
        raise typer.Exit(1)


@app.command("backup")
def backup_command(
    out: Annotated[str, typer.Argument(metavar="OUT", help="New file for the backup.")],
) -> None:
    """Copy the database to OUT while the app may keep running (SQLite backup API or pg_dump)."""
    from dystonia.records.backup import backup

    info = backup(_records().db, out)
    typer.echo(info.message("backed up to"))
    typer.echo("keep the audit key (audit.key or DYSTONIA_AUDIT_KEY) with your backups")


@app.command("restore")
def restore_command(
    source: Annotated[str, typer.Argument(metavar="FILE", help="A file made by dystonia backup.")],
    force: Annotated[
        bool, typer.Option("--force", help="Replace a database that already holds patients.")
    ] = False,
) -> None:
    """Replace the database's content with a backup, then migrate and verify the audit chain."""
    from dystonia.records.backup import restore

    records = _records()
    info = restore(records.db, source, force=force)
    typer.echo(info.message("restored from"))
    report = records.verify_audit()
    typer.echo(report.message())
    if not report.ok:
        raise typer.Exit(1)


@app.command("serve")
def serve(
    host: Annotated[str, typer.Option("--host", help="Address to listen on.")] = "127.0.0.1",
    port: Annotated[int, typer.Option("--port", help="TCP port.")] = 8000,
    demo: Annotated[
        bool, typer.Option("--demo", help="Load fictional demo patients and print demo logins.")
    ] = False,
) -> None:
    """Start the web app (clinician pages, patient portal, JSON API under /api/v1)."""
    import uvicorn

    from dystonia.web.app import create_app

    if not 1 <= port <= 65535:
        raise InvalidInputError("--port", port, allowed="1-65535")
    try:
        ipaddress.ip_address(host)
    except ValueError:
        if host != "localhost":
            raise InvalidInputError("--host", host, allowed="an IP address or localhost") from None
    records = _records()
    typer.echo(f"database: {records.db.safe_url}")
    if demo:
        from dystonia.records.demo import load_demo

        logins = load_demo(records)
        typer.echo("demo data loaded (all patients are fictional). Sign in with:")
        for login in logins:
            typer.echo(
                f"  {login.role:<9} {login.username:<11} password {login.password}  ({login.note})"
            )
    typer.echo(f"Dystonia Workbench on http://{host}:{port}/  (Ctrl+C stops)")
    uvicorn.run(create_app(records), host=host, port=port, log_level="warning", access_log=False)
