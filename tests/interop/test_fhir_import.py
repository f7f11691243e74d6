"""FHIR import: plan_import (pure) and import_bundle (one transaction on a real database)."""

from __future__ import annotations

import copy
import dataclasses
import json
from pathlib import Path
from typing import Any

import pytest
import yaml
from hypothesis import given, settings
from hypothesis import strategies as st

from dystonia.clinical.engine import assess
from dystonia.exceptions import DystoniaError, InvalidInputError
from dystonia.interop import bundle_from_overview
from dystonia.interop.fhir_import import RXNORM, ImportPlan, day_of, plan_import
from dystonia.interop.fhir_terms import ATC, ICD10CM, SNOMED
from dystonia.records.service import SYSTEM

ROOT = Path(__file__).resolve().parents[2]
STAMP = "2026-03-01T09:30:00+00:00"


def _assessment(rid: int, example: str, *, voided: bool = False) -> dict[str, Any]:
    findings = yaml.safe_load((ROOT / "examples" / f"{example}.yaml").read_text(encoding="utf-8"))
    result = assess(findings).to_dict()
    return {
        "id": rid,
        "patient_id": 1,
        "assessed_on": "2026-02-10",
        "rules_version": result["rules_version"],
        "findings": findings,
        "assessment": result,
        "voided": voided,
        "void_reason": "wrong patient" if voided else None,
        "created_at": STAMP,
    }


def _medication(rid: int, name: str, **kw: Any) -> dict[str, Any]:
    base = {
        "id": rid,
        "patient_id": 1,
        "name": name,
        "atc": None,
        "dopamine_blocker": "unknown",
        "dose": None,
        "start_date": None,
        "stop_date": None,
        "note": None,
        "voided": False,
        "void_reason": None,
        "created_at": STAMP,
    }
    return {**base, **kw}


@pytest.fixture(scope="module")
def overview() -> dict[str, Any]:
    return {
        "patient": {
            "id": 1,
            "display_name": "Zoë Example (fictional)",
            "birth_year": 1980,
            "sex": "female",
            "demo": True,
            "created_at": STAMP,
        },
        "clinicians": [],
        "assessments": [
            _assessment(11, "cervical-dystonia"),
            _assessment(12, "writers-cramp", voided=True),
            _assessment(13, "blepharospasm"),
        ],
        "scales": [],
        "toxin": [],
        "medications": [
            _medication(
                41,
                "trihexyphenidyl",
                atc="N04AA01",
                dose="2 mg three times a day",
                start_date="2025-01-01",
                note="<b>helps</b> a little",
            ),
            _medication(42, "clonazepam", stop_date="2025-12-01"),
            _medication(43, "haloperidol", atc="N05AD01", voided=True),
        ],
        "diary": [
            {
                "id": 51,
                "patient_id": 1,
                "date": "2026-02-12",
                "severity_0_10": 6,
                "pain_0_10": 3,
                "note": None,
                "voided": False,
                "void_reason": None,
                "created_at": STAMP,
            }
        ],
        "recordings": [],
        "visits": [],
    }


@pytest.fixture(scope="module")
def bundle(overview: dict[str, Any]) -> dict[str, Any]:
    return bundle_from_overview(overview)


# ------------------------------------------------------------------------------ round trip
def test_round_trip_export_then_plan(overview: dict[str, Any], bundle: dict[str, Any]) -> None:
    plan = plan_import(bundle)
    assert isinstance(plan, ImportPlan)
    live = [a for a in overview["assessments"] if not a["voided"]]
    assert len(plan.conditions) == len(live)
    for condition, record in zip(plan.conditions, live, strict=True):
        codes = record["assessment"]["codes"]
        assert list(condition.icd10cm) == codes.get("icd10cm", [])
        assert list(condition.snomed) == codes.get("snomed", [])
        assert condition.onset_age_years == record["findings"]["age_at_onset"]
        assert condition.verification_status == "provisional"
        assert condition.clinical_status == "active"
        assert condition.recorded_date == "2026-02-10"
        assert condition.body_sites
        assert condition.text and condition.text.startswith("Dystonia, ")
    meds = [m for m in overview["medications"] if not m["voided"]]
    assert [m.name for m in plan.medications] == [m["name"] for m in meds]
    assert [m.atc for m in plan.medications] == [m["atc"] for m in meds]
    assert [m.dosage for m in plan.medications] == [m["dose"] for m in meds]
    assert [m.effective_start for m in plan.medications] == [m["start_date"] for m in meds]
    assert [m.effective_end for m in plan.medications] == [m["stop_date"] for m in meds]
    assert [m.status for m in plan.medications] == ["active", "completed"]
    assert plan.medications[0].notes == ("<b>helps</b> a little",)  # text travels as it is
    assert plan.patient is not None and plan.patient.birth_year == 1980
    types = sorted(line.split()[1].rstrip(":") for line in plan.skipped)
    assert types == ["Observation", "Patient"]  # the diary day; the patient is only read
    assert plan.bundle_type == "collection"


