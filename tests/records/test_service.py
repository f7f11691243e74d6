"""The records service on a real database: what is stored, voided, refused."""

from __future__ import annotations

import pytest

from dystonia.exceptions import InvalidInputError
from dystonia.records.service import SYSTEM


@pytest.fixture
def clinic(records):  # type: ignore[no-untyped-def]
    pid = records.create_patient(SYSTEM, "Test Patient", birth_year=1975, sex="female")["id"]
    records.add_user(SYSTEM, "clin", "clinician password", "clinician")
    records.assign(SYSTEM, pid, "clin")
    who = records.sign_in("clin", "clinician password")[0].principal
    return records, who, pid


def test_assessment_stores_findings_result_and_rule_version(clinic) -> None:  # type: ignore[no-untyped-def]
    from dystonia.knowledge import rulebook

    r, who, pid = clinic
    stored = r.add_assessment(
        who,
        pid,
        {
            "age_at_onset": 19,
            "regions": ["neck", "jaw_tongue"],
            "onset_mode": "sudden",
            "medications": [{"name": "metoclopramide", "started_days_before_onset": 1}],
        },
    )
    assert stored["rules_version"] == rulebook().version
    assert stored["findings"]["medications"][0]["name"] == "metoclopramide"
    assert "drug_acute" in stored["assessment"]["etiology"]["suspected"]
    (again,) = r.list_assessments(who, pid)
    assert again == stored


def test_scale_items_are_stored_one_by_one(clinic) -> None:  # type: ignore[no-untyped-def]
    from sqlalchemy import select

    from dystonia.records.models import ScaleItem

    r, who, pid = clinic
    res = r.add_scale(who, pid, "jrs", {"severity": 3, "frequency": 2})
    with r.db.sessions() as s:
        items = s.execute(
            select(ScaleItem.item, ScaleItem.value)
            .where(ScaleItem.scale_result_id == res["id"])
            .order_by(ScaleItem.position)
        ).all()
    assert [tuple(i) for i in items] == [("severity", 3.0), ("frequency", 2.0)]


def test_medication_flags_dopamine_blockers_from_the_knowledge(clinic) -> None:  # type: ignore[no-untyped-def]
    r, who, pid = clinic
    assert r.add_medication(who, pid, name="Haloperidol")["dopamine_blocker"] == "central"
    assert r.add_medication(who, pid, name="domperidone")["dopamine_blocker"] == "peripheral"
    assert r.add_medication(who, pid, name="lithium")["dopamine_blocker"] == "none"
    assert r.add_medication(who, pid, name="made-up-drug")["dopamine_blocker"] == "unknown"
    with pytest.raises(InvalidInputError, match="stop_date"):
        r.add_medication(
            who, pid, name="clonazepam", start_date="2026-02-01", stop_date="2026-01-01"
        )


def test_toxin_session_warnings_and_never_converted(clinic) -> None:  # type: ignore[no-untyped-def]
    r, who, pid = clinic
    base = {"date": "2026-01-05", "dilution_units_per_ml": 100, "indication": "cervical_dystonia"}
    first = r.add_toxin_session(
        who,
        pid,
        {
            **base,
            "product": "Xeomin",
            "injections": [
                {
                    "muscle": "splenius_capitis",
                    "side": "bilateral",
                    "units": 150,
                    "guidance": "ultrasound",
                }
            ],
        },
    )
    assert first["warnings"] == [] or all(
        w["code"] != "bont.reinjection_interval" for w in first["warnings"]
    )
    second = r.add_toxin_session(
        who,
        pid,
        {
            **base,
            "date": "2026-03-30",
            "product": "Myobloc",
            "injections": [
                {
                    "muscle": "splenius_capitis",
                    "side": "bilateral",
                    "units": 5000,
                    "guidance": "emg",
                }
            ],
        },
    )
    codes = {w["code"] for w in second["warnings"]}
    assert "bont.product_switch" in codes and "bont.reinjection_interval" not in codes  # 84 days
    assert second["total_units"] == 5000 and second["product"] == "rimabotulinumtoxin_b"


def test_bad_toxin_session_stores_nothing(clinic) -> None:  # type: ignore[no-untyped-def]
    r, who, pid = clinic
    with pytest.raises(InvalidInputError, match="injections"):
        r.add_toxin_session(
            who,
            pid,
            {
                "product": "Botox",
                "date": "2026-01-05",
                "dilution_units_per_ml": 50,
                "injections": [
                    {
                        "muscle": "sternocleidomastoid",
                        "side": "left",
                        "units": -5,
                        "guidance": "emg",
                    }
                ],
            },
        )
    assert r.overview(who, pid)["toxin"] == []


