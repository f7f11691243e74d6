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
