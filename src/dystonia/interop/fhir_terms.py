"""Code systems, units and required value sets of the FHIR export, in one place.

The export emits codes from a closed list of systems only. For every system this module holds
either the allowed codes (HL7 value sets with a *required* binding in FHIR R4B, which
``fhir.resources`` does not check) or a syntax check (ICD-10-CM, SNOMED CT identifiers with their
Verhoeff check digit, HPO, ATC, the project's own code systems). :mod:`dystonia.interop.fhir_validation`
applies them to every resource before it leaves.

The project's own code systems live under :data:`PROJECT_FHIR_BASE`. They are placeholders for
concepts that have no published code (rating scales and their subscores, which have no LOINC code
as far as the platform research found; injection muscles; motion features).

References
----------
.. [1] HL7 FHIR R4B (4.3.0), terminologies and value sets: https://hl7.org/fhir/R4B/terminologies.html
.. [2] HL7 Terminology (THO): condition-clinical, condition-ver-status, condition-category,
   observation-category, data-absent-reason, v3-RouteOfAdministration, v3-ActReason.
.. [3] The Unified Code for Units of Measure (UCUM): https://ucum.org/ucum
.. [4] SNOMED CT identifiers: the check digit is a Verhoeff check over the SCTID (SNOMED CT
   Technical Implementation Guide, section "SCTID check-digit").
"""

from __future__ import annotations

import re
from collections.abc import Callable

__all__ = [
    "ATC",
    "BOTULINUM_PRODUCT_SYSTEM",
    "CODE_CHECKS",
    "CONDITION_CATEGORY",
    "CONDITION_CLINICAL",
    "CONDITION_VER_STATUS",
    "DATA_ABSENT_REASON",
    "EXT_DOPAMINE_BLOCKER",
    "EXT_INJECTION_GUIDANCE",
    "GUIDANCE_SYSTEM",
    "HPO",
    "ICD10CM",
    "MUSCLE_SYSTEM",
    "OBSERVATION_CATEGORY",
    "PROJECT_FHIR_BASE",
    "QUESTIONNAIRE_BASE",
    "RECORDING_SHA256_SYSTEM",
    "REQUIRED_STATUS",
    "ROUTE_OF_ADMINISTRATION",
    "SCALE_SYSTEM",
    "SNOMED",
    "TAG_SYSTEM",
    "UCUM",
    "UCUM_CODES",
    "V3_ACT_REASON",
    "WORKBENCH_SYSTEM",
    "check_code",
    "verhoeff_valid",
]

# ------------------------------------------------------------------------------ external systems
ICD10CM = "http://hl7.org/fhir/sid/icd-10-cm"
SNOMED = "http://snomed.info/sct"
HPO = "http://human-phenotype-ontology.org"
ATC = "http://www.whocc.no/atc"
UCUM = "http://unitsofmeasure.org"
CONDITION_CLINICAL = "http://terminology.hl7.org/CodeSystem/condition-clinical"
CONDITION_VER_STATUS = "http://terminology.hl7.org/CodeSystem/condition-ver-status"
CONDITION_CATEGORY = "http://terminology.hl7.org/CodeSystem/condition-category"
OBSERVATION_CATEGORY = "http://terminology.hl7.org/CodeSystem/observation-category"
DATA_ABSENT_REASON = "http://terminology.hl7.org/CodeSystem/data-absent-reason"
ROUTE_OF_ADMINISTRATION = "http://terminology.hl7.org/CodeSystem/v3-RouteOfAdministration"
V3_ACT_REASON = "http://terminology.hl7.org/CodeSystem/v3-ActReason"

# ------------------------------------------------------------------------------ project systems
PROJECT_FHIR_BASE = "https://dystonia-workbench.org/fhir"
SCALE_SYSTEM = f"{PROJECT_FHIR_BASE}/CodeSystem/dystonia-scales"
WORKBENCH_SYSTEM = f"{PROJECT_FHIR_BASE}/CodeSystem/workbench"
BOTULINUM_PRODUCT_SYSTEM = f"{PROJECT_FHIR_BASE}/CodeSystem/botulinum-toxin-product"
MUSCLE_SYSTEM = f"{PROJECT_FHIR_BASE}/CodeSystem/injection-muscle"
GUIDANCE_SYSTEM = f"{PROJECT_FHIR_BASE}/CodeSystem/injection-guidance"
TAG_SYSTEM = f"{PROJECT_FHIR_BASE}/CodeSystem/workbench-tag"
QUESTIONNAIRE_BASE = f"{PROJECT_FHIR_BASE}/Questionnaire"
RECORDING_SHA256_SYSTEM = f"{PROJECT_FHIR_BASE}/sid/recording-sha256"
EXT_INJECTION_GUIDANCE = f"{PROJECT_FHIR_BASE}/StructureDefinition/injection-guidance"
EXT_DOPAMINE_BLOCKER = f"{PROJECT_FHIR_BASE}/StructureDefinition/dopamine-receptor-blocker"

