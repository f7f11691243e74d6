"""FHIR R4B export of a patient's overview (dystonia.interop.fhir).

Overviews are built from the real clinical engine, the real scale scoring and the real motion
analysis of synthetic recordings, shaped as ``Records.overview()`` returns them.
"""

from __future__ import annotations

import copy
import json
from collections import Counter
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import pytest
import yaml
from fhir.resources.R4B import get_fhir_model_class

from dystonia.clinical import botulinum
from dystonia.clinical.engine import assess
from dystonia.exceptions import DystoniaError, InvalidInputError
from dystonia.interop import (
    FhirValidationError,
    bundle_from_overview,
    check_resource,
    validate_bundle,
)
from dystonia.interop.fhir_terms import (
    ATC,
    BOTULINUM_PRODUCT_SYSTEM,
    HPO,
    ICD10CM,
    SNOMED,
    UCUM,
    check_code,
    verhoeff_valid,
)
from dystonia.knowledge import botulinum as knowledge_botulinum
from dystonia.motion import analyze
from dystonia.motion.synthetic import tremor_wave
from dystonia.scales import get_scale, score

ROOT = Path(__file__).resolve().parents[2]
EXAMPLES = ROOT / "examples"
STAMP = "2026-03-01T09:30:00+00:00"

HOSTILE = [
    "<script>alert('x')</script>",
    "Robert'); DROP TABLE patients;--",
    '{{7*7}} ${jndi:ldap://x} "quoted" \\ back\\slash',
    "Zoë Łukasiewicz-Ñúñez 名前 🙂 \u202eRTL override",
    "line one\nline two\ttabbed",
]

TWSTRS_ITEMS = {
    "rotation": 3,
    "laterocollis": 2,
    "antero_retrocollis": 1,
    "lateral_shift": 0,
    "sagittal_shift": 1,
    "duration": 4,
    "sensory_trick": 1,
    "shoulder_elevation": 2,
    "range_of_motion": 2,
    "time_in_neutral": 3,
    "work": 2,
    "daily_activities": 2,
    "driving": 3,
    "reading": 1,
    "television": 1,
    "outside_activities": 2,
    "pain_worst": 7,
    "pain_best": 2,
    "pain_usual": 5,
    "pain_duration": 3,
    "pain_disability": 2,
}


def _void(voided: bool = False) -> dict[str, Any]:
    return {
        "voided": voided,
        "void_reason": "entered for the wrong patient" if voided else None,
        "created_at": STAMP,
    }


def _assessment(rid: int, example: str, *, voided: bool = False) -> dict[str, Any]:
    findings = yaml.safe_load((EXAMPLES / f"{example}.yaml").read_text(encoding="utf-8"))
    result = assess(findings).to_dict()
    return {
        "id": rid,
        "patient_id": 1,
        "assessed_on": "2026-02-10",
        "rules_version": result["rules_version"],
        "findings": findings,
        "assessment": result,
        **_void(voided),
    }


def _scale(
    rid: int, name: str, items: dict[str, Any], *, version: str | None = None, voided: bool = False
) -> dict[str, Any]:
    result = score(name, items, version=version).to_dict()
    return {"id": rid, "patient_id": 1, "rated_on": "2026-02-10", **result, **_void(voided)}


def _toxin(
    rid: int,
    product: str,
    injections: list[tuple[str, str, float, str]],
    *,
    date: str = "2026-02-10",
    previous: tuple[dict[str, Any], ...] = (),
    voided: bool = False,
) -> dict[str, Any]:
    """A session as the records layer stores it: parsed (product id), with its real warnings."""
    given = {
        "product": product,
        "date": date,
        "indication": "cervical_dystonia",
        "dilution_units_per_ml": 50,
        "injections": [
            {"muscle": m, "side": s, "units": u, "guidance": g} for m, s, u, g in injections
        ],
    }
    parsed = botulinum.parse_session(given)
    earlier = [botulinum.parse_session(p) for p in previous]
    return {
        "id": rid,
        "patient_id": 1,
        "date": parsed.date.isoformat(),
        "product": parsed.product,
        "indication": parsed.indication,
        "dilution_units_per_ml": parsed.dilution_units_per_ml,
        "total_units": parsed.total_units,
        "units_of": parsed.product,
        "injections": [
            {"muscle": i.muscle, "side": i.side, "units": i.units, "guidance": i.guidance}
            for i in parsed.injections
        ],
        "warnings": [w.to_dict() for w in botulinum.session_warnings(parsed, earlier)],
        "_input": given,
        **_void(voided),
    }


