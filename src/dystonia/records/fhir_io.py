"""Write a FHIR import into a patient's record: all of it in one transaction, or nothing.

:func:`import_bundle` takes a Bundle, lets :func:`dystonia.interop.fhir_import.plan_import` check
it and list what it holds (pure), checks every value against the record's own limits, and then
writes, in one transaction together with its audit event (action ``fhir.import``):

* each **MedicationStatement** as a :class:`~dystonia.records.models.Medication` row, flagged for
  dopamine-receptor blockade from ``knowledge/drugs.yaml`` exactly as
  :meth:`Records.add_medication <dystonia.records.service.Records.add_medication>` does;
* each **Condition** as a :class:`~dystonia.records.models.Visit` of kind ``"other"`` whose note
  says what was imported (codes, name, onset, body sites, statuses, notes). The workbench has no
  problem list: its diagnoses are assessments the rules drew from findings, and an imported code
  has no findings behind it, so storing it as an assessment would pass it off as the workbench's
  own classification. A dated note keeps it visible on the patient page without that.

Nothing is lost silently: what has no column of its own (RxNorm code, status, a partial or future
date, the name the sender used when the drug table knows it by another) goes into the note, with
the entry it came from. Every imported row's note ends with ``[fhir-import <key>]``, the content
key of its resource; a resource whose key is already on a live row of the patient is not written
again, so importing the same bundle twice adds nothing.

A bundle whose Patient has a birth year other than the patient's is refused: it is probably the
wrong patient.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from dystonia.exceptions import InvalidInputError
from dystonia.interop.fhir_import import (
    ImportedCondition,
    ImportedMedication,
    ImportPlan,
    day_of,
    plan_import,
)
from dystonia.records.models import Medication, Patient, Visit
from dystonia.records.policy import AccessDeniedError, Principal
from dystonia.records.service import NOTE_MAX, _text, medication_dict, visit_dict

if TYPE_CHECKING:
    from dystonia.records.service import Records

__all__ = ["MARKER", "import_bundle"]

#: Start of the provenance marker that ends the note of every imported row.
MARKER = "[fhir-import "


def _marker(key: str) -> str:
    return f"{MARKER}{key}]"


def _stored_day(raw: str | None) -> dt.date | None:
    """A FHIR date as a stored date: day precision, 1900 or later, not in the future."""
    day = day_of(raw)
    if day is None or day.year < 1900 or day > dt.date.today() + dt.timedelta(days=1):
        return None
    return day


def _codes(codings: Any) -> str:
    return ", ".join(c.label() for c in codings if c.code)


@dataclass(frozen=True)
class _MedicationValues:
    key: str
    label: str
    name: str
    atc: str | None
    blocker: str
    dose: str | None
    start: dt.date | None
    stop: dt.date | None
    note: str


@dataclass(frozen=True)
class _ConditionValues:
    key: str
    label: str
    day: dt.date
    note: str


def _medication_values(m: ImportedMedication) -> _MedicationValues:
    from dystonia.knowledge import drugs

    where = f"entry[{m.entry}] MedicationStatement"
    known = drugs().find(name=m.name, atc=m.atc)
    name = _text(known.name if known else m.name, f"{where}.medication (name)", max_len=100)
    assert name is not None  # plan_import guarantees a name
    start, stop = _stored_day(m.effective_start), _stored_day(m.effective_end)
    if start and stop and stop < start:
        raise InvalidInputError(
            f"{where}.effectivePeriod.end", m.effective_end, reason="is before the start"
        )
    facts = [f"status {m.status}"]
    if known and known.name != " ".join(m.name.lower().split()):
        facts.append(f"named {m.name!r} by the sender")
    codes = _codes(c for c in m.codings if not (known and c.code == known.atc))
    if codes:
        facts.append(codes)
    if m.effective_start and start is None:
        facts.append(f"start {m.effective_start} as sent")
    if m.effective_end and stop is None:
        facts.append(f"end {m.effective_end} as sent")
    lines = [
        *m.notes,
        f"Imported from FHIR MedicationStatement ({'; '.join(facts)}).",
        _marker(m.key),
    ]
    note = _text("\n".join(lines), f"{where}.note", max_len=NOTE_MAX)
    assert note is not None
    return _MedicationValues(
        key=m.key,
        label=f"{where} ({m.name})",
        name=name,
        atc=known.atc if known else m.atc,
        blocker=known.blocker if known else "unknown",
        dose=_text(m.dosage, f"{where}.dosage", max_len=100),
        start=start,
        stop=stop,
        note=note,
    )


def _onset_words(c: ImportedCondition) -> str | None:
    if c.onset_age_years is not None:
        return f"onset at age {c.onset_age_years:g} years"
    if c.onset_date:
        return f"onset {c.onset_date}"
    if c.onset_text:
        return f"onset {c.onset_text}"
    return None


def _condition_values(c: ImportedCondition) -> _ConditionValues:
    where = f"entry[{c.entry}] Condition"
    codes = _codes(c.codings)
    facts = [
        _onset_words(c),
        ("body site " + ", ".join(c.body_sites)) if c.body_sites else None,
        f"clinical status {c.clinical_status}" if c.clinical_status else None,
        f"verification {c.verification_status}" if c.verification_status else None,
        f"abated {c.abatement}" if c.abatement else None,
        f"recorded {c.recorded_date}" if c.recorded_date else None,
    ]
    head = f"Imported condition: {c.display}"
    if codes and codes != c.display:
        head += f" [{codes}]"
    summary = "; ".join([head, *(f for f in facts if f)]) + "."
    note = _text("\n".join([summary, *c.notes, _marker(c.key)]), f"{where}.note", max_len=NOTE_MAX)
    assert note is not None
    return _ConditionValues(
        key=c.key,
        label=f"{where} ({c.display})",
        day=_stored_day(c.recorded_date) or dt.date.today(),
        note=note,
    )


def _check_patient(plan: ImportPlan, p: Patient) -> None:
    sent = plan.patient
    if sent is None or sent.birth_year is None or p.birth_year is None:
        return
    if sent.birth_year != p.birth_year:
        raise InvalidInputError(
            f"entry[{sent.entry}] Patient.birthDate",
            sent.birth_date,
            reason=f"birth year {sent.birth_year} differs from the patient's ({p.birth_year}):"
            " is this the right patient? Nothing was imported",
        )


def _keys_on_file(s: Session, patient_id: int) -> set[str]:
    keys: set[str] = set()
    for model in (Medication, Visit):
        notes = s.execute(
            select(model.note).where(
                model.patient_id == patient_id,
                model.voided_at.is_(None),
                model.note.contains(MARKER, autoescape=True),
            )
        ).scalars()
        for note in notes:
            if note is None:  # pragma: no cover - excluded by the query
                continue
            start = note.rfind(MARKER)
            end = note.find("]", start)
            if start >= 0 and end > start:
                keys.add(note[start + len(MARKER) : end])
    return keys


def import_bundle(
    records: Records,
    who: Principal,
    patient_id: int,
    bundle: Mapping[str, Any] | str | bytes,
) -> dict[str, Any]:
    """Import a bundle's Conditions and MedicationStatements into one patient's record.

    Parameters
    ----------
    records : Records
        The records service (its policy check and audit are used).
    who : Principal
        Who imports; needs ``fhir.import`` on the patient (admins, assigned clinicians).
    patient_id : int
        The patient the bundle is imported into.
    bundle : dict, str or bytes
        A FHIR R4/R4B Bundle (see :func:`dystonia.interop.fhir_import.plan_import`).

    Returns
    -------
    dict
        ``patient_id``; ``medications`` and ``conditions``: the rows written (as
        :func:`~dystonia.records.service.medication_dict` and ``visit_dict`` give them; an
        imported condition is a visit of kind ``other``); ``already_imported``: entries whose
        content is already on file (not written again); ``skipped``: the plan's skipped entries.

    Raises
    ------
    InvalidInputError
        Anything malformed (naming the entry and path), a value beyond the record's limits, or
        a Patient whose birth year differs. Nothing is written.
    NotFoundError, AccessDeniedError
        As for every patient-scoped action (audited as denied); AccessDeniedError also for the
        command line's :data:`~dystonia.records.service.SYSTEM` identity, which has no account
        to author clinical rows.
    """
    if who.is_system:
        raise AccessDeniedError(
            "the command line's system identity cannot author clinical records; "
            "import as a named admin or clinician account"
        )
    plan = plan_import(bundle)
    medications = [_medication_values(m) for m in plan.medications]
    conditions = [_condition_values(c) for c in plan.conditions]

    def work(s: Session, p: Patient) -> tuple[dict[str, Any], object]:
        _check_patient(plan, p)
        seen = _keys_on_file(s, p.id)
        already: list[str] = []
        med_rows: list[Medication] = []
        visit_rows: list[Visit] = []
        for m in medications:
            if m.key in seen:
                already.append(m.label)
                continue
            seen.add(m.key)
            med_rows.append(
                Medication(
                    patient_id=p.id,
                    name=m.name,
                    atc=m.atc,
                    dopamine_blocker=m.blocker,
                    dose=m.dose,
                    start_date=m.start,
                    stop_date=m.stop,
                    note=m.note,
                    created_by=who.user_id,
                )
            )
        for c in conditions:
            if c.key in seen:
                already.append(c.label)
                continue
            seen.add(c.key)
            visit_rows.append(
                Visit(
                    patient_id=p.id,
                    visit_date=c.day,
                    kind="other",
                    note=c.note,
                    created_by=who.user_id,
                )
            )
        s.add_all([*med_rows, *visit_rows])
        s.flush()
        result = {
            "patient_id": p.id,
            "medications": [medication_dict(r) for r in med_rows],
            "conditions": [visit_dict(r) for r in visit_rows],
            "already_imported": already,
            "skipped": list(plan.skipped),
        }
        return result, f"medications:{len(med_rows)},conditions:{len(visit_rows)}"

    return records._patient_scoped(who, "fhir.import", patient_id, "fhir", work)
