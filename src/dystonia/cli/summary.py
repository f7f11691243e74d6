"""``dystonia summary``: a patient's clinical summary as an A4 PDF.

Commands
--------
``dystonia summary PATIENT_ID --out FILE``
    Everything on file for the patient (:func:`dystonia.web.report_pdf.summary_pdf`): the
    trajectory, the latest assessment with its rules and sources, scales, botulinum toxin
    sessions muscle by muscle, medications, diary, recordings and visits. Read as the command
    line's system identity (an admin); the export is audited as ``report.export``.

The database is ``DYSTONIA_DATABASE_URL`` or the embedded SQLite file of the data directory,
created and migrated on first use (as for ``dystonia serve``).
"""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from dystonia.cli import app
from dystonia.cli._output import check_target, write_atomic

__all__ = ["summary_command"]


@app.command("summary")
def summary_command(
    patient_id: Annotated[int, typer.Argument(metavar="PATIENT_ID", help="The patient's id.")],
    out: Annotated[
        Path, typer.Option("--out", metavar="FILE", help="Write the PDF here (required).")
    ],
) -> None:
    """A patient's clinical summary as an A4 PDF (trajectory, assessment, treatment, diary)."""
    from dystonia.records.db import Database
    from dystonia.records.service import SYSTEM, Records
    from dystonia.web.report_pdf import summary_file

    check_target(out)  # before the export is read and audited
    db = Database()
    db.migrate()
    _, pdf = summary_file(Records(db), SYSTEM, patient_id)
    write_atomic(out, pdf)
    typer.echo(f"wrote {out}: clinical summary of patient {patient_id}, {len(pdf):,} bytes")
