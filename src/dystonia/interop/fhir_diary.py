"""Patient diary days as Observations (category ``survey``), one per day.

Each day is one Observation with a component for severity (0-10) and, when rated, one for pain
(0-10), both as ``valueQuantity`` in UCUM ``{score}``; the note travels as ``Observation.note``.
The patient is the performer: the diary is patient-reported.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from dystonia.interop.fhir_context import JSON, ExportContext, need, number, text
from dystonia.interop.fhir_terms import OBSERVATION_CATEGORY, UCUM, WORKBENCH_SYSTEM

__all__ = ["diary_entry"]


def _component(code: str, display: str, value: int | float) -> JSON:
    return {
        "code": {
            "coding": [{"system": WORKBENCH_SYSTEM, "code": code, "display": display}],
            "text": display,
        },
        "valueQuantity": {"value": value, "unit": "score", "system": UCUM, "code": "{score}"},
    }


def diary_entry(ctx: ExportContext, record: Mapping[str, Any]) -> JSON:
    """The Observation of one non-voided diary day."""
    rid = need(record, "id", "diary[]")
    where = f"diary[id={rid}]"
    components = [
        _component(
            "diary-severity",
            "Dystonia severity today (0-10, patient-rated)",
            number(need(record, "severity_0_10", where), f"{where}.severity_0_10"),
        )
    ]
    if record.get("pain_0_10") is not None:
        components.append(
            _component(
                "diary-pain",
                "Pain today (0-10, patient-rated)",
                number(record["pain_0_10"], f"{where}.pain_0_10"),
            )
        )
    body: JSON = {
        "identifier": [ctx.identifier("diary", rid)],
        "status": "final",
        "category": [
            {"coding": [{"system": OBSERVATION_CATEGORY, "code": "survey", "display": "Survey"}]}
        ],
        "code": {
            "coding": [
                {"system": WORKBENCH_SYSTEM, "code": "diary-day", "display": "Symptom diary day"}
            ],
            "text": "Symptom diary day",
        },
        "subject": ctx.patient_ref,
        "effectiveDateTime": need(record, "date", where),
        "performer": [ctx.patient_ref],
        "note": [{"text": text(record.get("note"))}],
        "component": components,
    }
    return ctx.entry("Observation", "Observation/diary", rid, body)
