"""Fuzz ``dystonia.interop.fhir_import.plan_import`` with atheris on JSON bytes.

See docs/fuzzing.md. Seeds: a real export of a fictional overview and the hand-written bundle
of tests/fuzz/test_fhir.py (Conditions, MedicationStatements, contained and referenced
Medications, every onset form).
"""

from __future__ import annotations

import json
import sys
from pathlib import Path

import atheris
from _harness import run

sys.path.insert(0, str(Path(__file__).resolve().parents[2]))

with atheris.instrument_imports(include=["dystonia"]):
    from dystonia.interop.fhir_import import plan_import

from tests.fuzz.test_fhir import EXPORT, HANDWRITTEN

SEEDS = {"export.json": json.dumps(EXPORT).encode(), "handwritten.json": json.dumps(HANDWRITTEN).encode()}  # fmt: skip
#: Known open defects (none: every one found so far is fixed and guarded by a test in
#: tests/fuzz); add (exception type, innermost package function) pairs here to tally one.
KNOWN: frozenset[tuple[str, str]] = frozenset()


def one_input(data: bytes) -> str | None:
    plan = plan_import(data)
    json.dumps(plan.to_dict(), allow_nan=False)
    return None


if __name__ == "__main__":
    run("fhir-import", one_input, seeds=SEEDS, known=KNOWN)
    sys.exit(0)