def test_text_and_bytes_inputs_give_the_same_plan(bundle: dict[str, Any]) -> None:
    text = json.dumps(bundle)
    assert plan_import(text) == plan_import(text.encode("utf-8")) == plan_import(bundle)
    assert plan_import(b"\xef\xbb\xbf" + text.encode()) == plan_import(bundle)  # UTF-8 BOM


def test_content_keys_ignore_ids_and_meta(bundle: dict[str, Any]) -> None:
    other = copy.deepcopy(bundle)
    for entry in other["entry"]:
        entry["resource"]["id"] = "a" + entry["resource"]["id"][1:]
        entry["resource"].pop("meta", None)
    a, b = plan_import(bundle), plan_import(other)
    assert [m.key for m in a.medications] == [m.key for m in b.medications]
    other["entry"][-2]["resource"]["dosage"] = [{"text": "another dose"}]
    assert plan_import(other).medications != a.medications


def test_plan_is_frozen(bundle: dict[str, Any]) -> None:
    plan = plan_import(bundle)
    with pytest.raises(dataclasses.FrozenInstanceError):
        plan.skipped = []  # type: ignore[misc]
    with pytest.raises(dataclasses.FrozenInstanceError):
        plan.medications[0].name = "x"  # type: ignore[misc]
    assert json.loads(json.dumps(plan.to_dict()))["medications"][0]["name"] == "trihexyphenidyl"


# ------------------------------------------------------------------------------ other senders
PATIENT = {
    "fullUrl": "urn:uuid:0b4f2c57-31a5-4b51-9f5e-2d8d2f1c0001",
    "resource": {
        "resourceType": "Patient",
        "id": "0b4f2c57-31a5-4b51-9f5e-2d8d2f1c0001",
        "name": [{"given": ["Sam"], "family": "Example"}],
        "birthDate": "1975-04-02",
    },
}
SUBJECT = {"reference": "Patient/0b4f2c57-31a5-4b51-9f5e-2d8d2f1c0001"}


def _bundle(*resources: dict[str, Any], kind: str = "searchset") -> dict[str, Any]:
    return {
        "resourceType": "Bundle",
        "type": kind,
        "entry": [PATIENT, *({"resource": r} for r in resources)],
    }


def _statement(**kw: Any) -> dict[str, Any]:
    return {
        "resourceType": "MedicationStatement",
        "status": "active",
        "subject": SUBJECT,
        "medicationCodeableConcept": {"text": "clonazepam 0.5 mg tablet"},
        **kw,
    }


def _condition(**kw: Any) -> dict[str, Any]:
    return {
        "resourceType": "Condition",
        "subject": SUBJECT,
        "code": {"coding": [{"system": ICD10CM, "code": "G24.5", "display": "Blepharospasm"}]},
        **kw,
    }


