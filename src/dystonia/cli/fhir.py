"""``dystonia fhir export`` and ``dystonia fhir import``: a patient's record as FHIR R4B.

Commands
--------
``dystonia fhir export PATIENT_ID [--out FILE]``
    The validated Bundle of everything on file (:func:`dystonia.interop.bundle_from_overview`),
    as the command line's system identity (an admin; the read is audited).
``dystonia fhir import FILE --patient-id ID --as USERNAME [--dry-run] [--json]``
    Conditions and MedicationStatements of a Bundle into one patient's record, all or nothing
    (:func:`dystonia.records.fhir_io.import_bundle`). Imported rows are authored by the named
    account (an admin, or a clinician assigned to the patient): clinical rows always name a
    person. ``--dry-run`` checks the file and prints what would be imported, writing nothing.

The database is ``DYSTONIA_DATABASE_URL`` or the embedded SQLite file of the data directory,
created and migrated on first use (as for ``dystonia serve``).
"""

from __future__ import annotations

import dataclasses
import json
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any

import typer

from dystonia.cli import app
from dystonia.cli._output import check_target, print_json, write_atomic
from dystonia.exceptions import InvalidInputError, UnreadableFileError

if TYPE_CHECKING:
    from dystonia.interop.fhir_import import ImportPlan
    from dystonia.records.policy import Principal
    from dystonia.records.service import Records

__all__ = ["export_command", "fhir_app", "import_command"]

fhir_app = typer.Typer(
    name="fhir",
    help="HL7 FHIR R4B: export a patient's record as a Bundle, import conditions and medications.",
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
    rich_markup_mode=None,
)
app.add_typer(fhir_app, name="fhir")


def _records() -> Records:
    from dystonia.records.db import Database
    from dystonia.records.service import Records

    db = Database()
    db.migrate()
    return Records(db)


def _account(records: Records, username: str) -> Principal:
    """The principal of an active account, for the import's authorship."""
    from sqlalchemy import select

    from dystonia.records.accounts import principal_of
    from dystonia.records.models import User

    with records.db.sessions() as s:
        user = s.execute(select(User).where(User.username == username)).scalar_one_or_none()
        if user is None or not user.active:
            raise InvalidInputError("--as", username, reason=f"no active account {username!r}")
        return dataclasses.replace(principal_of(user), ip="command-line")


@fhir_app.command("export")
def export_command(
    patient_id: Annotated[int, typer.Argument(metavar="PATIENT_ID", help="The patient's id.")],
    out: Annotated[
        Path | None, typer.Option("--out", metavar="FILE", help="Write the JSON here.")
    ] = None,
) -> None:
    """A patient's record as a validated FHIR R4B Bundle (JSON on stdout, or --out FILE)."""
    from dystonia.records.service import SYSTEM

    if out is not None:
        check_target(out)  # before the export is read and audited
    bundle = _records().fhir_export(SYSTEM, patient_id)
    if out is None:
        print_json(bundle)
        return
    text = json.dumps(bundle, indent=2, ensure_ascii=False, allow_nan=False) + "\n"
    write_atomic(out, text.encode("utf-8"))
    n = len(bundle.get("entry") or [])
    typer.echo(
        f"wrote {out}: FHIR R4B Bundle ({bundle['type']}) of patient {patient_id}, {n} resources"
    )


def _read(path: Path) -> bytes:
    from dystonia.interop.fhir_import import MAX_BUNDLE_BYTES

    try:
        size = path.stat().st_size
        if size > MAX_BUNDLE_BYTES:
            raise UnreadableFileError(path, f"{size} bytes; at most {MAX_BUNDLE_BYTES >> 20} MiB")
        return path.read_bytes()
    except FileNotFoundError:
        raise UnreadableFileError(path, "no such file") from None
    except IsADirectoryError:
        raise UnreadableFileError(path, "is a directory") from None
    except OSError as exc:
        raise UnreadableFileError(path, f"cannot open ({exc.strerror or exc})") from None


