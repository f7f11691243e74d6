"""Fuzz the FHIR parsers: ``plan_import`` (Bundles from other systems) and ``validate_bundle``.

``plan_import`` reads Bundles written by other software (``dystonia fhir import``), as a dict,
JSON text or bytes: everything in them is hostile. ``validate_bundle`` checks the project's own
export, but is public and takes any mapping. Seeds: a real export of a fictional overview
(assessments of the shipped examples, medications, a diary entry) and hand-written Conditions
and MedicationStatements with every onset, dosage and reference form the importer reads.
Mutations: values replaced, keys removed or added, values wrapped in lists or objects; JSON
text truncated and bit-flipped; hostile codes, dates, statuses and references.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
import yaml
from hypothesis import given
from hypothesis import strategies as st

from dystonia.clinical.engine import assess
from dystonia.exceptions import InvalidInputError
from dystonia.interop import FhirValidationError, bundle_from_overview, validate_bundle
from dystonia.interop.fhir_import import (
    MAX_BUNDLE_BYTES,
    MAX_BUNDLE_ELEMENTS,
    ImportPlan,
    plan_import,
)
from dystonia.interop.fhir_terms import ATC, ICD10CM, SNOMED

from ._common import (
    MEMORY_BOUND_BYTES,
    clear,
    fuzz_settings,
    json_values,
    mib,
    mutated,
    traced_peak,
)

EXAMPLES = Path(__file__).resolve().parents[2] / "examples"
STAMP = "2026-03-01T09:30:00+00:00"


def _record(rid: int, **fields: Any) -> dict[str, Any]:
    return {"id": rid, "patient_id": 1, "voided": False, "void_reason": None, "created_at": STAMP, **fields}  # fmt: skip


def _overview() -> dict[str, Any]:
    assessments = []
    for rid, name in enumerate(["cervical-dystonia", "tardive-dystonia", "wilson-disease"], 11):
        findings = yaml.safe_load((EXAMPLES / f"{name}.yaml").read_text(encoding="utf-8"))
        result = assess(findings).to_dict()
        assessments.append(
            _record(
                rid,
                assessed_on="2026-02-10",
                rules_version=result["rules_version"],
                findings=findings,
                assessment=result,
            )
        )
    meds = [
        _record(
            41,
            name="trihexyphenidyl",
            atc="N04AA01",
            dopamine_blocker="no",
            dose="2 mg",
            start_date="2025-01-01",
            stop_date=None,
            note="<b>x</b>",
        ),
        _record(
            42,
            name="clonazepam",
            atc=None,
            dopamine_blocker="unknown",
            dose=None,
            start_date=None,
            stop_date="2025-12-01",
            note=None,
        ),
    ]
    diary = [_record(51, date="2026-02-12", severity_0_10=6, pain_0_10=3, note="\u202eRTL")]
    patient = {"id": 1, "display_name": "Zoë Example (fictional)", "birth_year": 1980, "sex": "female", "demo": True, "created_at": STAMP}  # fmt: skip
    return {
        "patient": patient,
        "clinicians": [],
        "assessments": assessments,
        "scales": [],
        "toxin": [],
        "medications": meds,
        "diary": diary,
        "recordings": [],
        "visits": [],
    }


EXPORT = bundle_from_overview(_overview())

_SUBJECT = {"reference": "Patient/p1"}
_CLINICAL = "http://terminology.hl7.org/CodeSystem/condition-clinical"
_VERIFICATION = "http://terminology.hl7.org/CodeSystem/condition-ver-status"
HANDWRITTEN = {
    "resourceType": "Bundle",
    "type": "collection",
    "entry": [
        {
            "fullUrl": "urn:uuid:0b6d2f4e-8c53-4d8e-9d0c-4f3a5c1e7a11",
            "resource": {
                "resourceType": "Patient",
                "id": "p1",
                "name": [{"given": ["Ann"], "family": "Example"}],
                "birthDate": "1970",
                "gender": "female",
            },
        },
        {
            "resource": {
                "resourceType": "Condition",
                "subject": _SUBJECT,
                "code": {
                    "coding": [
                        {"system": ICD10CM, "code": "G24.3"},
                        {"system": SNOMED, "code": "15802004", "display": "Dystonia"},
                    ],
                    "text": "Cervical dystonia",
                },
                "onsetAge": {
                    "value": 45,
                    "unit": "a",
                    "system": "http://unitsofmeasure.org",
                    "code": "a",
                },
                "clinicalStatus": {"coding": [{"system": _CLINICAL, "code": "active"}]},
                "verificationStatus": {"coding": [{"system": _VERIFICATION, "code": "confirmed"}]},
                "bodySite": [
                    {"text": "neck"},
                    {"coding": [{"system": SNOMED, "code": "45048000"}]},
                ],
                "recordedDate": "2024-02-03",
                "note": [{"text": "first seen"}],
            }
        },
        {
            "resource": {
                "resourceType": "Condition",
                "subject": _SUBJECT,
                "code": {"text": "Writer's cramp"},
                "onsetPeriod": {"start": "2019-05", "end": "2020"},
            }
        },
        {
            "resource": {
                "resourceType": "Condition",
                "subject": _SUBJECT,
                "code": {"text": "Tremor"},
                "onsetRange": {
                    "low": {"value": 30, "unit": "a"},
                    "high": {"value": 40.5, "unit": "a"},
                },
            }
        },
        {
            "resource": {
                "resourceType": "Condition",
                "subject": _SUBJECT,
                "code": {"text": "Old"},
                "onsetString": "childhood",
                "verificationStatus": {
                    "coding": [{"system": _VERIFICATION, "code": "entered-in-error"}]
                },
            }
        },
        {
            "fullUrl": "urn:uuid:5f0c9a57-1f0e-4b55-9a43-0f6a0b1d2c3e",
            "resource": {
                "resourceType": "Medication",
                "id": "m1",
                "code": {"coding": [{"system": ATC, "code": "N05AD01", "display": "haloperidol"}]},
            },
        },
        {
            "resource": {
                "resourceType": "MedicationStatement",
                "status": "active",
                "subject": _SUBJECT,
                "medicationReference": {"reference": "Medication/m1"},
                "effectivePeriod": {"start": "2024-01-01T08:00:00Z", "end": "2024-06"},
                "dosage": [
                    {
                        "doseAndRate": [{"doseQuantity": {"value": 2.5, "unit": "mg"}}],
                        "timing": {"repeat": {"frequency": 3, "period": 1, "periodUnit": "d"}},
                        "route": {"text": "oral"},
                        "asNeededBoolean": True,
                    }
                ],
            }
        },
        {
            "resource": {
                "resourceType": "MedicationStatement",
                "status": "completed",
                "subject": _SUBJECT,
                "contained": [
                    {"resourceType": "Medication", "id": "c1", "code": {"text": "clonazepam"}}
                ],
                "medicationReference": {"reference": "#c1"},
                "effectiveDateTime": "2023",
            }
        },
        {
            "resource": {
                "resourceType": "MedicationStatement",
                "status": "not-taken",
                "subject": _SUBJECT,
                "medicationCodeableConcept": {"text": "levodopa"},
            }
        },
        {"resource": {"resourceType": "Observation", "status": "final", "code": {"text": "x"}}},
        {"request": {"method": "GET", "url": "Patient/p1"}},
    ],
}


def _check_plan(plan: ImportPlan) -> None:
    json.dumps(plan.to_dict(), allow_nan=False)


@pytest.mark.parametrize("bundle", [EXPORT, HANDWRITTEN], ids=["export", "handwritten"])
def test_seeds_plan(bundle: dict[str, Any]) -> None:
    """Sanity: both seeds plan (the mutations start from valid bundles)."""
    plan = plan_import(bundle)
    _check_plan(plan)
    assert plan.conditions and plan.medications


_SEEDS = st.sampled_from([EXPORT, HANDWRITTEN])


@fuzz_settings(80)
@given(bundle=_SEEDS.flatmap(lambda b: mutated(st.just(b), max_edits=3)))
def test_plan_import_mutated_bundles(bundle: dict[str, Any]) -> None:
    """Values replaced, keys removed or added, values wrapped, anywhere in a Bundle."""
    plan = clear(plan_import, bundle)
    if isinstance(plan, ImportPlan):
        _check_plan(plan)


_CODES = st.sampled_from(
    ["G24.3", "G24", "g24.3", "G24.", "Z99.999999", "15802004", "15802005", "0", "1" * 19,
     "N05AD01", "N05AD0", "", " ", "\x00", "<b>", "G24.3 ", "١٢٣"]
)  # fmt: skip
_DATES = st.sampled_from(
    ["2020", "2020-02", "2020-02-29", "2021-02-29", "2020-13", "0000", "9999-12-31", "2020-02-30",
     "2020-01-01T25:00:00Z", "2020-01-01T10:00:00+14:00", "20200101", "", "2020-1-1", "-2020"]
)  # fmt: skip


@st.composite
def hostile_resource(draw: st.DrawFn) -> dict[str, Any]:
    """A Condition or MedicationStatement with hostile codes, dates, statuses and references."""
    system = draw(st.sampled_from([ICD10CM, SNOMED, ATC, "http://example.org", "", "urn:x"]))
    coding = {"system": system, "code": draw(_CODES), "display": draw(st.text(max_size=10))}
    if draw(st.booleans()):
        return {
            "resourceType": "Condition",
            "subject": {"reference": draw(st.sampled_from(["Patient/p1", "Patient/p2", "#x", ""]))},
            "code": {"coding": [coding], "text": draw(st.text(max_size=8))},
            draw(st.sampled_from(["onsetDateTime", "recordedDate"])): draw(_DATES),
            "onsetAge": draw(
                st.sampled_from(
                    [
                        {"value": 1e308, "code": "a"},
                        {"value": -1, "code": "a"},
                        {"value": 3, "code": "mo"},
                        {"comparator": "<", "value": 5},
                    ]
                )
            ),
            "clinicalStatus": {
                "coding": [
                    {
                        "system": _CLINICAL,
                        "code": draw(st.sampled_from(["active", "Active", "gone", ""])),
                    }
                ]
            },
        }
    return {
        "resourceType": "MedicationStatement",
        "status": draw(
            st.sampled_from(["active", "completed", "ACTIVE", "unknown", "not-taken", "x"])
        ),
        "subject": _SUBJECT,
        draw(st.sampled_from(["medicationCodeableConcept", "medicationReference"])): draw(
            st.sampled_from(
                [
                    {"coding": [coding]},
                    {"text": " "},
                    {"reference": "#nope"},
                    {"reference": "Medication/m1"},
                    {"display": "x"},
                ]
            )
        ),
        "effectivePeriod": {"start": draw(_DATES), "end": draw(_DATES)},
        "dosage": [
            {
                "timing": {
                    "repeat": {
                        "frequency": draw(st.integers(-2, 10**9)),
                        "period": draw(st.floats(allow_nan=False, allow_infinity=False)),
                        "periodUnit": "d",
                    }
                }
            }
        ],
    }


@fuzz_settings(60)
@given(resources=st.lists(hostile_resource(), min_size=1, max_size=4))
def test_plan_import_hostile_resources(resources: list[dict[str, Any]]) -> None:
    """Codes (check digits, syntax), calendar dates, statuses, subjects, references."""
    bundle = {"resourceType": "Bundle", "type": "collection", "entry": [*HANDWRITTEN["entry"][:1], *HANDWRITTEN["entry"][5:6], *({"resource": r} for r in resources)]}  # fmt: skip
    plan = clear(plan_import, bundle)
    if isinstance(plan, ImportPlan):
        _check_plan(plan)


_TEXT = json.dumps(HANDWRITTEN).encode()


@fuzz_settings(50)
@given(
    cut=st.integers(1, len(_TEXT)),
    flips=st.lists(st.tuples(st.integers(0, len(_TEXT)), st.integers(0, 255)), max_size=6),
    as_text=st.booleans(),
    bom=st.booleans(),
)
def test_plan_import_damaged_json_text(
    cut: int, flips: list[tuple[int, int]], as_text: bool, bom: bool
) -> None:
    """JSON bytes or text: truncated, bytes overwritten (invalid UTF-8, NaN, control bytes)."""
    raw = bytearray(_TEXT[:cut])
    for position, value in flips:
        raw[position % len(raw)] = value
    data: bytes | str = (b"\xef\xbb\xbf" if bom else b"") + bytes(raw)
    if as_text:
        data = data.decode("utf-8", errors="surrogateescape")
    plan = clear(plan_import, data)
    if isinstance(plan, ImportPlan):
        _check_plan(plan)


@fuzz_settings(40)
@given(data=json_values(16))
def test_plan_import_arbitrary_json(data: Any) -> None:
    clear(plan_import, data)
    clear(plan_import, json.dumps(data))


@fuzz_settings(30)
@given(bundle=mutated(st.just(EXPORT), max_edits=3))
def test_validate_bundle_mutated_export(bundle: dict[str, Any]) -> None:
    """The export's own validator on a damaged export: FhirValidationError or nothing."""
    clear(validate_bundle, bundle)