def test_hospital_style_bundle() -> None:
    medication = {
        "fullUrl": "https://ehr.example/fhir/Medication/m1",
        "resource": {
            "resourceType": "Medication",
            "id": "m1",
            "code": {
                "coding": [
                    {
                        "system": RXNORM,
                        "code": "197527",
                        "display": "clonazepam 0.5 MG Oral Tablet",
                    },
                    {"system": ATC, "code": "N03AE01"},
                ]
            },
        },
    }
    by_reference = _statement(
        medicationReference={"reference": "Medication/m1"},
        effectivePeriod={"start": "2019-03", "end": "2024-05-06T10:00:00+02:00"},
        status="completed",
        dosage=[
            {
                "doseAndRate": [{"doseQuantity": {"value": 0.5, "unit": "mg"}}],
                "timing": {"repeat": {"frequency": 2, "period": 1, "periodUnit": "d"}},
            }
        ],
    )
    del by_reference["medicationCodeableConcept"]
    contained = _statement(
        contained=[{"resourceType": "Medication", "id": "x", "code": {"text": "baclofen"}}],
        medicationReference={"reference": "#x"},
        effectiveDateTime="2023-01-02",
        note=[{"text": "from the GP"}],
    )
    del contained["medicationCodeableConcept"]
    condition = _condition(
        clinicalStatus={
            "coding": [
                {
                    "system": "http://terminology.hl7.org/CodeSystem/condition-clinical",
                    "code": "active",
                }
            ]
        },
        onsetDateTime="2018",
        abatementString="after the drug was stopped",
        bodySite=[{"coding": [{"system": SNOMED, "code": "80243003", "display": "Eyelid"}]}],
        note=[{"text": "botulinum toxin every 3 months"}],
    )
    bundle = _bundle(by_reference, contained, condition)
    bundle["entry"].insert(1, medication)
    plan = plan_import(bundle)
    first, second = plan.medications
    assert first.name == "clonazepam 0.5 MG Oral Tablet"
    assert (first.rxnorm, first.atc) == ("197527", "N03AE01")
    assert first.dosage == "0.5 mg 2 per 1 d"
    assert (first.effective_start, first.effective_end) == ("2019-03", "2024-05-06T10:00:00+02:00")
    assert first.start_date is None and str(first.end_date) == "2024-05-06"
    assert first.status == "completed"
    assert (second.name, second.effective_start, second.notes) == (
        "baclofen",
        "2023-01-02",
        ("from the GP",),
    )
    (c,) = plan.conditions
    assert c.icd10cm == ("G24.5",) and c.display == "Blepharospasm"
    assert (c.onset_date, c.body_sites, c.clinical_status) == ("2018", ("Eyelid",), "active")
    assert c.verification_status is None and c.abatement == "after the drug was stopped"
    assert plan.patient is not None and plan.patient.name == "Sam Example"
    assert plan.skipped == ["entry[0] Patient: read to name the patient; not imported"]


def test_what_is_skipped_and_why() -> None:
    bundle = _bundle(
        _statement(status="not-taken"),
        _statement(status="entered-in-error"),
        _condition(
            verificationStatus={
                "coding": [
                    {
                        "system": "http://terminology.hl7.org/CodeSystem/condition-ver-status",
                        "code": "entered-in-error",
                    }
                ]
            }
        ),
        {"resourceType": "Procedure", "status": "completed", "subject": SUBJECT},
        {"resourceType": "MedicinalProduct", "anything": "goes"},
        {"resourceType": "Medication", "code": {"text": "unused"}},
        kind="transaction",
    )
    bundle["entry"].append({"request": {"method": "DELETE", "url": "Condition/9"}})
    plan = plan_import(bundle)
    assert plan.conditions == [] and plan.medications == []
    assert plan.skipped == [
        "entry[0] Patient: read to name the patient; not imported",
        "entry[1] MedicationStatement: not-taken (the patient does not take it)",
        "entry[2] MedicationStatement: entered-in-error",
        "entry[3] Condition: entered-in-error",
        "entry[4] Procedure: not imported",
        "entry[5] MedicinalProduct: an R4 type that R4B replaced; not read",
        "entry[6] Medication: not imported",
        "entry[7]: no resource",
    ]


def test_empty_bundle_is_an_empty_plan() -> None:
    plan = plan_import({"resourceType": "Bundle", "type": "collection"})
    assert (plan.conditions, plan.medications, plan.skipped, plan.patient) == ([], [], [], None)


# ------------------------------------------------------------------------------ malformed
def _one(resource: dict[str, Any]) -> dict[str, Any]:
    return _bundle(_statement(), resource)


