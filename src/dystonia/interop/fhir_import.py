"""Read Conditions and MedicationStatements out of a FHIR R4/R4B Bundle (pure: no database).

:func:`plan_import` checks a Bundle and returns an :class:`ImportPlan`: what would be imported,
and what is left out and why. Nothing is written; :func:`dystonia.records.fhir_io.import_bundle`
writes a plan into a patient's record in one transaction.

Checks, in order (the first problem raises :class:`~dystonia.exceptions.InvalidInputError`
naming the entry index, its resource type and the path inside the resource; never a traceback):

1. the input is JSON (a dict, text or bytes, at most :data:`MAX_BUNDLE_BYTES`) of a ``Bundle``;
2. the Bundle's own elements and every entry validate against the ``fhir.resources.R4B`` models,
   and so does every resource whose type R4B knows (R4-only types, which R4B replaced, are
   skipped unvalidated; an unknown type is an error with the closest R4B name);
3. for the imported types: required status bindings (``MedicationStatement.status``,
   ``Condition.clinicalStatus``/``verificationStatus`` codes of their HL7 systems), the syntax of
   ICD-10-CM codes, SNOMED CT identifiers (Verhoeff check digit) and ATC codes, dates that are
   real calendar dates, a name for every medication and a code or text for every condition,
   references to Medication resources that resolve (in the bundle or ``contained``);
4. all imported resources concern one patient (their ``subject`` references agree).

Imported:

=======================  ========================================================================
Condition                every coding (ICD-10-CM and SNOMED CT named; other systems kept with
                         their URI), ``code.text``, onset (age in years, date/dateTime, period
                         start, string or range as text), abatement, body sites (text or
                         coding display), clinical and verification status, ``recordedDate``,
                         notes
MedicationStatement      name (``medicationCodeableConcept.text``, else a coding's display, else
                         the referenced Medication's), ATC and RxNorm codes, dosage (text, or a
                         rendering of the structured dose and timing), effective start/end as
                         written (partial dates kept), status, notes
=======================  ========================================================================

Skipped (listed in :attr:`ImportPlan.skipped`, not an error): every other resource type (the
Patient is read for :attr:`ImportPlan.patient`; Medication resources referenced by an imported
statement are used, not skipped), entries without a resource, Conditions and statements
``entered-in-error``, and statements ``not-taken`` (the patient does not take that drug).

Every imported item carries a content key (SHA-256 of the resource without ``id``, ``meta`` and
narrative ``text``), so that importing the same bundle twice can be recognised.

References
----------
.. [1] HL7 FHIR R4B (4.3.0): Condition, MedicationStatement, Bundle.
   https://hl7.org/fhir/R4B/condition.html, https://hl7.org/fhir/R4B/medicationstatement.html
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import re
from collections.abc import Mapping
from dataclasses import asdict, dataclass
from typing import Any

from dystonia.exceptions import InvalidInputError
from dystonia.interop.fhir_models import (
    contained_type_problem,
    is_resource_type,
    model_problem,
    plain,
    readable_failures,
    resource_type_reason,
)
from dystonia.interop.fhir_terms import (
    ATC,
    CONDITION_CLINICAL,
    CONDITION_VER_STATUS,
    ICD10CM,
    REQUIRED_STATUS,
    SNOMED,
    check_code,
)

__all__ = [
    "MAX_BUNDLE_BYTES",
    "MAX_BUNDLE_ELEMENTS",
    "RXNORM",
    "ImportPlan",
    "ImportedCoding",
    "ImportedCondition",
    "ImportedMedication",
    "ImportedPatient",
    "day_of",
    "plan_import",
    "system_label",
]

#: Largest bundle accepted as text or bytes (a 10-year record with a daily diary is ~10 MiB).
MAX_BUNDLE_BYTES = 32 * 1024 * 1024

#: Most JSON objects, arrays and values (counted as ``{``, ``[`` and ``,``) in bundle text.
#: Parsed JSON takes ~3.6x its text for real bundles (~26,000 elements per MiB) but up to ~25x
#: for text made of empty objects; this bound keeps the parsed form under ~150 MB.
MAX_BUNDLE_ELEMENTS = 1_000_000

RXNORM = "http://www.nlm.nih.gov/research/umls/rxnorm"
ICD10_WHO = "http://hl7.org/fhir/sid/icd-10"

_LABELS = {
    ICD10CM: "ICD-10-CM",
    ICD10_WHO: "ICD-10",
    SNOMED: "SNOMED CT",
    ATC: "ATC",
    RXNORM: "RxNorm",
    "http://human-phenotype-ontology.org": "HPO",
}

#: R4 resource types that R4B replaced (medication definition and evidence modules): skipped
#: without validation, since the R4B models cannot read them.
R4_ONLY_TYPES = frozenset(
    {
        "EffectEvidenceSynthesis",
        "MedicinalProduct",
        "MedicinalProductAuthorization",
        "MedicinalProductContraindication",
        "MedicinalProductIndication",
        "MedicinalProductIngredient",
        "MedicinalProductInteraction",
        "MedicinalProductManufactured",
        "MedicinalProductPackaged",
        "MedicinalProductPharmaceutical",
        "MedicinalProductUndesirableEffect",
        "RiskEvidenceSynthesis",
        "SubstanceSpecification",
    }
)

_DATE_RE = re.compile(r"^(\d{4})(-(\d{2})(-(\d{2}))?)?")
_CLINICAL = frozenset({"active", "recurrence", "relapse", "inactive", "remission", "resolved"})
_VERIFICATION = frozenset(
    {"unconfirmed", "provisional", "differential", "confirmed", "refuted", "entered-in-error"}
)


def system_label(system: str | None) -> str:
    """Short name of a code system (``"ICD-10-CM"``, ``"SNOMED CT"``...), else its URI."""
    if not system:
        return "(no system)"
    return _LABELS.get(system, system)


# ---------------------------------------------------------------------------------- results
@dataclass(frozen=True)
class ImportedCoding:
    """One coding as the sender wrote it (system URI, code, display)."""

    system: str | None
    code: str | None
    display: str | None = None

    def label(self) -> str:
        """``"ICD-10-CM G24.3"``; the display is not included."""
        return f"{system_label(self.system)} {self.code or '-'}"


@dataclass(frozen=True)
class ImportedCondition:
    """A Condition as it will be stored.

    Attributes
    ----------
    entry : int
        Index of the bundle entry.
    full_url : str or None
        The entry's ``fullUrl``.
    codings : tuple of ImportedCoding
        Every coding of ``Condition.code``.
    text : str or None
        ``Condition.code.text``.
    onset_age_years : float or None
        ``onsetAge`` in years (UCUM ``a``).
    onset_date : str or None
        ``onsetDateTime`` or ``onsetPeriod.start`` as written (may be partial: ``"2019"``).
    onset_text : str or None
        ``onsetString``, or ``onsetRange`` / ``onsetAge`` in other units as text.
    body_sites : tuple of str
        ``bodySite[]`` as text (the text, else the first coding's display or code).
    clinical_status, verification_status : str or None
        Codes of the HL7 condition-clinical and condition-ver-status systems.
    abatement : str or None
        ``abatementDateTime``/``abatementPeriod.start`` as written, or ``abatementAge`` /
        ``abatementString`` as text (when the condition resolved or went into remission).
    recorded_date : str or None
        ``recordedDate`` as written.
    notes : tuple of str
        ``note[].text``.
    key : str
        Content key (16 hex digits of a SHA-256), the same for the same resource.
    """

    entry: int
    full_url: str | None
    codings: tuple[ImportedCoding, ...]
    text: str | None
    onset_age_years: float | None
    onset_date: str | None
    onset_text: str | None
    body_sites: tuple[str, ...]
    clinical_status: str | None
    verification_status: str | None
    recorded_date: str | None
    notes: tuple[str, ...]
    key: str
    abatement: str | None = None

    @property
    def icd10cm(self) -> tuple[str, ...]:
        """The ICD-10-CM codes."""
        return tuple(c.code for c in self.codings if c.system == ICD10CM and c.code)

    @property
    def snomed(self) -> tuple[str, ...]:
        """The SNOMED CT concept ids."""
        return tuple(c.code for c in self.codings if c.system == SNOMED and c.code)

    @property
    def display(self) -> str:
        """What the condition is called: ``code.text``, else a coding's display, else codes."""
        if self.text:
            return self.text
        for c in self.codings:
            if c.display:
                return c.display
        return ", ".join(c.label() for c in self.codings)


@dataclass(frozen=True)
class ImportedMedication:
    """A MedicationStatement as it will be stored.

    Attributes
    ----------
    entry : int
        Index of the bundle entry.
    full_url : str or None
    name : str
        The medication as the sender named it.
    codings : tuple of ImportedCoding
        Every coding of the medication concept.
    atc, rxnorm : str or None
        The first ATC and RxNorm codes, when present.
    dosage : str or None
        ``dosage[].text`` (or a rendering of the structured dose), joined with ``"; "``.
    effective_start, effective_end : str or None
        ``effectiveDateTime`` / ``effectivePeriod.start`` and ``effectivePeriod.end``, as written.
    status : str
        ``MedicationStatement.status``.
    notes : tuple of str
    key : str
        Content key, as for :class:`ImportedCondition`.
    """

    entry: int
    full_url: str | None
    name: str
    codings: tuple[ImportedCoding, ...]
    atc: str | None
    rxnorm: str | None
    dosage: str | None
    effective_start: str | None
    effective_end: str | None
    status: str
    notes: tuple[str, ...]
    key: str

    @property
    def start_date(self) -> dt.date | None:
        """The start as a calendar day, or None when absent or coarser than a day."""
        return day_of(self.effective_start)

    @property
    def end_date(self) -> dt.date | None:
        """The end as a calendar day, or None when absent or coarser than a day."""
        return day_of(self.effective_end)


@dataclass(frozen=True)
class ImportedPatient:
    """The Patient the imported resources refer to, when the bundle holds it."""

    entry: int
    name: str | None
    birth_date: str | None
    gender: str | None

    @property
    def birth_year(self) -> int | None:
        """Year of ``birthDate``."""
        m = _DATE_RE.match(self.birth_date or "")
        return int(m.group(1)) if m else None


@dataclass(frozen=True)
class ImportPlan:
    """What a bundle holds for the import: nothing has been written.

    Attributes
    ----------
    conditions : list of ImportedCondition
    medications : list of ImportedMedication
    skipped : list of str
        One line per entry left out, e.g. ``"entry[4] Procedure: not imported"``.
    patient : ImportedPatient or None
        The Patient the imported resources refer to, if it is in the bundle.
    """

    conditions: list[ImportedCondition]
    medications: list[ImportedMedication]
    skipped: list[str]
    patient: ImportedPatient | None = None
    bundle_type: str | None = None

    def to_dict(self) -> dict[str, Any]:
        """Plain-JSON form."""
        return asdict(self)


def day_of(value: str | None) -> dt.date | None:
    """The calendar day of a FHIR date or dateTime (as written, in its own offset), or None.

    ``"2020-03-05T23:30:00-05:00"`` is 5 March 2020; ``"2020"`` and ``"2020-03"`` have no day.
    """
    if not value or len(value) < 10:
        return None
    return dt.date.fromisoformat(value[:10])


# ---------------------------------------------------------------------------------- reading
def _load(bundle: Mapping[str, Any] | str | bytes) -> Mapping[str, Any]:
    if isinstance(bundle, Mapping):
        data: Any = bundle
    elif isinstance(bundle, str | bytes | bytearray):
        if len(bundle) > MAX_BUNDLE_BYTES:
            raise InvalidInputError(
                "bundle", f"{len(bundle)} bytes", allowed=f"at most {MAX_BUNDLE_BYTES >> 20} MiB"
            )
        if isinstance(bundle, str):
            elements = bundle.count("{") + bundle.count("[") + bundle.count(",")
        else:
            elements = bundle.count(b"{") + bundle.count(b"[") + bundle.count(b",")
        if elements > MAX_BUNDLE_ELEMENTS:
            raise InvalidInputError(
                "bundle",
                None,
                reason=f"has {elements} JSON elements; at most {MAX_BUNDLE_ELEMENTS} are read",
            )
        with readable_failures(_bundle_error):  # deep nesting, 4300-digit integers
            try:
                raw = (
                    bundle.decode("utf-8-sig") if isinstance(bundle, bytes | bytearray) else bundle
                )
                data = json.loads(raw, parse_constant=_no_constant)
            except UnicodeDecodeError as exc:
                raise InvalidInputError(
                    "bundle", None, reason=f"is not UTF-8 text (byte {exc.start})"
                ) from None
            except json.JSONDecodeError as exc:
                raise InvalidInputError(
                    "bundle", None, reason=f"is not JSON: {exc.msg} at line {exc.lineno}"
                ) from None
    else:
        raise InvalidInputError(
            "bundle", type(bundle).__name__, allowed="a JSON object, JSON text or bytes"
        )
    if not isinstance(data, Mapping):
        raise InvalidInputError("bundle", type(data).__name__, reason="is not a JSON object")
    if data.get("resourceType") != "Bundle":
        raise InvalidInputError(
            "bundle.resourceType", plain(data.get("resourceType")), reason="is not 'Bundle'"
        )
    return data


def _bundle_error(reason: str) -> InvalidInputError:
    return InvalidInputError("bundle", None, reason=reason)


def _no_constant(name: str) -> Any:
    raise InvalidInputError("bundle", name, reason=f"{name} is not JSON")


class _Where:
    """Names a place in the bundle for error messages: ``entry[3] Condition.code``."""

    def __init__(self, index: int, resource_type: str) -> None:
        self.index = index
        self.rt = resource_type

    def name(self, path: str) -> str:
        return f"entry[{self.index}] {self.rt}.{path}" if path else f"entry[{self.index}] {self.rt}"

    def error(self, path: str, value: Any = None, *, reason: str) -> InvalidInputError:
        return InvalidInputError(self.name(path), value, reason=reason)


def _validate_model(where: _Where, resource: Mapping[str, Any]) -> None:
    from fhir.resources.R4B import get_fhir_model_class

    contained = contained_type_problem(resource)
    if contained is not None:
        path, value, reason = contained
        raise where.error(path, value, reason=reason)
    problem = model_problem(get_fhir_model_class(where.rt), resource)
    if problem is not None:
        path, msg, value = problem
        shown = "" if value is None else f" ({value!r:.60})"
        raise where.error(path, reason=msg + shown)


def _validate_shell(data: Mapping[str, Any], entries: list[Any]) -> None:
    from fhir.resources.R4B import get_fhir_model_class
    from fhir.resources.R4B.bundle import BundleEntry

    shell = {k: v for k, v in data.items() if k != "entry"}
    problem = model_problem(get_fhir_model_class("Bundle"), shell)
    if problem is not None:
        path, msg, _ = problem
        raise InvalidInputError(f"bundle.{path}" if path else "bundle", reason=msg)
    for i, entry in enumerate(entries):
        if not isinstance(entry, Mapping):
            raise InvalidInputError(f"entry[{i}]", type(entry).__name__, reason="is not an object")
        problem = model_problem(BundleEntry, {k: v for k, v in entry.items() if k != "resource"})
        if problem is not None:
            path, msg, _ = problem
            raise InvalidInputError(f"entry[{i}].{path}" if path else f"entry[{i}]", reason=msg)


# ---------------------------------------------------------------------------------- elements
def _text(value: Any) -> str | None:
    return value.strip() if isinstance(value, str) and value.strip() else None


def _codings(where: _Where, concept: Any, path: str) -> tuple[ImportedCoding, ...]:
    if not isinstance(concept, Mapping):
        return ()
    out = []
    for i, c in enumerate(concept.get("coding") or []):
        system, code = _text(c.get("system")), _text(c.get("code"))
        if system in (ICD10CM, SNOMED, ATC) and code is not None:
            problem = check_code(system, code)
            if problem:
                raise where.error(f"{path}.coding[{i}].code", code, reason=f"{code!r} {problem}")
        out.append(ImportedCoding(system, code, _text(c.get("display"))))
    return tuple(out)


def _concept_text(concept: Any) -> str | None:
    if not isinstance(concept, Mapping):
        return None
    found = _text(concept.get("text"))
    if found:
        return found
    for c in concept.get("coding") or []:
        found = _text(c.get("display"))
        if found:
            return found
    return None


def _status_code(where: _Where, resource: Mapping[str, Any], element: str) -> str | None:
    system, allowed = (
        (CONDITION_CLINICAL, _CLINICAL)
        if element == "clinicalStatus"
        else (CONDITION_VER_STATUS, _VERIFICATION)
    )
    concept = resource.get(element)
    if not isinstance(concept, Mapping):
        return None
    for i, c in enumerate(concept.get("coding") or []):
        if c.get("system") == system:
            code = c.get("code")
            if code not in allowed:
                raise where.error(
                    f"{element}.coding[{i}].code",
                    code,
                    reason=f"{code!r} is not allowed; allowed: " + ", ".join(sorted(allowed)),
                )
            return str(code)
    raise where.error(element, reason=f"needs a coding of {system} (required binding)")


def _date(where: _Where, value: Any, path: str) -> str | None:
    text = _text(value)
    if text is None:
        return None
    m = _DATE_RE.match(text)
    if m is None:  # pragma: no cover - fhir.resources checks the syntax first
        raise where.error(path, text, reason=f"{text!r} is not a FHIR date")
    year, month, day = (int(g) if g else None for g in (m.group(1), m.group(3), m.group(5)))
    try:
        dt.date(year or 1, month or 1, day or 1)
    except ValueError:
        raise where.error(path, text, reason=f"{text!r} is not a calendar date") from None
    return text


def _quantity_text(q: Any) -> str | None:
    if not isinstance(q, Mapping) or q.get("value") is None:
        return None
    unit = _text(q.get("unit")) or _text(q.get("code"))
    value = q["value"]
    value_text = format(value, "g") if isinstance(value, float) else str(value)
    return f"{q.get('comparator', '')}{value_text} {unit or ''}".strip()


def _onset(where: _Where, r: Mapping[str, Any]) -> tuple[float | None, str | None, str | None]:
    age = r.get("onsetAge")
    if isinstance(age, Mapping):
        if age.get("code") == "a" and isinstance(age.get("value"), int | float):
            return float(age["value"]), None, None
        return None, None, "age " + (_quantity_text(age) or "not stated")
    if "onsetDateTime" in r:
        return None, _date(where, r["onsetDateTime"], "onsetDateTime"), None
    period = r.get("onsetPeriod")
    if isinstance(period, Mapping):
        start = _date(where, period.get("start"), "onsetPeriod.start")
        end = _date(where, period.get("end"), "onsetPeriod.end")
        return None, start, None if start else (f"before {end}" if end else None)
    rng = r.get("onsetRange")
    if isinstance(rng, Mapping):
        low, high = _quantity_text(rng.get("low")), _quantity_text(rng.get("high"))
        return None, None, f"age {low or '?'} to {high or '?'}"
    return None, None, _text(r.get("onsetString"))


def _abatement(where: _Where, r: Mapping[str, Any]) -> str | None:
    if "abatementDateTime" in r:
        return _date(where, r["abatementDateTime"], "abatementDateTime")
    period = r.get("abatementPeriod")
    if isinstance(period, Mapping) and period.get("start"):
        return _date(where, period.get("start"), "abatementPeriod.start")
    age = r.get("abatementAge")
    if isinstance(age, Mapping):
        return "at age " + (_quantity_text(age) or "not stated")
    return _text(r.get("abatementString"))


def _notes(r: Mapping[str, Any]) -> tuple[str, ...]:
    return tuple(t for n in r.get("note") or [] if (t := _text(n.get("text"))))


def _key(resource: Mapping[str, Any]) -> str:
    content = {k: v for k, v in resource.items() if k not in ("id", "meta", "text")}
    blob = json.dumps(content, sort_keys=True, separators=(",", ":"), ensure_ascii=False)
    return hashlib.sha256(blob.encode("utf-8")).hexdigest()[:16]


def _condition(where: _Where, full_url: str | None, r: Mapping[str, Any]) -> ImportedCondition:
    codings = _codings(where, r.get("code"), "code")
    code_text = _text((r.get("code") or {}).get("text"))
    if not code_text and not any(c.code or c.display for c in codings):
        raise where.error("code", reason="has no code, display or text: nothing says what it is")
    age, onset_date, onset_text = _onset(where, r)
    sites = []
    for i, site in enumerate(r.get("bodySite") or []):
        label = _concept_text(site) or next(
            (c.code for c in _codings(where, site, f"bodySite[{i}]") if c.code), None
        )
        if label:
            sites.append(label)
    return ImportedCondition(
        entry=where.index,
        full_url=full_url,
        codings=codings,
        text=code_text,
        onset_age_years=age,
        onset_date=onset_date,
        onset_text=onset_text,
        body_sites=tuple(sites),
        clinical_status=_status_code(where, r, "clinicalStatus"),
        verification_status=_status_code(where, r, "verificationStatus"),
        recorded_date=_date(where, r.get("recordedDate"), "recordedDate"),
        notes=_notes(r),
        key=_key(r),
        abatement=_abatement(where, r),
    )


def _timing_text(timing: Any) -> str | None:
    if not isinstance(timing, Mapping):
        return None
    code_text = _concept_text(timing.get("code"))
    if code_text:
        return code_text
    rep = timing.get("repeat") or {}
    freq, period, unit = rep.get("frequency"), rep.get("period"), rep.get("periodUnit")
    if freq is None or period is None or unit is None:
        return None
    return f"{freq} per {format(period, 'g') if isinstance(period, float) else period} {unit}"


def _dosage_text(d: Mapping[str, Any]) -> str | None:
    text = _text(d.get("text"))
    if text:
        return text
    parts = []
    for dr in d.get("doseAndRate") or []:
        dose = _quantity_text(dr.get("doseQuantity"))
        if dose:
            parts.append(dose)
            break
    for part in (_timing_text(d.get("timing")), _concept_text(d.get("route"))):
        if part:
            parts.append(part)
    if d.get("asNeededBoolean") is True:
        parts.append("as needed")
    return " ".join(parts) or None


def _resolve_medication(
    where: _Where,
    r: Mapping[str, Any],
    by_ref: Mapping[str, tuple[int, Mapping[str, Any]]],
    used: set[int],
) -> Mapping[str, Any]:
    """The medication concept: the statement's own, or the referenced Medication's code."""
    concept = r.get("medicationCodeableConcept")
    if isinstance(concept, Mapping):
        return concept
    ref = _text((r.get("medicationReference") or {}).get("reference"))
    if ref is None:
        raise where.error("medicationReference", reason="has no reference (only a display)")
    if ref.startswith("#"):
        for c in r.get("contained") or []:
            if c.get("resourceType") == "Medication" and c.get("id") == ref[1:]:
                return c.get("code") or {}
        raise where.error("medicationReference.reference", ref, reason=f"{ref!r} is not contained")
    found = by_ref.get(ref)
    if found is None or found[1].get("resourceType") != "Medication":
        raise where.error(
            "medicationReference.reference",
            ref,
            reason=f"{ref!r} is not a Medication in the bundle",
        )
    used.add(found[0])
    return found[1].get("code") or {}


def _medication(
    where: _Where,
    full_url: str | None,
    r: Mapping[str, Any],
    by_ref: Mapping[str, tuple[int, Mapping[str, Any]]],
    used: set[int],
) -> ImportedMedication:
    status = str(r.get("status"))
    allowed = REQUIRED_STATUS["MedicationStatement"]
    if status not in allowed:
        raise where.error(
            "status",
            status,
            reason=f"{status!r} is not allowed; allowed: " + ", ".join(sorted(allowed)),
        )
    concept = _resolve_medication(where, r, by_ref, used)
    path = "medicationCodeableConcept" if "medicationCodeableConcept" in r else "medication"
    codings = _codings(where, concept, path)
    name = _concept_text(concept)
    if name is None:
        raise where.error(path, reason="names no medication (no text and no coding display)")
    start = end = None
    if "effectiveDateTime" in r:
        start = _date(where, r["effectiveDateTime"], "effectiveDateTime")
    period = r.get("effectivePeriod")
    if isinstance(period, Mapping):
        start = _date(where, period.get("start"), "effectivePeriod.start")
        end = _date(where, period.get("end"), "effectivePeriod.end")
    dosages = [t for d in r.get("dosage") or [] if (t := _dosage_text(d))]
    return ImportedMedication(
        entry=where.index,
        full_url=full_url,
        name=name,
        codings=codings,
        atc=next((c.code for c in codings if c.system == ATC and c.code), None),
        rxnorm=next((c.code for c in codings if c.system == RXNORM and c.code), None),
        dosage="; ".join(dosages) or None,
        effective_start=start,
        effective_end=end,
        status=status,
        notes=_notes(r),
        key=_key(r),
    )


def _patient(index: int, r: Mapping[str, Any]) -> ImportedPatient:
    names = r.get("name") or []
    name = None
    if names:
        first = names[0]
        name = _text(first.get("text")) or _text(
            " ".join([*(first.get("given") or []), first.get("family") or ""])
        )
    return ImportedPatient(index, name, _text(r.get("birthDate")), _text(r.get("gender")))


# ---------------------------------------------------------------------------------- the plan
def plan_import(bundle: Mapping[str, Any] | str | bytes) -> ImportPlan:
    """Check a FHIR R4/R4B Bundle and list the Conditions and MedicationStatements it holds.

    Parameters
    ----------
    bundle : dict, str or bytes
        The Bundle as parsed JSON, JSON text or UTF-8 bytes (any ``Bundle.type``: collection,
        document, transaction, searchset...).

    Returns
    -------
    ImportPlan
        What would be imported and what is skipped. Nothing is written.

    Raises
    ------
    InvalidInputError
        The first problem, naming the entry index, its resource type and the path inside the
        resource (``entry[3] MedicationStatement.effectivePeriod.start: ...``).

    Examples
    --------
    >>> plan = plan_import({"resourceType": "Bundle", "type": "collection", "entry": [
    ...     {"resource": {"resourceType": "MedicationStatement", "status": "active",
    ...                   "subject": {"reference": "Patient/1"},
    ...                   "medicationCodeableConcept": {"text": "clonazepam"}}}]})
    >>> [m.name for m in plan.medications], plan.skipped
    (['clonazepam'], [])
    """
    with readable_failures(_bundle_error):  # deep nesting, numbers beyond what Python converts
        return _plan(bundle)


def _plan(bundle: Mapping[str, Any] | str | bytes) -> ImportPlan:
    data = _load(bundle)
    entries = data.get("entry")
    entries = [] if entries is None else entries
    if not isinstance(entries, list):
        raise InvalidInputError("bundle.entry", type(entries).__name__, reason="is not a list")
    _validate_shell(data, entries)

    # Pass 1: resource types, R4B validation, and an index of references for pass 2.
    by_ref: dict[str, tuple[int, Mapping[str, Any]]] = {}
    typed: list[tuple[int, str, Mapping[str, Any]] | None] = []
    skipped: list[str] = []
    for i, entry in enumerate(entries):
        resource = entry.get("resource")
        if resource is None:
            skipped.append(f"entry[{i}]: no resource")
            typed.append(None)
            continue
        if not isinstance(resource, Mapping):
            raise InvalidInputError(f"entry[{i}].resource", reason="is not an object")
        rt = resource.get("resourceType")
        if not isinstance(rt, str) or not rt:
            raise InvalidInputError(
                f"entry[{i}].resource.resourceType",
                plain(rt),
                reason="is missing" if rt in (None, "") else "must be the name of a resource type",
            )
        if rt in R4_ONLY_TYPES:
            skipped.append(f"entry[{i}] {rt}: an R4 type that R4B replaced; not read")
            typed.append(None)
            continue
        if not is_resource_type(rt):
            raise InvalidInputError(
                f"entry[{i}].resource.resourceType", plain(rt), reason=resource_type_reason(rt)
            )
        _validate_model(_Where(i, rt), resource)
        typed.append((i, rt, resource))
        full_url = _text(entry.get("fullUrl"))
        if full_url:
            by_ref[full_url] = (i, resource)
        if isinstance(resource.get("id"), str):
            by_ref[f"{rt}/{resource['id']}"] = (i, resource)
            if full_url and full_url.endswith(f"/{rt}/{resource['id']}"):
                by_ref[full_url] = (i, resource)

    # Pass 2: the resources we import.
    conditions: list[ImportedCondition] = []
    medications: list[ImportedMedication] = []
    subjects: dict[str, int] = {}  # resolved subject -> first entry naming it
    used: set[int] = set()
    patients: dict[int, ImportedPatient] = {}
    deferred: list[tuple[int, str]] = []
    for item in typed:
        if item is None:
            continue
        i, rt, r = item
        where = _Where(i, rt)
        full_url = _text(entries[i].get("fullUrl"))
        if rt == "Patient":
            patients[i] = _patient(i, r)
            skipped.append(f"entry[{i}] Patient: read to name the patient; not imported")
            continue
        if rt == "Condition":
            if _status_code(where, r, "verificationStatus") == "entered-in-error":
                skipped.append(f"entry[{i}] Condition: entered-in-error")
                continue
            conditions.append(_condition(where, full_url, r))
        elif rt == "MedicationStatement":
            if r.get("status") in ("entered-in-error", "not-taken"):
                why = (
                    "not-taken (the patient does not take it)"
                    if r["status"] == "not-taken"
                    else r["status"]
                )
                skipped.append(f"entry[{i}] MedicationStatement: {why}")
                continue
            medications.append(_medication(where, full_url, r, by_ref, used))
        else:
            deferred.append((i, rt))
            continue
        ref = _text((r.get("subject") or {}).get("reference"))
        if ref is not None:
            target = by_ref.get(ref)
            resolved = f"entry[{target[0]}]" if target else ref
            subjects.setdefault(resolved, i)
            if len(subjects) > 1:
                other = next(s for s in subjects if s != resolved)
                raise where.error(
                    "subject.reference",
                    ref,
                    reason=f"{ref!r} is another patient than the subject of entry[{subjects[other]}]"
                    f" ({other}); a bundle is imported into one patient",
                )
    skipped.extend(
        f"entry[{i}] {rt}: not imported"
        for i, rt in deferred
        if not (rt == "Medication" and i in used)
    )
    skipped.sort(key=_entry_order)
    patient = None
    if subjects:
        (resolved,) = subjects
        m = re.fullmatch(r"entry\[(\d+)\]", resolved)
        if m is not None:
            patient = patients.get(int(m.group(1)))
    elif len(patients) == 1:
        patient = next(iter(patients.values()))
    return ImportPlan(
        conditions=conditions,
        medications=medications,
        skipped=skipped,
        patient=patient,
        bundle_type=_text(data.get("type")),
    )


def _entry_order(line: str) -> int:
    m = re.match(r"entry\[(\d+)\]", line)
    return int(m.group(1)) if m else -1