#: UCUM codes the export may write into a Quantity: score points, arbitrary (product-specific)
#: units of botulinum toxin, hertz, angular velocity, acceleration, seconds, dimensionless
#: fraction, years (onset age).
UCUM_CODES = frozenset({"{score}", "[arb'U]", "Hz", "deg/s", "m/s2", "s", "1", "a"})

#: Required bindings on ``status`` elements (FHIR R4B value sets), by resource type.
REQUIRED_STATUS: dict[str, frozenset[str]] = {
    "Bundle": frozenset(
        {
            "document",
            "message",
            "transaction",
            "transaction-response",
            "batch",
            "batch-response",
            "history",
            "searchset",
            "collection",
        }
    ),  # Bundle.type
    "Observation": frozenset(
        {
            "registered",
            "preliminary",
            "final",
            "amended",
            "corrected",
            "cancelled",
            "entered-in-error",
            "unknown",
        }
    ),
    "Procedure": frozenset(
        {
            "preparation",
            "in-progress",
            "not-done",
            "on-hold",
            "stopped",
            "completed",
            "entered-in-error",
            "unknown",
        }
    ),
    "MedicationAdministration": frozenset(
        {
            "in-progress",
            "not-done",
            "on-hold",
            "completed",
            "entered-in-error",
            "stopped",
            "unknown",
        }
    ),
    "MedicationStatement": frozenset(
        {
            "active",
            "completed",
            "entered-in-error",
            "intended",
            "stopped",
            "on-hold",
            "unknown",
            "not-taken",
        }
    ),
    "Questionnaire": frozenset({"draft", "active", "retired", "unknown"}),
    "QuestionnaireResponse": frozenset(
        {"in-progress", "completed", "amended", "entered-in-error", "stopped"}
    ),
    "DocumentReference": frozenset({"current", "superseded", "entered-in-error"}),
}

#: Codes of the HL7 systems the export uses (each a required or closed set in R4B).
_HL7_CODES: dict[str, frozenset[str]] = {
    CONDITION_CLINICAL: frozenset(
        {"active", "recurrence", "relapse", "inactive", "remission", "resolved"}
    ),
    CONDITION_VER_STATUS: frozenset(
        {"unconfirmed", "provisional", "differential", "confirmed", "refuted", "entered-in-error"}
    ),
    CONDITION_CATEGORY: frozenset({"problem-list-item", "encounter-diagnosis"}),
    OBSERVATION_CATEGORY: frozenset(
        {
            "social-history",
            "vital-signs",
            "imaging",
            "laboratory",
            "procedure",
            "survey",
            "exam",
            "therapy",
            "activity",
        }
    ),
    DATA_ABSENT_REASON: frozenset(
        {
            "unknown",
            "asked-unknown",
            "temp-unknown",
            "not-asked",
            "asked-declined",
            "masked",
            "not-applicable",
            "unsupported",
            "as-text",
            "error",
            "not-a-number",
            "negative-infinity",
            "positive-infinity",
            "not-performed",
            "not-permitted",
        }
    ),
    # only the one route the export writes; the full v3 table is much larger
    ROUTE_OF_ADMINISTRATION: frozenset({"IM"}),
    # only the one security label the export writes (test health data, for demo patients)
    V3_ACT_REASON: frozenset({"HTEST"}),
    UCUM: UCUM_CODES,
}

_ICD10CM_RE = re.compile(r"^[A-Z][0-9][0-9A-Z](\.[0-9A-Z]{1,4})?$")
_HPO_RE = re.compile(r"^HP:[0-9]{7}$")
_ATC_RE = re.compile(r"^[A-Z]([0-9]{2}([A-Z]([A-Z]([0-9]{2})?)?)?)?$")
_PROJECT_CODE_RE = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_.\-]*$")
_SCTID_RE = re.compile(r"^[1-9][0-9]{5,17}$")