BAD = [
    ("{not json", "bundle: is not JSON"),
    ("[1, 2]", "bundle: is not a JSON object"),
    (b"\xff\xfe{}", "bundle: is not UTF-8"),
    ('{"resourceType": "Bundle", "type": "collection", "total": NaN}', "NaN is not JSON"),
    ({"resourceType": "Patient"}, "bundle.resourceType: is not 'Bundle'"),
    ({"resourceType": "Bundle"}, "bundle.type"),
    ({"resourceType": "Bundle", "type": "collection", "entry": {}}, "bundle.entry: is not a list"),
    ({"resourceType": "Bundle", "type": "collection", "entry": [3]}, "entry[0]: is not an object"),
    (
        {"resourceType": "Bundle", "type": "collection", "entry": [{"resource": {"id": "x"}}]},
        "entry[0].resource.resourceType: is missing",
    ),
    (
        _one({"resourceType": "Conditon"}),
        "entry[2].resource.resourceType: 'Conditon' is not an R4B resource type; did you mean 'Condition'?",
    ),
    (_one({"resourceType": "Coding", "code": "x"}), "'Coding' is not an R4B resource type"),
    (
        _one(_statement(effectivePeriod={"start": "2020-13-01"})),
        "entry[2] MedicationStatement.effectivePeriod.start: DateTime value string does not match",
    ),
    (
        _one(_statement(effectiveDateTime="2021-02-30")),
        "entry[2] MedicationStatement.effectiveDateTime: Input should be a valid datetime or date, day value is outside expected range ('2021-02-30')",
    ),
    (
        _one(_statement(dosage=[{"text": 5}])),
        "entry[2] MedicationStatement.dosage[0].text: Input should be a valid string",
    ),
    (
        _one(_statement(colour="blue")),
        "entry[2] MedicationStatement.colour: Extra inputs are not permitted",
    ),
    (
        _one(_statement(status="taking")),
        "entry[2] MedicationStatement.status: 'taking' is not allowed; allowed: active",
    ),
    (
        _one(_statement(medicationCodeableConcept={"coding": [{"system": RXNORM, "code": "1"}]})),
        "entry[2] MedicationStatement.medicationCodeableConcept: names no medication",
    ),
    (
        _one(
            _statement(
                medicationCodeableConcept={"text": "x", "coding": [{"system": ATC, "code": "N4"}]}
            )
        ),
        "entry[2] MedicationStatement.medicationCodeableConcept.coding[0].code: 'N4' is not an ATC code",
    ),
    (
        _one(_condition(code={"coding": [{"system": SNOMED, "code": "15802005"}]})),
        "entry[2] Condition.code.coding[0].code: '15802005' fails the SNOMED CT Verhoeff check digit",
    ),
    (
        _one(_condition(code={"coding": [{"system": ICD10CM, "code": "g24.3"}]})),
        "entry[2] Condition.code.coding[0].code: 'g24.3' is not an ICD-10-CM code",
    ),
    (
        _one(_condition(code={"coding": [{"system": "urn:x"}]})),
        "entry[2] Condition.code: has no code, display or text",
    ),
    (
        _one(
            _condition(
                clinicalStatus={
                    "coding": [
                        {
                            "system": "http://terminology.hl7.org/CodeSystem/condition-clinical",
                            "code": "ongoing",
                        }
                    ]
                }
            )
        ),
        "entry[2] Condition.clinicalStatus.coding[0].code: 'ongoing' is not allowed",
    ),
    (
        _one(_condition(clinicalStatus={"text": "active"})),
        "entry[2] Condition.clinicalStatus: needs a coding of http://terminology.hl7.org/CodeSystem/condition-clinical",
    ),
    (_one(_condition(onsetAge={"value": "old"})), "entry[2] Condition.onsetAge.value"),
    (
        _one(_statement(subject={"reference": "Patient/someone-else"})),
        "entry[2] MedicationStatement.subject.reference: 'Patient/someone-else' is another patient than the subject of entry[1]",
    ),
]


@pytest.mark.parametrize(("bundle", "message"), BAD)
def test_malformed_input_names_the_entry_and_path(bundle: Any, message: str) -> None:
    with pytest.raises(InvalidInputError) as err:
        plan_import(bundle)
    assert message in str(err.value)
    assert "\n" not in str(err.value)


def test_unresolved_medication_reference() -> None:
    statement = _statement(medicationReference={"reference": "Medication/nope"})
    del statement["medicationCodeableConcept"]
    with pytest.raises(
        InvalidInputError,
        match=r"entry\[1\] MedicationStatement\.medicationReference\.reference: 'Medication/nope' is not a Medication in the bundle",
    ):
        plan_import(_bundle(statement))
    statement["medicationReference"] = {"reference": "#gone"}
    with pytest.raises(InvalidInputError, match="'#gone' is not contained"):
        plan_import(_bundle(statement))


