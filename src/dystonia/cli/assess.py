"""``dystonia assess``: classify findings from a YAML or JSON file."""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Annotated

import typer

from dystonia.cli import app
from dystonia.cli._output import print_json
from dystonia.validation import load_mapping_file


@app.command("assess")
def assess_command(
    findings_file: Annotated[Path, typer.Argument(help="Findings file (.yaml, .yml or .json).")],
    json_out: Annotated[bool, typer.Option("--json", help="Print the assessment as JSON.")] = False,
    patient: Annotated[
        bool, typer.Option("--patient", help="Print the plain-language summary for the patient.")
    ] = False,
    no_sources: Annotated[
        bool, typer.Option("--no-sources", help="Omit source citations in the text report.")
    ] = False,
) -> None:
    """Classify dystonia from findings: distribution, forms, causes, work-up, treatment, codes.

    Decision support only: it does not replace a clinician's judgement.
    """
    from dystonia.clinical import assess
    from dystonia.clinical.patient import patient_summary
    from dystonia.clinical.report import render_report

    data = load_mapping_file(findings_file)
    result = assess(data)
    if json_out:
        out = result.to_dict()
        if patient:
            out["patient_summary"] = patient_summary(result)
        print_json(out)
    elif patient:
        sys.stdout.write(patient_summary(result) + "\n")
    else:
        sys.stdout.write(render_report(result, with_sources=not no_sources) + "\n")


@app.command("demo")
def demo_command(
    folder: Annotated[
        Path, typer.Argument(help="Folder of findings files (default: the bundled examples).")
    ] = Path("examples"),
) -> None:
    """Assess every findings file in a folder and print one line per patient."""
    from rich.console import Console
    from rich.table import Table

    from dystonia.clinical import DISCLAIMER, assess
    from dystonia.exceptions import UnreadableFileError

    if not folder.is_dir():
        raise UnreadableFileError(folder, "no such folder")
    files = sorted([*folder.glob("*.yaml"), *folder.glob("*.yml"), *folder.glob("*.json")])
    if not files:
        raise UnreadableFileError(folder, "holds no .yaml, .yml or .json findings files")
    table = Table(title=f"Dystonia Workbench: {len(files)} example patients", show_lines=False)
    for column in (
        "file",
        "onset",
        "distribution",
        "forms",
        "etiology",
        "suspected",
        "work-up",
        "ICD-10-CM",
    ):
        table.add_column(column, overflow="fold")
    for path in files:
        a = assess(load_mapping_file(path))
        table.add_row(
            path.stem,
            (a.onset_band or "unknown").replace("_", " "),
            a.distribution,
            ", ".join(a.focal_forms),
            a.etiology.category,
            ", ".join(a.etiology.suspected) or "-",
            ", ".join(w["id"] for w in a.workup) or "-",
            ", ".join(a.codes["icd10cm"]) or "-",
        )
    console = Console(width=160)
    console.print(table)
    console.print(DISCLAIMER)