# Verhoeff tables (dihedral group D5 multiplication, permutation, inverse)
_D = (
    (0, 1, 2, 3, 4, 5, 6, 7, 8, 9),
    (1, 2, 3, 4, 0, 6, 7, 8, 9, 5),
    (2, 3, 4, 0, 1, 7, 8, 9, 5, 6),
    (3, 4, 0, 1, 2, 8, 9, 5, 6, 7),
    (4, 0, 1, 2, 3, 9, 5, 6, 7, 8),
    (5, 9, 8, 7, 6, 0, 4, 3, 2, 1),
    (6, 5, 9, 8, 7, 1, 0, 4, 3, 2),
    (7, 6, 5, 9, 8, 2, 1, 0, 4, 3),
    (8, 7, 6, 5, 9, 3, 2, 1, 0, 4),
    (9, 8, 7, 6, 5, 4, 3, 2, 1, 0),
)
_P = (
    (0, 1, 2, 3, 4, 5, 6, 7, 8, 9),
    (1, 5, 7, 6, 2, 8, 3, 0, 9, 4),
    (5, 8, 0, 3, 7, 9, 6, 1, 4, 2),
    (8, 9, 1, 6, 0, 4, 3, 5, 2, 7),
    (9, 4, 5, 3, 1, 2, 6, 8, 7, 0),
    (4, 2, 8, 6, 5, 7, 3, 9, 0, 1),
    (2, 7, 9, 3, 8, 0, 6, 4, 1, 5),
    (7, 0, 4, 6, 9, 1, 3, 2, 5, 8),
)


def verhoeff_valid(digits: str) -> bool:
    """Whether a digit string (check digit last) passes the Verhoeff check.

    SNOMED CT identifiers end in a Verhoeff check digit, so a mistyped SCTID is caught here.

    Examples
    --------
    >>> verhoeff_valid("15802004"), verhoeff_valid("15802005")
    (True, False)
    """
    if not digits.isdigit() or not digits.isascii():
        return False
    c = 0
    for i, ch in enumerate(reversed(digits)):
        c = _D[c][_P[i % 8][int(ch)]]
    return c == 0


def _sctid(code: str) -> str | None:
    if not _SCTID_RE.match(code):
        return "is not a SNOMED CT identifier (6-18 digits)"
    if not verhoeff_valid(code):
        return "fails the SNOMED CT Verhoeff check digit"
    return None


def _pattern(regex: re.Pattern[str], what: str) -> Callable[[str], str | None]:
    def check(code: str) -> str | None:
        return None if regex.match(code) else f"is not {what}"

    return check


def _one_of(codes: frozenset[str]) -> Callable[[str], str | None]:
    def check(code: str) -> str | None:
        return None if code in codes else "is not allowed; allowed: " + ", ".join(sorted(codes))

    return check


#: For every code system the export may write: a function returning None for a good code, else
#: what is wrong with it.
CODE_CHECKS: dict[str, Callable[[str], str | None]] = {
    ICD10CM: _pattern(_ICD10CM_RE, "an ICD-10-CM code (e.g. G24.3)"),
    SNOMED: _sctid,
    HPO: _pattern(_HPO_RE, "an HPO term id (HP:nnnnnnn)"),
    ATC: _pattern(_ATC_RE, "an ATC code (e.g. N04AA01)"),
    **{system: _one_of(codes) for system, codes in _HL7_CODES.items()},
    **{
        system: _pattern(_PROJECT_CODE_RE, "a project code (letters, digits, '_', '.', '-')")
        for system in (
            SCALE_SYSTEM,
            WORKBENCH_SYSTEM,
            BOTULINUM_PRODUCT_SYSTEM,
            MUSCLE_SYSTEM,
            GUIDANCE_SYSTEM,
            TAG_SYSTEM,
        )
    },
}


def check_code(system: str, code: str) -> str | None:
    """What is wrong with ``code`` in ``system`` (None when it is fine).

    An unknown system is itself an error: the export writes only the systems listed here.
    """
    check = CODE_CHECKS.get(system)
    if check is None:
        return f"code system {system!r} is not one the export may write"
    return check(code)