@pytest.mark.parametrize(
    ("text", "message"),
    [
        (
            '{"resourceType": "Bundle", "x": ' + "[" * 100_000 + "]" * 100_000 + "}",
            "nested too deeply",
        ),
        (
            '{"resourceType": "Bundle", "total": ' + "9" * 5000 + "}",
            "holds a value that cannot be read",
        ),
        (
            '{"resourceType": "Bundle", "x": [' + "{}," * 600_000 + "0]}",
            "JSON elements; at most 1000000",
        ),
    ],
    ids=["deep", "huge-int", "too-many-elements"],
)
def test_hostile_text_is_a_clear_error(text: str, message: str) -> None:
    with pytest.raises(InvalidInputError, match=message):
        plan_import(text)


@pytest.mark.parametrize("inner", ["Nope", "", 5, {"a": 1}])
def test_contained_resource_of_unknown_type(inner: Any) -> None:
    statement = _statement(contained=[{"resourceType": inner, "id": "c1"}])
    with pytest.raises(
        InvalidInputError,
        match=r"entry\[1\] MedicationStatement\.contained\[0\]\.resourceType: .* is not an R4B resource type",
    ):
        plan_import(_bundle(statement))


def test_resource_type_that_is_not_text() -> None:
    bundle = {
        "resourceType": "Bundle",
        "type": "collection",
        "entry": [{"resource": {"resourceType": 10**5000}}],
    }
    with pytest.raises(
        InvalidInputError, match=r"entry\[0\]\.resource\.resourceType: must be the name"
    ) as err:
        plan_import(bundle)
    assert err.value.value is None


def test_not_a_bundle_type_is_refused() -> None:
    with pytest.raises(InvalidInputError, match="allowed: a JSON object"):
        plan_import(42)  # type: ignore[arg-type]


def test_day_of() -> None:
    assert str(day_of("2020-03-05T23:30:00-05:00")) == "2020-03-05"
    assert day_of("2020-03") is None and day_of(None) is None


_JSON = st.recursive(
    st.none() | st.booleans() | st.integers() | st.text(max_size=5),
    lambda inner: (
        st.lists(inner, max_size=3) | st.dictionaries(st.text(max_size=5), inner, max_size=3)
    ),
    max_leaves=6,
)


def _paths(node: Any, prefix: tuple[Any, ...] = ()) -> list[tuple[Any, ...]]:
    out = [prefix]
    if isinstance(node, dict):
        for k, v in node.items():
            out += _paths(v, (*prefix, k))
    elif isinstance(node, list):
        for i, v in enumerate(node):
            out += _paths(v, (*prefix, i))
    return out


@settings(max_examples=60, deadline=None)
@given(data=st.data())
def test_any_mutation_is_a_plan_or_a_clear_error(
    bundle: dict[str, Any], data: st.DataObject
) -> None:
    mutated = copy.deepcopy(bundle)
    paths = [p for p in _paths(mutated) if p]
    path = data.draw(st.sampled_from(paths))
    parent = mutated
    for part in path[:-1]:
        parent = parent[part]
    if data.draw(st.booleans()) and isinstance(parent, dict):
        del parent[path[-1]]
    else:
        parent[path[-1]] = data.draw(_JSON)
    try:
        plan_import(mutated)
    except DystoniaError as exc:
        assert str(exc) and "\n" not in str(exc)


# ------------------------------------------------------------------------------ the database
@pytest.fixture
def clinic(records):  # type: ignore[no-untyped-def]
    source = records.create_patient(SYSTEM, "Source Patient", birth_year=1975, sex="female")["id"]
    target = records.create_patient(SYSTEM, "Target Patient", birth_year=1975)["id"]
    other = records.create_patient(SYSTEM, "Unassigned Patient", birth_year=1975)["id"]
    records.add_user(SYSTEM, "clin", "clinician password", "clinician")
    records.assign(SYSTEM, source, "clin")
    records.assign(SYSTEM, target, "clin")
    who = records.sign_in("clin", "clinician password")[0].principal
    records.add_assessment(who, source, {"age_at_onset": 45, "regions": ["neck"]})
    records.add_medication(who, source, name="Haloperidol", dose="1 mg", start_date="2024-01-05")
    records.add_medication(who, source, name="trihexyphenidyl", stop_date="2025-06-01", note="n")
    return records, who, source, target, other