def _plan_lines(plan: ImportPlan) -> list[str]:
    from dystonia.interop.fhir_import import system_label

    lines = []
    for m in plan.medications:
        when = " ".join(
            part
            for part in (
                f"from {m.effective_start}" if m.effective_start else "",
                f"to {m.effective_end}" if m.effective_end else "",
            )
            if part
        )
        extra = "  ".join(x for x in (m.dosage or "", when, f"({m.status})") if x)
        lines.append(f"  medication  {m.name}  {extra}")
    for c in plan.conditions:
        codes = ", ".join(f"{system_label(k.system)} {k.code}" for k in c.codings if k.code)
        lines.append(f"  condition   {c.display}" + (f"  [{codes}]" if codes else ""))
    return lines


def _skipped_line(skipped: list[str]) -> str | None:
    """``skipped     1208 entries: 1121 Observation (not imported); ...``, grouped by reason."""
    if not skipped:
        return None
    groups: dict[str, int] = {}
    for line in skipped:
        what = line.split(" ", 1)[1] if line.startswith("entry[") and " " in line else line
        groups[what] = groups.get(what, 0) + 1
    parts = [f"{n} {what.replace(': ', ' (', 1)})" for what, n in groups.items()]
    return f"skipped     {len(skipped)} entries: " + "; ".join(parts)


@fhir_app.command("import")
def import_command(
    file: Annotated[Path, typer.Argument(metavar="FILE", help="A FHIR R4/R4B Bundle (JSON).")],
    patient_id: Annotated[int, typer.Option("--patient-id", help="Import into this patient.")],
    author: Annotated[
        str | None,
        typer.Option(
            "--as",
            metavar="USERNAME",
            help="The admin or assigned clinician account the imported rows are written by.",
        ),
    ] = None,
    dry_run: Annotated[
        bool, typer.Option("--dry-run", help="Check the file and show the plan; write nothing.")
    ] = False,
    as_json: Annotated[bool, typer.Option("--json", help="Print the result as JSON.")] = False,
) -> None:
    """Import Conditions and MedicationStatements of a Bundle, all or nothing."""
    from dystonia.interop.fhir_import import plan_import

    data = _read(file)
    if dry_run:
        plan = plan_import(data)
        if as_json:
            print_json(plan.to_dict())
            return
        typer.echo(
            f"{file}: would import {len(plan.medications)} medication(s) and "
            f"{len(plan.conditions)} condition(s) into patient {patient_id} (dry run; nothing written)"
        )
        for line in [*_plan_lines(plan), _skipped_line(plan.skipped)]:
            if line:
                typer.echo(line)
        return
    if author is None:
        raise InvalidInputError(
            "--as",
            None,
            reason="is required: name the admin or assigned clinician account that authors "
            "the imported rows (or use --dry-run)",
        )
    from dystonia.records.fhir_io import import_bundle

    records = _records()
    result = import_bundle(records, _account(records, author), patient_id, data)
    if as_json:
        print_json(result)
        return
    _print_result(file, result)


def _print_result(file: Path, result: dict[str, Any]) -> None:
    meds, conds = result["medications"], result["conditions"]
    typer.echo(
        f"{file}: imported {len(meds)} medication(s) and {len(conds)} condition(s) into patient "
        f"{result['patient_id']} (one transaction)"
    )
    for m in meds:
        flag = f"  dopamine-receptor blocker: {m['dopamine_blocker']}"
        dose = f"  {m['dose']}" if m["dose"] else ""
        typer.echo(f"  medication  #{m['id']} {m['name']}{dose}{flag}")
    for v in conds:
        first = (v["note"] or "").splitlines()[0].removeprefix("Imported condition: ")
        typer.echo(f"  condition   visit #{v['id']} ({v['date']}, kind other): {first}")
    if result["already_imported"]:
        typer.echo(f"already on file, not written again: {'; '.join(result['already_imported'])}")
    line = _skipped_line(result["skipped"])
    if line:
        typer.echo(line)
