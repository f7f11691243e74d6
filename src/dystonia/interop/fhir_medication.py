"""Oral and other ongoing medications as MedicationStatement.

``status`` is ``active`` without a stop date and ``completed`` ("no longer being taken") with one;
the export does not compare dates with today, so the same records always give the same bundle.
The medication is named in ``medicationCodeableConcept.text`` with its ATC code when the record
has one; the dose is the recorded free text; whether the drug blocks dopamine receptors (which
matters for tardive dystonia) is kept as a project extension.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from dystonia.interop.fhir_context import JSON, ExportContext, need, text
from dystonia.interop.fhir_terms import ATC, EXT_DOPAMINE_BLOCKER

__all__ = ["medication_entry"]


def medication_entry(ctx: ExportContext, record: Mapping[str, Any]) -> JSON:
    """The MedicationStatement of one non-voided medication record."""
    rid = need(record, "id", "medications[]")
    where = f"medications[id={rid}]"
    name = str(need(record, "name", where))
    atc = text(record.get("atc"))
    start, stop = text(record.get("start_date")), text(record.get("stop_date"))
    blocker = text(record.get("dopamine_blocker"))
    body: JSON = {
        "extension": [{"url": EXT_DOPAMINE_BLOCKER, "valueString": blocker}] if blocker else None,
        "identifier": [ctx.identifier("medication", rid)],
        "status": "completed" if stop else "active",
        "medicationCodeableConcept": {
            "coding": [{"system": ATC, "code": atc, "display": name}] if atc else None,
            "text": name,
        },
        "subject": ctx.patient_ref,
        "effectivePeriod": {"start": start, "end": stop},
        "dateAsserted": text(record.get("created_at")),
        "note": [{"text": text(record.get("note"))}],
        "dosage": [{"text": text(record.get("dose"))}],
    }
    return ctx.entry("MedicationStatement", "MedicationStatement/medication", rid, body)