def _recording(rid: int, path: Path, *, task: str, voided: bool = False) -> dict[str, Any]:
    return {
        "id": rid,
        "patient_id": 1,
        "sha256": f"{rid:02d}" * 32,
        "filename": path.name,
        "format": "csv",
        "task": task,
        "recorded_on": "2026-02-11",
        "analysis": analyze(path).to_dict(include_windows=False),
        **_void(voided),
    }


@pytest.fixture(scope="module")
def recordings(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    """Synthetic recordings: a 5 Hz gyroscope tremor, and a still accelerometer-only wrist."""
    folder = tmp_path_factory.mktemp("fhir-recordings")
    fs_hz = 100.0
    t = np.arange(0, 40, 1 / fs_hz)
    g = tremor_wave(t, frequency_hz=5.0, amplitude=30.0, seed=1)
    tremor = pd.DataFrame({"time": t, "gyro_x": g, "gyro_y": 0.2 * g, "gyro_z": 0 * t})
    rng = np.random.default_rng(2)
    still = pd.DataFrame(
        {
            "time": t,
            "acc_x": 0.001 * rng.standard_normal(t.size),
            "acc_y": 0.001 * rng.standard_normal(t.size),
            "acc_z": 1 + 0.001 * rng.standard_normal(t.size),
        }
    )
    paths = {"tremor": folder / "rest <tremor>.csv", "still": folder / "still.csv"}
    tremor.to_csv(paths["tremor"], index=False)
    still.to_csv(paths["still"], index=False)
    return paths


def _toxin_history() -> list[dict[str, Any]]:
    """Two live sessions of different products (a product switch: a real warning), one voided."""
    first = _toxin(
        31,
        "Botox",
        [
            ("sternocleidomastoid", "left", 50, "emg"),
            ("splenius_capitis", "right", 75.0, "none"),
            ("trapezius", "bilateral", 37.5, "ultrasound"),
        ],
        date="2025-11-01",
    )
    second = _toxin(
        32,
        "abobotulinumtoxinA",
        [("sternocleidomastoid", "left", 250, "emg"), ("splenius_capitis", "right", 250, "emg")],
        previous=(first["_input"],),
    )
    voided = _toxin(
        33, "incobotulinumtoxin_a", [("levator_scapulae", "left", 40, "none")], voided=True
    )
    sessions = [first, second, voided]
    for session in sessions:
        del session["_input"]
    return sessions


@pytest.fixture(scope="module")
def overview(recordings: dict[str, Path]) -> dict[str, Any]:
    """A full overview with some voided records in every section."""
    return {
        "patient": {
            "id": 1,
            "display_name": HOSTILE[3],
            "birth_year": 1980,
            "sex": "female",
            "demo": True,
            "created_at": STAMP,
        },
        "clinicians": ["dr.ana"],
        "assessments": [
            _assessment(11, "cervical-dystonia"),
            _assessment(12, "writers-cramp", voided=True),
            _assessment(13, "functional-dystonia"),
        ],
        "scales": [
            _scale(21, "twstrs", TWSTRS_ITEMS),
            _scale(22, "twstrs", TWSTRS_ITEMS, version="brashear_1999"),
            _scale(23, "twstrs", TWSTRS_ITEMS),
            _scale(24, "jrs", {"severity": 3, "frequency": 2}, voided=True),
            _scale(
                25,
                "bsdi",
                {
                    "driving": None,
                    "reading": 2,
                    "television": 1,
                    "shopping": 2,
                    "walking": 0,
                    "everyday_activities": 1,
                },
            ),
        ],
        "toxin": _toxin_history(),
        "medications": [
            {
                "id": 41,
                "patient_id": 1,
                "name": "trihexyphenidyl",
                "atc": "N04AA01",
                "dopamine_blocker": "no",
                "dose": HOSTILE[1],
                "start_date": "2025-01-01",
                "stop_date": None,
                "note": HOSTILE[0],
                **_void(),
            },
            {
                "id": 42,
                "patient_id": 1,
                "name": "clonazepam",
                "atc": None,
                "dopamine_blocker": "unknown",
                "dose": None,
                "start_date": None,
                "stop_date": "2025-12-01",
                "note": None,
                **_void(),
            },
            {
                "id": 43,
                "patient_id": 1,
                "name": "haloperidol",
                "atc": "N05AD01",
                "dopamine_blocker": "yes",
                "dose": None,
                "start_date": None,
                "stop_date": None,
                "note": None,
                **_void(True),
            },
        ],
        "diary": [
            {
                "id": 51,
                "patient_id": 1,
                "date": "2026-02-12",
                "severity_0_10": 6,
                "pain_0_10": 3,
                "note": HOSTILE[2],
                **_void(),
            },
            {
                "id": 52,
                "patient_id": 1,
                "date": "2026-02-13",
                "severity_0_10": 4,
                "pain_0_10": None,
                "note": HOSTILE[4],
                **_void(),
            },
            {
                "id": 53,
                "patient_id": 1,
                "date": "2026-02-14",
                "severity_0_10": 9,
                "pain_0_10": 9,
                "note": None,
                **_void(True),
            },
        ],
        "recordings": [
            _recording(61, recordings["tremor"], task="rest"),
            _recording(62, recordings["still"], task="posture"),
            _recording(63, recordings["still"], task="writing", voided=True),
        ],
        "visits": [{"id": 71, "date": "2026-02-10", "kind": "clinic", "note": None, **_void()}],
    }


@pytest.fixture(scope="module")
def bundle(overview: dict[str, Any]) -> dict[str, Any]:
    return bundle_from_overview(overview)


def _resources(bundle: dict[str, Any], rtype: str) -> list[dict[str, Any]]:
    return [e["resource"] for e in bundle["entry"] if e["resource"]["resourceType"] == rtype]


def _by_url(bundle: dict[str, Any]) -> dict[str, dict[str, Any]]:
    return {e["fullUrl"]: e["resource"] for e in bundle["entry"]}


def _local_id(resource: dict[str, Any]) -> str:
    ident = resource["identifier"]
    return (ident[0] if isinstance(ident, list) else ident)["value"]


def _code(concept: dict[str, Any], system: str) -> list[str]:
    return [c["code"] for c in concept.get("coding", []) if c["system"] == system]


def _component(obs: dict[str, Any], code: str) -> dict[str, Any]:
    (found,) = [c for c in obs["component"] if c["code"]["coding"][0]["code"] == code]
    return found


def _zulu(node: Any) -> Any:
    """fhir.resources writes UTC instants with Z; compare modulo that spelling."""
    if isinstance(node, dict):
        return {k: _zulu(v) for k, v in node.items()}
    if isinstance(node, list):
        return [_zulu(v) for v in node]
    if isinstance(node, str) and node.endswith("+00:00") and "T" in node:
        return node[:-6] + "Z"
    return node


# ------------------------------------------------------------------------------ the bundle
def test_bundle_is_a_collection_and_json(bundle: dict[str, Any]) -> None:
    assert bundle["resourceType"] == "Bundle"
    assert bundle["type"] == "collection"
    assert json.loads(json.dumps(bundle)) == bundle


def test_every_entry_round_trips_through_fhir_resources_r4b(bundle: dict[str, Any]) -> None:
    for entry in bundle["entry"]:
        resource = entry["resource"]
        model = get_fhir_model_class(resource["resourceType"]).model_validate(resource)
        back = json.loads(model.model_dump_json(exclude_none=True))
        assert back == _zulu(resource), resource["resourceType"]
    get_fhir_model_class("Bundle").model_validate(bundle)


def test_counts_per_resource_type(bundle: dict[str, Any]) -> None:
    counts = Counter(e["resource"]["resourceType"] for e in bundle["entry"])
    assert counts == {
        "Patient": 1,
        "Condition": 2,  # 3 assessments, 1 voided
        "Questionnaire": 3,  # twstrs x 2 versions, bsdi (jrs only voided)
        "QuestionnaireResponse": 4,
        "Observation": 4 + 2 + 2,  # scale scores, diary days, motion summaries
        "Procedure": 2,
        "MedicationAdministration": 5,
        "MedicationStatement": 2,
        "DocumentReference": 2,
    }


def test_voided_records_are_left_out(bundle: dict[str, Any]) -> None:
    text = json.dumps(bundle)
    for rtype, voided in [
        ("Condition", "12"),
        ("QuestionnaireResponse", "24"),
        ("Procedure", "33"),
        ("MedicationStatement", "43"),
        ("DocumentReference", "63"),
    ]:
        assert voided not in {_local_id(r) for r in _resources(bundle, rtype)}
    assert "incobotulinumtoxin" not in text and "Xeomin" not in text
    assert "haloperidol" not in text
    assert "writing" not in text
    assert "Jankovic" not in text
    assert "entered for the wrong patient" not in text
    assert "entered-in-error" not in text


def test_references_resolve_within_the_bundle(bundle: dict[str, Any]) -> None:
    urls = _by_url(bundle)
    found = 0

    def walk(node: Any) -> None:
        nonlocal found
        if isinstance(node, dict):
            if isinstance(node.get("reference"), str):
                assert node["reference"] in urls
                found += 1
            for v in node.values():
                walk(v)
        elif isinstance(node, list):
            for v in node:
                walk(v)

    walk(bundle)
    assert found > 30
    (patient,) = _resources(bundle, "Patient")
    for entry in bundle["entry"]:
        subject = entry["resource"].get("subject")
        if subject is not None:
            assert urls[subject["reference"]] is patient
    canonicals = {f"{q['url']}|{q['version']}" for q in _resources(bundle, "Questionnaire")}
    assert {qr["questionnaire"] for qr in _resources(bundle, "QuestionnaireResponse")} == canonicals


def test_full_urls_are_deterministic_uuids(
    overview: dict[str, Any], bundle: dict[str, Any]
) -> None:
    again = bundle_from_overview(copy.deepcopy(overview))
    assert json.dumps(again, sort_keys=True) == json.dumps(bundle, sort_keys=True)
    urls = [e["fullUrl"] for e in bundle["entry"]]
    assert len(set(urls)) == len(urls)
    for entry in bundle["entry"]:
        assert entry["fullUrl"] == f"urn:uuid:{entry['resource']['id']}"
    other = bundle_from_overview(overview, base_url="https://clinic.example.org/workbench")
    assert not set(urls) & {e["fullUrl"] for e in other["entry"]}
    ident = _resources(other, "Patient")[0]["identifier"][0]
    assert ident["system"] == "https://clinic.example.org/workbench/patient"


# ------------------------------------------------------------------------------ patient
def test_patient_has_no_real_identifiers_and_a_year_only(bundle: dict[str, Any]) -> None:
    (patient,) = _resources(bundle, "Patient")
    assert patient["name"] == [{"use": "usual", "text": HOSTILE[3]}]
    assert patient["birthDate"] == "1980"
    assert patient["gender"] == "female"
    assert patient["identifier"] == [
        {"use": "secondary", "system": "urn:dystonia-workbench:patient", "value": "1"}
    ]
    assert not {"telecom", "address", "photo"} & set(patient)


def test_demo_patients_are_tagged_on_every_resource(bundle: dict[str, Any]) -> None:
    for entry in bundle["entry"]:
        meta = entry["resource"]["meta"]
        assert meta["tag"][0]["code"] == "demo"
        assert meta["security"][0]["code"] == "HTEST"


def test_real_patient_minimal_overview() -> None:
    b = bundle_from_overview(
        {
            "patient": {
                "id": 9,
                "display_name": "A B",
                "birth_year": None,
                "sex": None,
                "demo": False,
            }
        }
    )
    (patient,) = _resources(b, "Patient")
    assert "meta" not in patient and "meta" not in b
    assert not {"birthDate", "gender"} & set(patient)


# ------------------------------------------------------------------------------ conditions
def test_condition_codes_status_and_onset(overview: dict[str, Any], bundle: dict[str, Any]) -> None:
    conditions = {_local_id(c): c for c in _resources(bundle, "Condition")}
    cervical = conditions["11"]
    a = overview["assessments"][0]["assessment"]
    assert _code(cervical["code"], ICD10CM) == a["codes"]["icd10cm"] == ["G24.3"]
    assert _code(cervical["code"], SNOMED) == a["codes"]["snomed"]
    assert _code(cervical["evidence"][0]["code"][0], HPO) == a["codes"]["hpo"]
    assert _code(
        cervical["clinicalStatus"], "http://terminology.hl7.org/CodeSystem/condition-clinical"
    ) == ["active"]
    assert _code(
        cervical["verificationStatus"], "http://terminology.hl7.org/CodeSystem/condition-ver-status"
    ) == ["provisional"]
    assert cervical["category"][0]["coding"][0]["code"] == "problem-list-item"
    assert cervical["onsetAge"] == {"value": 45, "unit": "years", "system": UCUM, "code": "a"}
    assert cervical["bodySite"] == [{"text": "neck"}]
    notes = " ".join(n["text"] for n in cervical["note"])
    assert a["rules_version"] in notes
    assert "does not replace a clinician's judgement" in notes
    functional = conditions["13"]
    assert _code(functional["code"], ICD10CM) == []  # no verified code: none invented
    assert _code(functional["code"], SNOMED) == ["15802004"]
    assert functional["bodySite"] == [{"text": "right arm"}]


@pytest.mark.parametrize("example", sorted(p.stem for p in EXAMPLES.glob("*.yaml")))
def test_every_example_patient_exports(example: str) -> None:
    record = _assessment(1, example)
    b = bundle_from_overview({"patient": {"id": 1, "display_name": "x"}, "assessments": [record]})
    (condition,) = _resources(b, "Condition")
    codes = record["assessment"]["codes"]
    assert _code(condition["code"], ICD10CM) == codes["icd10cm"]
    assert _code(condition["code"], SNOMED) == codes["snomed"]


def test_onset_at_age_zero_is_written_in_words() -> None:
    record = _assessment(1, "cervical-dystonia")
    record["findings"]["age_at_onset"] = 0
    b = bundle_from_overview({"patient": {"id": 1, "display_name": "x"}, "assessments": [record]})
    (condition,) = _resources(b, "Condition")
    assert "onsetAge" not in condition
    assert "first year of life" in condition["onsetString"]


# ------------------------------------------------------------------------------ scales
def test_one_questionnaire_per_scale_version_without_item_wording(bundle: dict[str, Any]) -> None:
    qs = {(q["url"], q["version"]): q for q in _resources(bundle, "Questionnaire")}
    base = "https://dystonia-workbench.org/fhir/Questionnaire/"
    assert set(qs) == {
        (base + "twstrs", "consky_lang_1994"),
        (base + "twstrs", "brashear_1999"),
        (base + "bsdi", "goertelmeyer_2002"),
    }
    spec = get_scale("twstrs").describe()
    q = qs[(base + "twstrs", "consky_lang_1994")]
    assert [i["linkId"] for i in q["item"]] == [i["id"] for i in spec["items"]]
    # only the project's short labels, never the instrument's anchor wording
    assert [i["text"] for i in q["item"]] == [i["label"] for i in spec["items"]]
    assert all(len(i["text"]) < 60 for i in q["item"])
    bsdi = qs[(base + "bsdi", "goertelmeyer_2002")]
    assert not any(i["required"] for i in bsdi["item"])  # "not applicable" may stay unanswered


def test_response_and_score_observation(overview: dict[str, Any], bundle: dict[str, Any]) -> None:
    urls = _by_url(bundle)
    record = overview["scales"][0]
    (qr,) = [r for r in _resources(bundle, "QuestionnaireResponse") if _local_id(r) == "21"]
    answers = {i["linkId"]: i["answer"][0] for i in qr["item"]}
    assert answers == {k: {"valueInteger": v} for k, v in TWSTRS_ITEMS.items()}
    (obs,) = [
        o
        for o in _resources(bundle, "Observation")
        if o.get("derivedFrom") and urls[o["derivedFrom"][0]["reference"]] is qr
    ]
    assert obs["category"][0]["coding"][0]["code"] == "survey"
    assert obs["valueQuantity"] == {
        "value": record["total"],
        "unit": "score",
        "system": UCUM,
        "code": "{score}",
    }
    subs = {c["code"]["coding"][0]["code"]: c["valueQuantity"]["value"] for c in obs["component"]}
    assert subs == {f"twstrs.{k}": v["value"] for k, v in record["subscores"].items()}
    (bsdi,) = [r for r in _resources(bundle, "QuestionnaireResponse") if _local_id(r) == "25"]
    driving = next(i for i in bsdi["item"] if i["linkId"] == "driving")
    assert "answer" not in driving  # rated "not applicable"


# ------------------------------------------------------------------------------ toxin
def test_one_administration_per_injection_units_never_converted(
    overview: dict[str, Any], bundle: dict[str, Any]
) -> None:
    urls = _by_url(bundle)
    administrations = _resources(bundle, "MedicationAdministration")
    sessions = [s for s in overview["toxin"] if not s["voided"]]
    assert len(administrations) == sum(len(s["injections"]) for s in sessions)
    for session in sessions:
        product = knowledge_botulinum().product(session["product"])
        assert product is not None
        (procedure,) = [
            p for p in _resources(bundle, "Procedure") if _local_id(p) == str(session["id"])
        ]
        mine = [m for m in administrations if urls[m["partOf"][0]["reference"]] is procedure]
        assert len(mine) == len(session["injections"])
        for ma, inj in zip(mine, session["injections"], strict=True):
            dose = ma["dosage"]["dose"]
            assert dose["value"] == inj["units"] and type(dose["value"]) is type(inj["units"])
            assert (dose["unit"], dose["system"], dose["code"]) == ("U", UCUM, "[arb'U]")
            medication = ma["medicationCodeableConcept"]
            assert _code(medication, BOTULINUM_PRODUCT_SYSTEM) == [session["product"]]
            assert product.generic_name in medication["text"]
            assert _code(medication, ATC) == []  # the shared ATC code would merge products
            assert ma["dosage"]["site"]["text"].endswith(inj["side"])
            assert ma["dosage"]["route"]["coding"][0]["code"] == "IM"
            assert ma["effectiveDateTime"] == session["date"]
        notes = " ".join(n["text"] for n in procedure["note"])
        assert product.generic_name in notes and "never converted" in notes
    assert "Dysport" in json.dumps(bundle) and "Botox" in json.dumps(bundle)
    switch = " ".join(n["text"] for n in _resources(bundle, "Procedure")[1]["note"])
    assert "bont.product_switch" in switch  # the session's warning travels with it


def test_guidance_travels_as_extension_and_note(bundle: dict[str, Any]) -> None:
    ma = next(m for m in _resources(bundle, "MedicationAdministration") if _local_id(m) == "31.0")
    ext = ma["extension"][0]
    assert ext["url"].endswith("/StructureDefinition/injection-guidance")
    assert ext["valueCodeableConcept"]["coding"][0]["code"] == "emg"
    assert ma["note"] == [{"text": "Guidance: electromyography"}]


# ------------------------------------------------------------------------------ medications, diary
def test_medication_statements(bundle: dict[str, Any]) -> None:
    meds = {_local_id(m): m for m in _resources(bundle, "MedicationStatement")}
    assert meds["41"]["status"] == "active"
    assert _code(meds["41"]["medicationCodeableConcept"], ATC) == ["N04AA01"]
    assert meds["41"]["dosage"] == [{"text": HOSTILE[1]}]
    assert meds["42"]["status"] == "completed"
    assert meds["42"]["effectivePeriod"] == {"end": "2025-12-01"}
    assert "coding" not in meds["42"]["medicationCodeableConcept"]


def test_diary_days(bundle: dict[str, Any]) -> None:
    days = {
        _local_id(o): o
        for o in _resources(bundle, "Observation")
        if o["code"]["coding"][0]["code"] == "diary-day"
    }
    assert set(days) == {"51", "52"}
    assert _component(days["51"], "diary-severity")["valueQuantity"]["value"] == 6
    assert _component(days["51"], "diary-pain")["valueQuantity"]["value"] == 3
    assert [c["code"]["coding"][0]["code"] for c in days["52"]["component"]] == ["diary-severity"]


# ------------------------------------------------------------------------------ recordings
def test_recordings_and_motion_features(overview: dict[str, Any], bundle: dict[str, Any]) -> None:
    urls = _by_url(bundle)
    docs = {_local_id(d): d for d in _resources(bundle, "DocumentReference")}
    assert docs["61"]["masterIdentifier"]["value"] == overview["recordings"][0]["sha256"]
    attachment = docs["61"]["content"][0]["attachment"]
    assert "hash" not in attachment  # FHIR's hash is SHA-1; ours is SHA-256
    assert attachment == {"contentType": "text/csv", "title": "rest <tremor>.csv"}
    motion = {
        _local_id(o): o
        for o in _resources(bundle, "Observation")
        if o["code"]["coding"][0]["code"] == "motion-tremor-summary"
    }
    assert urls[motion["61"]["derivedFrom"][0]["reference"]] is docs["61"]
    tremor = overview["recordings"][0]["analysis"]["tremor"]
    assert tremor["present"]
    assert _component(motion["61"], "tremor-present")["valueBoolean"] is True
    peak = _component(motion["61"], "tremor-peak-frequency")["valueQuantity"]
    assert peak == {
        "value": tremor["peak_frequency_hz"],
        "unit": "Hz",
        "system": UCUM,
        "code": "Hz",
    }
    assert peak["value"] == pytest.approx(5.0, abs=0.2)
    amplitude = _component(motion["61"], "tremor-amplitude-rms")["valueQuantity"]
    assert (amplitude["value"], amplitude["code"]) == (tremor["amplitude"]["value"], "deg/s")
    still = overview["recordings"][1]["analysis"]["tremor"]
    assert not still["present"] and still["amplitude"]["unit"] == "m/s^2"
    absent = _component(motion["62"], "tremor-peak-frequency")["dataAbsentReason"]
    assert absent["coding"][0]["code"] == "not-applicable"


# ------------------------------------------------------------------------------ hostile text
def test_hostile_strings_survive_as_text(bundle: dict[str, Any]) -> None:
    texts: list[str] = []

    def walk(node: Any) -> None:
        if isinstance(node, dict):
            for v in node.values():
                walk(v)
        elif isinstance(node, list):
            for v in node:
                walk(v)
        elif isinstance(node, str):
            texts.append(node)

    walk(json.loads(json.dumps(bundle, ensure_ascii=True)))
    for hostile in HOSTILE:
        assert hostile in texts, hostile


def test_control_characters_are_refused_not_stripped(overview: dict[str, Any]) -> None:
    bad = copy.deepcopy(overview)
    bad["diary"][0]["note"] = "bell\x07"
    with pytest.raises(FhirValidationError) as err:
        bundle_from_overview(bad)
    assert err.value.resource_type == "Observation"
    assert err.value.path == "note[0].text"


# ------------------------------------------------------------------------------ our own checks
def test_our_checks_catch_a_status_fhir_resources_accepts(bundle: dict[str, Any]) -> None:
    obs = copy.deepcopy(_resources(bundle, "Observation")[0])
    obs["status"] = "finalish"
    get_fhir_model_class("Observation").model_validate(obs)  # fhir.resources lets it pass
    with pytest.raises(FhirValidationError) as err:
        check_resource(obs)
    assert (err.value.resource_type, err.value.path) == ("Observation", "status")
    assert "finalish" in str(err.value)
    assert isinstance(err.value, DystoniaError)


@pytest.mark.parametrize(
    ("rtype", "mutate", "path"),
    [
        ("Procedure", lambda r: r.update(status="done"), "status"),
        ("MedicationAdministration", lambda r: r.update(status="given"), "status"),
        ("MedicationStatement", lambda r: r.update(status="ongoing"), "status"),
        ("QuestionnaireResponse", lambda r: r.update(status="complete"), "status"),
        ("Questionnaire", lambda r: r.update(status="published"), "status"),
        ("DocumentReference", lambda r: r.update(status="final"), "status"),
        (
            "Condition",
            lambda r: r["clinicalStatus"]["coding"][0].update(code="activ"),
            "clinicalStatus.coding[0].code",
        ),
        (
            "Condition",
            lambda r: r["verificationStatus"]["coding"][0].update(code="suspected"),
            "verificationStatus.coding[0].code",
        ),
        ("Condition", lambda r: r.pop("verificationStatus"), "verificationStatus"),
        (
            "Condition",
            lambda r: r["code"]["coding"][1].update(code="15802005"),
            "code.coding[1].code",
        ),
        ("Condition", lambda r: r["code"]["coding"][0].update(code="G24-3"), "code.coding[0].code"),
        ("Condition", lambda r: r["onsetAge"].update(value=0), "onsetAge"),
        (
            "MedicationAdministration",
            lambda r: r["dosage"]["dose"].update(code="U"),
            "dosage.dose.code",
        ),
        (
            "MedicationAdministration",
            lambda r: r["dosage"]["dose"].update(unit="IU"),
            "dosage.dose.unit",
        ),
        (
            "MedicationAdministration",
            lambda r: r["medicationCodeableConcept"].pop("coding"),
            "medicationCodeableConcept.coding",
        ),
        (
            "Observation",
            lambda r: r["category"][0]["coding"][0].update(code="surveys"),
            "category[0].coding[0].code",
        ),
        (
            "Observation",
            lambda r: r["code"]["coding"][0].update(system="http://loinc.org"),
            "code.coding[0].code",
        ),
        ("Patient", lambda r: r.update(gender="f"), "gender"),
        ("Patient", lambda r: r["name"][0].update(text="   "), "name[0].text"),
    ],
)
def test_our_checks_name_the_resource_and_path(
    bundle: dict[str, Any], rtype: str, mutate: Any, path: str
) -> None:
    bad = copy.deepcopy(bundle)
    resource = _resources(bad, rtype)[0]
    mutate(resource)
    with pytest.raises(FhirValidationError) as err:
        check_resource(resource)
    assert (err.value.resource_type, err.value.path) == (rtype, path)
    with pytest.raises(FhirValidationError):
        validate_bundle(bad)


def test_bundle_checks_catch_structure_errors(bundle: dict[str, Any]) -> None:
    dangling = copy.deepcopy(bundle)
    _resources(dangling, "Observation")[0]["subject"]["reference"] = (
        "urn:uuid:00000000-0000-0000-0000-000000000000"
    )
    with pytest.raises(FhirValidationError, match="does not resolve"):
        validate_bundle(dangling)
    duplicate = copy.deepcopy(bundle)
    duplicate["entry"].append(copy.deepcopy(duplicate["entry"][0]))
    with pytest.raises(FhirValidationError, match="duplicate fullUrl"):
        validate_bundle(duplicate)
    listed = copy.deepcopy(bundle)
    ma = _resources(listed, "MedicationAdministration")[0]
    ma["dosage"] = [ma["dosage"]]  # R4 dosage is 0..1
    with pytest.raises(FhirValidationError) as err:
        validate_bundle(listed)
    assert (err.value.resource_type, err.value.path) == ("MedicationAdministration", "dosage")
    orphan = copy.deepcopy(bundle)
    orphan["entry"] = [
        e for e in orphan["entry"] if e["resource"]["resourceType"] != "Questionnaire"
    ]
    with pytest.raises(FhirValidationError, match="canonical"):
        validate_bundle(orphan)
    stamped = copy.deepcopy(bundle)
    stamped["timestamp"] = "yesterday"
    with pytest.raises(FhirValidationError) as err:
        validate_bundle(stamped)
    assert (err.value.resource_type, err.value.path) == ("Bundle", "timestamp")
    tagged = copy.deepcopy(bundle)
    tagged["meta"]["tag"][0]["system"] = "http://example.org/tags"
    with pytest.raises(FhirValidationError) as err:
        validate_bundle(tagged)
    assert (err.value.resource_type, err.value.path) == ("Bundle", "meta.tag[0].code")
    wrong_type = copy.deepcopy(bundle)
    wrong_type["type"] = "collectionish"
    with pytest.raises(FhirValidationError) as err:
        validate_bundle(wrong_type)
    assert (err.value.resource_type, err.value.path) == ("Bundle", "type")


def test_code_checks() -> None:
    for sctid in ("15802004", "74333002", "702448007"):
        assert verhoeff_valid(sctid)
    assert not verhoeff_valid("74333003")
    assert check_code(ICD10CM, "G24.09") is None
    assert check_code(HPO, "HP:0001332") is None
    assert check_code(HPO, "HP:1332") is not None
    assert check_code(ATC, "N04AA01") is None
    assert "not one the export may write" in str(check_code("http://loinc.org", "1234-5"))


# ------------------------------------------------------------------------------ bad input
@pytest.mark.parametrize(
    ("overview", "field"),
    [
        ({}, "overview.patient"),
        ({"patient": {"display_name": "x"}}, "patient.id"),
        ({"patient": {"id": 1, "birth_year": "1980"}}, "patient.birth_year"),
        ({"patient": {"id": 1, "sex": "f"}}, "patient.sex"),
        (
            {
                "patient": {"id": 1},
                "diary": [{"id": 2, "date": "2026-01-01", "severity_0_10": "high"}],
            },
            "diary[id=2].severity_0_10",
        ),
        (
            {
                "patient": {"id": 1},
                "toxin": [
                    {
                        "id": 2,
                        "date": "2026-01-01",
                        "product": "x",
                        "injections": [{"muscle": "masseter", "units": float("nan")}],
                    }
                ],
            },
            "toxin[id=2].injections[0].units",
        ),
    ],
)
def test_bad_overview_names_the_field(overview: dict[str, Any], field: str) -> None:
    with pytest.raises(InvalidInputError) as err:
        bundle_from_overview(overview)
    assert err.value.field == field


def test_bad_base_url() -> None:
    with pytest.raises(InvalidInputError) as err:
        bundle_from_overview({"patient": {"id": 1}}, base_url="not a uri")
    assert err.value.field == "base_url"
