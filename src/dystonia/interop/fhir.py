"""Export one patient's records as a FHIR R4B Bundle (type ``collection``).

:func:`bundle_from_overview` is pure: it takes what :meth:`dystonia.records.service.Records.overview`
returns (a JSON-ready dict of everything on file) and gives back a JSON-ready Bundle, after
validating every resource with ``fhir.resources`` (R4B) and with the project's own checks on codes,
required bindings, units and references (:mod:`dystonia.interop.fhir_validation`). A bundle that
fails raises :class:`~dystonia.interop.fhir_validation.FhirValidationError` and is never returned.

Mapping (``docs/fhir.md``; ``../shared/research/platform.md`` section 1.1):

=====================  ===========================================================================
patient                Patient: display name as ``name.text``, birth year as ``birthDate`` "YYYY",
                       gender; no real identifiers. Demo patients: tag ``demo`` + ``HTEST`` label
                       on every resource.
assessments            Condition (provisional, problem-list-item, ICD-10-CM + SNOMED CT, HPO as
                       evidence, body sites, onset age, rules version note)
scales                 Questionnaire per scale version, QuestionnaireResponse + survey Observation
                       per result (``{score}``, subscores as components)
toxin                  Procedure per session + MedicationAdministration per injection (units as
                       recorded, ``[arb'U]``, product named)
medications            MedicationStatement
diary                  Observation per day (severity and pain components)
recordings             DocumentReference (SHA-256 as masterIdentifier) + tremor Observation
=====================  ===========================================================================

Voided records are left out: the export shares what is on file now; voided records and their
reasons stay in the workbench and its audit trail. Visits and the list of assigned clinicians
(login names) are not exported.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from dystonia.exceptions import InvalidInputError
from dystonia.interop.fhir_condition import condition_entry
from dystonia.interop.fhir_context import JSON, ExportContext, need, text
from dystonia.interop.fhir_diary import diary_entry
from dystonia.interop.fhir_medication import medication_entry
from dystonia.interop.fhir_motion import recording_entries
from dystonia.interop.fhir_scales import questionnaire_entry, scale_entries, scale_key
from dystonia.interop.fhir_toxin import toxin_entries
from dystonia.interop.fhir_validation import validate_bundle

__all__ = ["DEFAULT_BASE_URL", "bundle_from_overview"]

#: Default namespace of ids and identifier systems when the installation names none.
DEFAULT_BASE_URL = "urn:dystonia-workbench"

_GENDERS = {"female": "female", "male": "male", "other": "other", "unknown": "unknown"}


def _live(records: Any, section: str) -> list[Mapping[str, Any]]:
    """Records of one overview section that are not voided, in their order."""
    if records is None:
        return []
    if not isinstance(records, list):
        raise InvalidInputError(section, type(records).__name__, allowed="a list of records")
    out = []
    for i, record in enumerate(records):
        if not isinstance(record, Mapping):
            raise InvalidInputError(f"{section}[{i}]", type(record).__name__, allowed="an object")
        if not record.get("voided"):
            out.append(record)
    return out


def _patient_entry(ctx: ExportContext, patient: Mapping[str, Any]) -> JSON:
    birth_year = patient.get("birth_year")
    if birth_year is not None and (
        isinstance(birth_year, bool)
        or not isinstance(birth_year, int)
        or not 0 < birth_year < 10000
    ):
        raise InvalidInputError("patient.birth_year", birth_year, allowed="a year, e.g. 1980")
    sex = patient.get("sex")
    if sex is not None and sex not in _GENDERS:
        raise InvalidInputError("patient.sex", sex, allowed=sorted(_GENDERS))
    body: JSON = {
        "identifier": [ctx.identifier("patient", ctx.patient_id)],
        "name": [{"use": "usual", "text": text(patient.get("display_name"))}],
        "gender": _GENDERS.get(sex) if sex else None,
        "birthDate": f"{birth_year:04d}" if birth_year is not None else None,
    }
    return ctx.entry("Patient", "Patient", ctx.patient_id, body)


def bundle_from_overview(
    overview: Mapping[str, Any], *, base_url: str = DEFAULT_BASE_URL
) -> dict[str, Any]:
    """Everything on file for one patient as a validated FHIR R4B Bundle of type collection.

    Parameters
    ----------
    overview : mapping
        What ``Records.overview()`` returns: ``patient``, ``assessments``, ``scales``, ``toxin``,
        ``medications``, ``diary``, ``recordings`` (``clinicians`` and ``visits`` are not
        exported). Voided records are left out.
    base_url : str, optional
        ``urn:`` or ``http(s)://`` URI naming the installation. It seeds the deterministic
        ``urn:uuid`` full URLs (uuid5) and the systems of the records' own identifiers, so the same
        records always give the same bundle.

    Returns
    -------
    dict
        JSON-ready Bundle (``json.dumps`` works on it). Entries: Patient, Questionnaires,
        Conditions, then per scale result its QuestionnaireResponse and Observation, per toxin
        session its Procedure and MedicationAdministrations, MedicationStatements, diary
        Observations, per recording its DocumentReference and tremor Observation.

    Raises
    ------
    InvalidInputError
        The overview lacks a field the export needs (named in the message).
    FhirValidationError
        A resource fails ``fhir.resources`` or the project's checks (a bug: nothing is returned).

    Examples
    --------
    >>> bundle = bundle_from_overview({"patient": {"id": 7, "display_name": "Demo A", "demo": True}})
    >>> bundle["type"], [e["resource"]["resourceType"] for e in bundle["entry"]]
    ('collection', ['Patient'])
    """
    if not isinstance(overview, Mapping):
        raise InvalidInputError("overview", type(overview).__name__, allowed="an object")
    patient = need(overview, "patient", "overview")
    pid = need(patient, "id", "patient")
    if isinstance(pid, bool) or not isinstance(pid, int):
        raise InvalidInputError("patient.id", pid, allowed="an integer id")
    ctx = ExportContext(base_url=base_url, patient_id=pid, demo=bool(patient.get("demo")))

    entries: list[JSON] = [_patient_entry(ctx, patient)]
    scales = _live(overview.get("scales"), "scales")
    item_ids: dict[tuple[str, str], list[str]] = {}
    for record in scales:
        seen = item_ids.setdefault(scale_key(record), [])
        seen += [str(k) for k in record.get("items") or {} if str(k) not in seen]
    answer_types: dict[tuple[str, str], dict[str, str]] = {}
    for (scale, version), ids in item_ids.items():
        entry, types = questionnaire_entry(ctx, scale, version, ids)
        entries.append(entry)
        answer_types[(scale, version)] = types
    entries += [condition_entry(ctx, r) for r in _live(overview.get("assessments"), "assessments")]
    for record in scales:
        entries += scale_entries(ctx, record, answer_types[scale_key(record)])
    for session in _live(overview.get("toxin"), "toxin"):
        entries += toxin_entries(ctx, session)
    entries += [medication_entry(ctx, r) for r in _live(overview.get("medications"), "medications")]
    entries += [diary_entry(ctx, r) for r in _live(overview.get("diary"), "diary")]
    for record in _live(overview.get("recordings"), "recordings"):
        entries += recording_entries(ctx, record)

    bundle: JSON = {
        "resourceType": "Bundle",
        "id": ctx.uuid_for("Bundle/patient", pid),
        **({"meta": ctx.meta()} if ctx.demo else {}),
        "type": "collection",
        "entry": entries,
    }
    validate_bundle(bundle)
    return bundle