@fuzz_settings(25)
@given(data=json_values(12))
def test_validate_bundle_arbitrary_json(data: Any) -> None:
    clear(validate_bundle, data)
    if isinstance(data, dict):
        clear(validate_bundle, {**data, "resourceType": "Bundle"})


# --------------------------------------------------------------------------- defects
def _deep(depth: int) -> str:
    return '{"resourceType": "Bundle", "type": "collection", "x": ' + "[" * depth + "]" * depth + "}"  # fmt: skip


# Found by this fuzzing and fixed in fhir_import.py while it was written; kept as regressions.
@pytest.mark.parametrize("kind", ["deep", "huge_int", "huge_float_int"])
def test_plan_import_hostile_json_text(kind: str) -> None:
    """Deep nesting and integers json.loads cannot convert: clear errors."""
    text = {
        "deep": _deep(100_000),
        "huge_int": '{"resourceType": "Bundle", "x": ' + "9" * 5000 + "}",
        "huge_float_int": '{"resourceType": "Bundle", "total": 1' + "0" * 400 + "}",
    }[kind]
    assert isinstance(clear(plan_import, text), InvalidInputError)


@pytest.mark.parametrize("shape", ["empty_objects", "empty_arrays", "long_string"])
def test_plan_import_largest_accepted_text_fits_the_memory_bound(shape: str) -> None:
    """Text just inside both limits (bytes and JSON elements), in its most expensive shapes."""
    head, tail = b'{"resourceType": "Bundle", "type": "collection", "x": [', b"0]}"
    if shape == "long_string":
        body = b'"' + b"a" * (MAX_BUNDLE_BYTES - 200) + b'",'
    else:
        unit = b"{}," if shape == "empty_objects" else b"[],"
        body = unit * (MAX_BUNDLE_ELEMENTS // 2 - 10)
    data = head + body + tail
    assert len(data) <= MAX_BUNDLE_BYTES
    with traced_peak() as peak:
        clear(plan_import, data)
    assert peak.bytes < MEMORY_BOUND_BYTES, mib(peak.bytes)


@pytest.mark.parametrize("inner", ["Nope", "", 5, {"a": 1}])
def test_plan_import_contained_resource_of_unknown_type(inner: Any) -> None:
    """A contained resource of no known type: a clear error naming it."""
    statement = {**HANDWRITTEN["entry"][7]["resource"]}
    statement["contained"] = [{"resourceType": inner, "id": "c1"}]
    bundle = {"resourceType": "Bundle", "type": "collection", "entry": [{"resource": statement}]}
    assert isinstance(clear(plan_import, bundle), InvalidInputError)


# Found by this fuzzing (KeyError/TypeError from fhir_core; RecursionError, OverflowError and
# ValueError from the walk and its messages); fixed with plan_import's guards, now shared in
# interop/fhir_models.py.
@pytest.mark.parametrize("inner", ["Nope", "", 5, {"a": 1}])
def test_validate_bundle_contained_resource_of_unknown_type(inner: Any) -> None:
    bundle = json.loads(json.dumps(EXPORT))
    bundle["entry"][1]["resource"]["contained"] = [{"resourceType": inner}]
    error = clear(validate_bundle, bundle)
    assert isinstance(error, FhirValidationError)
    assert "contained[0].resourceType" in str(error), error


@pytest.mark.parametrize("where", ["outcome", "bundle_in_entry"])
def test_validate_bundle_nested_resource_of_unknown_type(where: str) -> None:
    """A resource nested elsewhere than ``contained`` (fhir_core's KeyError): a clear error."""
    bundle = json.loads(json.dumps(EXPORT))
    if where == "outcome":
        bundle["entry"][1]["response"] = {"status": "200", "outcome": {"resourceType": "Nope"}}
    else:
        inner = {"resourceType": "Bundle", "type": "collection"}
        inner["entry"] = [{"resource": {"resourceType": 5}}]
        bundle["entry"][1]["resource"] = {**inner, "id": bundle["entry"][1]["resource"]["id"]}
    assert isinstance(clear(validate_bundle, bundle), FhirValidationError)


@pytest.mark.parametrize("kind", ["deep", "deep_elsewhere", "big_int", "huge_int", "huge_int_type"])
def test_validate_bundle_hostile_values(kind: str) -> None:
    bundle: dict[str, Any] = {"resourceType": "Bundle", "type": "collection"}
    nested: Any = []
    for _ in range(5000):
        nested = [nested]
    if kind == "deep":
        bundle["meta"] = {"tag": nested}
    elif kind == "deep_elsewhere":
        bundle["signature"] = {"data": nested}
    elif kind == "big_int":
        bundle["total"] = 10**400
    elif kind == "huge_int":
        bundle["total"] = 10**5000
    else:
        uid = "urn:uuid:0b6d2f4e-8c53-4d8e-9d0c-4f3a5c1e7a11"
        bundle["entry"] = [{"fullUrl": uid, "resource": {"resourceType": 10**5000}}]
    error = clear(validate_bundle, bundle)
    assert isinstance(error, FhirValidationError)
    assert len(str(error)) < 300, str(error)