def _counts(records) -> tuple[int, int]:  # type: ignore[no-untyped-def]
    from dystonia.records.models import Medication, Visit

    return records.count(Medication), records.count(Visit)


def test_import_writes_medications_and_conditions_once(clinic) -> None:  # type: ignore[no-untyped-def]
    from dystonia.records.fhir_io import import_bundle

    records, who, source, target, _ = clinic
    bundle = records.fhir_export(who, source)
    result = import_bundle(records, who, target, json.dumps(bundle))
    meds = records.overview(who, target)["medications"]
    original = records.overview(who, source)["medications"]
    assert [
        (m["name"], m["dose"], m["start_date"], m["stop_date"], m["dopamine_blocker"]) for m in meds
    ] == [
        (m["name"], m["dose"], m["start_date"], m["stop_date"], m["dopamine_blocker"])
        for m in original
    ]
    assert meds[0]["dopamine_blocker"] == "central" and meds[0]["atc"] == "N05AD01"
    assert meds[1]["note"].startswith(
        "n\nImported from FHIR MedicationStatement (status completed)"
    )
    (visit,) = result["conditions"]
    assert visit["kind"] == "other"
    assert visit["note"].startswith("Imported condition: Dystonia, focal")
    assert "ICD-10-CM G24.3" in visit["note"] and "onset at age 45 years" in visit["note"]
    assert "verification provisional" in visit["note"]
    assert result["already_imported"] == []
    # the same bundle again adds nothing
    before = _counts(records)
    again = import_bundle(records, who, target, bundle)
    assert _counts(records) == before
    assert len(again["already_imported"]) == 3 and not again["medications"]
    events = [e for e in records.audit_events(SYSTEM) if e["action"] == "fhir.import"]
    assert [e["resource_id"] for e in events] == [
        "medications:0,conditions:0",
        "medications:2,conditions:1",
    ]
    assert records.verify_audit().ok


def test_import_is_all_or_nothing(clinic) -> None:  # type: ignore[no-untyped-def]
    from dystonia.records.fhir_io import import_bundle

    records, who, source, target, _ = clinic
    bundle = records.fhir_export(who, source)
    statements = [
        e for e in bundle["entry"] if e["resource"]["resourceType"] == "MedicationStatement"
    ]
    statements[-1]["resource"]["dosage"] = [{"text": "x" * 101}]
    before = _counts(records)
    with pytest.raises(
        InvalidInputError, match=r"entry\[\d+\] MedicationStatement\.dosage: .*at most 100"
    ):
        import_bundle(records, who, target, bundle)
    # a refusal inside the transaction (wrong patient) rolls back as well
    bundle = records.fhir_export(who, source)
    wrong = next(e for e in bundle["entry"] if e["resource"]["resourceType"] == "Patient")
    wrong["resource"]["birthDate"] = "1990"
    with pytest.raises(
        InvalidInputError, match="birth year 1990 differs from the patient's \\(1975\\)"
    ):
        import_bundle(records, who, target, bundle)
    assert _counts(records) == before


def test_who_may_import(clinic) -> None:  # type: ignore[no-untyped-def]
    from dystonia.records.fhir_io import import_bundle
    from dystonia.records.policy import AccessDeniedError, NotFoundError

    records, who, source, target, other = clinic
    bundle = records.fhir_export(who, source)
    with pytest.raises(NotFoundError):
        import_bundle(records, who, other, bundle)  # not assigned: looks missing
    with pytest.raises(AccessDeniedError, match="system identity"):
        import_bundle(records, SYSTEM, target, bundle)
    records.add_user(SYSTEM, "pat", "patient password", "patient", patient_id=target)
    patient = records.sign_in("pat", "patient password")[0].principal
    with pytest.raises(AccessDeniedError):
        import_bundle(records, patient, target, bundle)
    records.add_user(SYSTEM, "boss", "admin password 1", "admin")
    admin = records.sign_in("boss", "admin password 1")[0].principal
    assert len(import_bundle(records, admin, other, bundle)["medications"]) == 2
    denied = [e for e in records.audit_events(SYSTEM) if e["outcome"] == "denied"]
    assert {e["action"] for e in denied} == {"fhir.import"}