def test_void_with_reason_keeps_the_row(clinic) -> None:  # type: ignore[no-untyped-def]
    r, who, pid = clinic
    d = r.add_diary(who, pid, day="2026-01-01", severity_0_10=3)
    with pytest.raises(InvalidInputError, match="reason"):
        r.void(who, pid, "diary", d["id"], "  ")
    with pytest.raises(InvalidInputError, match="kind"):
        r.void(who, pid, "diery", d["id"], "typo")
    r.void(who, pid, "diary", d["id"], "entered for the wrong day")
    (row,) = r.list_diary(who, pid)
    assert row["voided"] and row["void_reason"] == "entered for the wrong day"
    with pytest.raises(InvalidInputError, match="already voided"):
        r.void(who, pid, "diary", d["id"], "again")


def test_clinical_rows_cannot_be_deleted_even_in_sql(clinic) -> None:  # type: ignore[no-untyped-def]
    from sqlalchemy import text
    from sqlalchemy.exc import DBAPIError

    r, who, pid = clinic
    r.add_diary(who, pid, day="2026-01-01", severity_0_10=3)
    for table in ("diary_entries", "patients"):
        with pytest.raises(DBAPIError, match="never deleted"), r.db.engine.begin() as conn:
            conn.execute(text(f"DELETE FROM {table}"))


def test_patient_search_escapes_wildcards(clinic) -> None:  # type: ignore[no-untyped-def]
    r, who, _pid = clinic
    r.create_patient(who, "Anna 100% Sure")
    r.create_patient(who, "Ben_Underscore")
    assert [p["display_name"] for p in r.list_patients(who, "100%")] == ["Anna 100% Sure"]
    assert [p["display_name"] for p in r.list_patients(who, "_")] == ["Ben_Underscore"]
    assert len(r.list_patients(who, "%")) == 1


@pytest.mark.parametrize(
    ("kwargs", "field"),
    [({"display_name": ""}, "display_name"), ({"display_name": "x" * 201}, "display_name"),
     ({"display_name": "A", "birth_year": 1800}, "birth_year"), ({"display_name": "A", "sex": "f"}, "sex"),
     ({"display_name": "bad\x00name"}, "display_name")],
)  # fmt: skip
def test_bad_patient_input(clinic, kwargs, field) -> None:  # type: ignore[no-untyped-def]
    r, who, _ = clinic
    before = len(r.list_patients(who))
    name = kwargs.pop("display_name")
    with pytest.raises(InvalidInputError) as err:
        r.create_patient(who, name, **kwargs)
    assert err.value.field == field
    assert len(r.list_patients(who)) == before


def test_recording_upload_is_stored_by_hash_with_analysis(clinic) -> None:  # type: ignore[no-untyped-def]
    from pathlib import Path

    from dystonia.records.models import Blob

    r, who, pid = clinic
    path = (
        Path(__file__).resolve().parents[3]
        / "shared"
        / "data"
        / "device-files"
        / "skdh_ax6_sample.cwa"
    )
    data = path.read_bytes()
    rec = r.add_recording(
        who, pid, filename="../../etc/passwd/skdh_ax6_sample.cwa", data=data, task="rest"
    )
    assert rec["filename"] == "skdh_ax6_sample.cwa"  # no path survives
    assert rec["format"] == "cwa" and rec["analysis"]["tremor"]["n_windows"] > 0
    assert rec["analysis"]["recording"]["source"] == "skdh_ax6_sample.cwa"  # not the temp path
    again = r.add_recording(who, pid, filename="copy.cwa", data=data)
    assert again["sha256"] == rec["sha256"]
    assert r.count(Blob) == 3  # the file once; one figure per upload (titled by file name)
    name, stored = r.recording_bytes(who, pid, rec["id"])
    assert stored == data and name == "skdh_ax6_sample.cwa"
    png = r.recording_figure(who, pid, rec["id"])
    assert png.startswith(b"\x89PNG")


def test_bad_recording_is_refused_and_nothing_stored(clinic) -> None:  # type: ignore[no-untyped-def]
    from dystonia.exceptions import DystoniaError
    from dystonia.records.models import Blob, Recording

    r, who, pid = clinic
    with pytest.raises(InvalidInputError, match="empty"):
        r.add_recording(who, pid, filename="x.csv", data=b"")
    with pytest.raises(DystoniaError):
        r.add_recording(who, pid, filename="x.csv", data=b"time,acc_x\n1,2\n0,3\n")
    assert r.count(Recording) == 0 and r.count(Blob) == 0
