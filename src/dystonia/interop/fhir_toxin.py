"""Botulinum toxin sessions: one Procedure and one MedicationAdministration per injection.

FHIR R4 ``MedicationAdministration.dosage`` is 0..1, so each injection (muscle, side, units,
guidance) is its own resource, ``partOf`` the session's Procedure. The dose is written exactly as
recorded: ``value`` = the units, ``unit`` = ``"U"``, UCUM code ``[arb'U]`` (UCUM ``U`` is the enzyme
unit, which would be wrong). Units of one botulinum toxin product are never converted into or
compared with another's, so the product is always named: in ``medicationCodeableConcept.text``
(generic and brand names) and as a coding of the project's product CodeSystem. The shared ATC code
M03AX01 is deliberately not written: it is the same for every product and would invite adding
doses across products.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from dystonia.interop.fhir_context import JSON, ExportContext, need, number, text
from dystonia.interop.fhir_terms import (
    BOTULINUM_PRODUCT_SYSTEM,
    EXT_INJECTION_GUIDANCE,
    GUIDANCE_SYSTEM,
    MUSCLE_SYSTEM,
    ROUTE_OF_ADMINISTRATION,
    UCUM,
    WORKBENCH_SYSTEM,
)
from dystonia.knowledge import botulinum

__all__ = ["toxin_entries"]

_ROUTE = {
    "coding": [
        {"system": ROUTE_OF_ADMINISTRATION, "code": "IM", "display": "Injection, intramuscular"}
    ],
    "text": "intramuscular",
}
_UNITS_POLICY = (
    "Units are product-specific and are never converted into or compared with units of another "
    "botulinum toxin product."
)


def _shown(units: int | float) -> str:
    """Units as text, exactly (``50.0`` -> ``50``, ``12.5`` stays)."""
    return str(int(units)) if float(units).is_integer() else repr(units)


def _product(name: str) -> JSON:
    """medicationCodeableConcept naming the product (project code = the stored product word)."""
    found = botulinum().product(name)
    code = "_".join(name.split())
    display = found.display if found is not None else name
    return {
        "coding": [{"system": BOTULINUM_PRODUCT_SYSTEM, "code": code, "display": display}],
        "text": display,
    }


def _muscle_label(muscle: str) -> str:
    found = botulinum().muscles.get(muscle)
    return found.label if found is not None else muscle.replace("_", " ")


def _guidance_label(guidance: str) -> str:
    labels = {str(k): v for k, v in botulinum().guidance.items()}
    return labels.get(guidance, guidance.replace("_", " "))


def _reason(session: Mapping[str, Any]) -> list[JSON] | None:
    indication = text(session.get("indication"))
    if indication is None:
        return None
    return [{"text": botulinum().indications.get(indication, indication.replace("_", " "))}]


def _warning_text(w: Any) -> str | None:
    """A stored session warning as one line: ``Session warning (severity, code): message``."""
    if not isinstance(w, Mapping):
        return text(w)
    label = ", ".join(
        str(p) for p in (w.get("severity"), w.get("code") or w.get("id")) if p not in (None, "")
    )
    message = text(w.get("message"))
    if not label and message is None:
        return None
    head = f"Session warning ({label})" if label else "Session warning"
    return f"{head}: {message}" if message is not None else head


def _injection(
    ctx: ExportContext,
    session: Mapping[str, Any],
    index: int,
    injection: Mapping[str, Any],
    procedure_ref: JSON,
) -> JSON:
    sid = session["id"]
    where = f"toxin[id={sid}].injections[{index}]"
    product = str(session["product"])
    medication = _product(product)
    muscle = str(need(injection, "muscle", where))
    side = text(injection.get("side"))
    units = number(need(injection, "units", where), f"{where}.units")
    guidance = text(injection.get("guidance"))
    label = _muscle_label(muscle)
    site_text = f"{label}, {side}" if side else label
    guidance_label = _guidance_label(guidance) if guidance else None
    body: JSON = {
        "extension": [
            {
                "url": EXT_INJECTION_GUIDANCE,
                "valueCodeableConcept": {
                    "coding": [
                        {"system": GUIDANCE_SYSTEM, "code": guidance, "display": guidance_label}
                    ],
                    "text": guidance_label,
                },
            }
        ]
        if guidance
        else None,
        "identifier": [ctx.identifier("toxin-injection", f"{sid}.{index}")],
        "status": "completed",
        "medicationCodeableConcept": medication,
        "subject": ctx.patient_ref,
        "effectiveDateTime": need(session, "date", f"toxin[id={sid}]"),
        "partOf": [procedure_ref],
        "reasonCode": _reason(session),
        "note": [{"text": f"Guidance: {guidance_label}"}] if guidance_label else None,
        "dosage": {
            "text": f"{_shown(units)} U of {medication['text']} into {site_text}",
            "site": {
                "coding": [{"system": MUSCLE_SYSTEM, "code": muscle, "display": label}],
                "text": site_text,
            },
            "route": _ROUTE,
            "dose": {"value": units, "unit": "U", "system": UCUM, "code": "[arb'U]"},
        },
    }
    return ctx.entry(
        "MedicationAdministration", "MedicationAdministration/toxin", f"{sid}.{index}", body
    )


def toxin_entries(ctx: ExportContext, session: Mapping[str, Any]) -> list[JSON]:
    """Procedure of one non-voided session, then its MedicationAdministrations in order."""
    sid = need(session, "id", "toxin[]")
    where = f"toxin[id={sid}]"
    product = str(need(session, "product", where))
    medication = _product(product)
    injections = list(session.get("injections") or [])
    total = session.get("total_units")
    dilution = session.get("dilution_units_per_ml")
    notes = [f"Product: {medication['text']}. {_UNITS_POLICY}"]
    if total is not None:
        shown = _shown(number(total, f"{where}.total_units"))
        notes.append(f"Total {shown} U of {medication['text']}.")
    if dilution is not None:
        notes.append(
            f"Dilution {_shown(number(dilution, f'{where}.dilution_units_per_ml'))} U/mL "
            f"of {medication['text']}."
        )
    notes += [w for w in (_warning_text(w) for w in session.get("warnings") or []) if w]
    sites = dict.fromkeys(
        f"{_muscle_label(str(i.get('muscle')))}, {i.get('side')}"
        if i.get("side")
        else _muscle_label(str(i.get("muscle")))
        for i in injections
    )
    guidance = dict.fromkeys(
        _guidance_label(str(i["guidance"]))
        for i in injections
        if i.get("guidance") not in (None, "", "none")
    )
    procedure: JSON = {
        "identifier": [ctx.identifier("toxin-session", sid)],
        "status": "completed",
        "code": {
            "coding": [
                {
                    "system": WORKBENCH_SYSTEM,
                    "code": "botulinum-toxin-session",
                    "display": "Botulinum toxin injection session",
                }
            ],
            "text": f"Botulinum toxin injection session ({medication['text']})",
        },
        "subject": ctx.patient_ref,
        "performedDateTime": need(session, "date", where),
        "reasonCode": _reason(session),
        "bodySite": [{"text": s} for s in sites],
        "usedCode": [{"text": g} for g in guidance],
        "note": [{"text": n} for n in notes],
    }
    proc = ctx.entry("Procedure", "Procedure/toxin", sid, procedure)
    ref = {"reference": proc["fullUrl"]}
    return [proc, *(_injection(ctx, session, i, inj, ref) for i, inj in enumerate(injections))]
