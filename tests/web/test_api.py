"""The JSON API of contracts/api.md, over HTTP against a real database."""

from __future__ import annotations

import pytest

CERVICAL = {
    "age_at_onset": 45,
    "age": 47,
    "regions": ["neck"],
    "course": "static",
    "sensory_trick": True,
    "cervical_pattern": ["torticollis"],
}
TWSTRS = {
    "rotation": 3, "laterocollis": 2, "antero_retrocollis": 1, "lateral_shift": 0,
    "sagittal_shift": 0, "duration": 4, "sensory_trick": 1, "shoulder_elevation": 1,
    "range_of_motion": 2, "time_in_neutral": 2, "work": 2, "daily_activities": 1,
    "driving": 2, "reading": 1, "television": 1, "outside_activities": 1,
    "pain_worst": 8, "pain_best": 2, "pain_usual": 5, "pain_duration": 3, "pain_disability": 2,
}  # fmt: skip


def test_healthz(site) -> None:  # type: ignore[no-untyped-def]
    r = site.client().get("/healthz")
    assert r.status_code == 200 and r.json() == {"status": "ok"}


def test_openapi_lists_the_contract_paths(site) -> None:  # type: ignore[no-untyped-def]
    paths = site.client().get("/openapi.json").json()["paths"]
    for path in (
        "/api/v1/auth/login",
        "/api/v1/auth/logout",
        "/api/v1/patients",
        "/api/v1/patients/{patient_id}",
        "/api/v1/patients/{patient_id}/assessments",
        "/api/v1/patients/{patient_id}/scales/{scale}",
        "/api/v1/patients/{patient_id}/diary",
        "/api/v1/patients/{patient_id}/fhir",
    ):
        assert path in paths, path


def test_login_same_message_for_unknown_user_and_wrong_password(site) -> None:  # type: ignore[no-untyped-def]
    c = site.client()
    a = c.post("/api/v1/auth/login", json={"username": "nobody", "password": "whatever pw"})
    b = c.post("/api/v1/auth/login", json={"username": "clin", "password": "wrong password"})
    assert a.status_code == b.status_code == 401
    assert a.json() == b.json()
    assert "dw_session" not in c.cookies


def test_session_cookie_flags(site) -> None:  # type: ignore[no-untyped-def]
    c = site.client()
    r = c.post("/api/v1/auth/login", json={"username": "clin", "password": "clinician password"})
    cookie = r.headers["set-cookie"]
    assert "HttpOnly" in cookie and "SameSite=lax" in cookie and "Path=/" in cookie
    assert r.json()["role"] == "clinician" and len(r.json()["csrf_token"]) >= 40


def test_security_headers(site) -> None:  # type: ignore[no-untyped-def]
    r = site.client().get("/healthz")
    csp = r.headers["content-security-policy"]
    assert "script-src 'self'" in csp and "unsafe-inline" not in csp and "unsafe-eval" not in csp
    assert r.headers["x-frame-options"] == "DENY"
    assert r.headers["x-content-type-options"] == "nosniff"
    assert r.headers["cache-control"] == "no-store"


def test_requires_sign_in(site) -> None:  # type: ignore[no-untyped-def]
    assert site.client().get("/api/v1/patients").status_code == 401


def test_writes_need_the_csrf_token(site) -> None:  # type: ignore[no-untyped-def]
    c = site.client("clin")
    token = c.headers.pop("X-CSRF-Token")
    r = c.post("/api/v1/patients", json={"display_name": "No token"})
    assert r.status_code == 403
    r = c.post("/api/v1/patients", json={"display_name": "Bad"}, headers={"X-CSRF-Token": "x" * 43})
    assert r.status_code == 403
    r = c.post("/api/v1/patients", json={"display_name": "Good"}, headers={"X-CSRF-Token": token})
    assert r.status_code == 201
    names = [p["display_name"] for p in c.get("/api/v1/patients").json()]
    assert "No token" not in names and "Bad" not in names and "Good" in names


def test_logout_ends_the_session_server_side(site) -> None:  # type: ignore[no-untyped-def]
    c = site.client("clin")
    cookie = c.cookies.get("dw_session")
    assert c.post("/api/v1/auth/logout").status_code == 200
    replay = site.client()
    replay.cookies.set("dw_session", cookie)
    assert replay.get("/api/v1/patients").status_code == 401


def test_create_patient_assigns_the_creating_clinician(site) -> None:  # type: ignore[no-untyped-def]
    c = site.client("clin2")
    r = c.post(
        "/api/v1/patients", json={"display_name": "New One", "birth_year": 1990, "sex": "female"}
    )
    assert r.status_code == 201
    pid = r.json()["id"]
    assert c.get(f"/api/v1/patients/{pid}").status_code == 200
    assert site.client("clin").get(f"/api/v1/patients/{pid}").status_code == 404


def test_patient_visibility(site) -> None:  # type: ignore[no-untyped-def]
    pat = site.client("pat")
    assert pat.get(f"/api/v1/patients/{site.own}").status_code == 200
    assert pat.get(f"/api/v1/patients/{site.other}").status_code == 404
    assert pat.get("/api/v1/patients/999999").status_code == 404
    assert [p["id"] for p in pat.get("/api/v1/patients").json()] == [site.own]
    adm = site.client("adm")
    assert adm.get(f"/api/v1/patients/{site.other}").status_code == 200


def test_assessment_round_trip(site) -> None:  # type: ignore[no-untyped-def]
    c = site.client("clin")
    r = c.post(f"/api/v1/patients/{site.own}/assessments", json={"findings": CERVICAL})
    assert r.status_code == 201, r.text
    body = r.json()
    assert body["assessment"]["distribution"] == "focal"
    assert body["rules_version"] == body["assessment"]["rules_version"]
    assert body["findings"]["regions"] == ["neck"]
    c.post(
        f"/api/v1/patients/{site.own}/assessments",
        json={"findings": {**CERVICAL, "regions": ["neck", "upper_face"]}},
    )
    listed = site.client("pat").get(f"/api/v1/patients/{site.own}/assessments").json()
    assert [a["assessment"]["distribution"] for a in listed] == [
        "segmental",
        "focal",
    ]  # newest first


def test_assessment_by_admin_or_patient_is_refused(site) -> None:  # type: ignore[no-untyped-def]
    for who in ("adm", "pat"):
        r = site.client(who).post(
            f"/api/v1/patients/{site.own}/assessments", json={"findings": CERVICAL}
        )
        assert r.status_code == 403
    r = site.client("clin2").post(
        f"/api/v1/patients/{site.own}/assessments", json={"findings": CERVICAL}
    )
    assert r.status_code == 404


@pytest.mark.parametrize(
    ("findings", "field"),
    [
        ({**CERVICAL, "regions": ["nek"]}, "regions"),
        ({**CERVICAL, "age_at_onset": -3}, "age_at_onset"),
        ({**CERVICAL, "colour": "blue"}, "colour"),
    ],
)
def test_bad_findings_are_422_and_store_nothing(site, findings, field) -> None:  # type: ignore[no-untyped-def]
    c = site.client("clin")
    r = c.post(f"/api/v1/patients/{site.own}/assessments", json={"findings": findings})
    assert r.status_code == 422
    detail = r.json()["detail"]
    assert detail[0]["field"].startswith(field), detail
    assert c.get(f"/api/v1/patients/{site.own}/assessments").json() == []


def test_scale_scored_like_the_cli(site) -> None:  # type: ignore[no-untyped-def]
    from dystonia.scales import score

    c = site.client("clin")
    r = c.post(f"/api/v1/patients/{site.own}/scales/twstrs", json={"items": TWSTRS})
    assert r.status_code == 201, r.text
    expected = score("twstrs", TWSTRS).to_dict()
    got = r.json()
    assert {k: got[k] for k in expected} == expected


def test_bad_scale_and_item_are_422(site) -> None:  # type: ignore[no-untyped-def]
    c = site.client("clin")
    r = c.post(f"/api/v1/patients/{site.own}/scales/twstrz", json={"items": TWSTRS})
    assert r.status_code == 422 and r.json()["detail"][0]["suggestion"] == "twstrs"
    r = c.post(
        f"/api/v1/patients/{site.own}/scales/twstrs", json={"items": {**TWSTRS, "rotation": 9}}
    )
    assert r.status_code == 422 and r.json()["detail"][0]["field"] == "items.rotation"
    assert c.get(f"/api/v1/patients/{site.own}/scales").json() == []


def test_diary_by_patient_and_clinician(site) -> None:  # type: ignore[no-untyped-def]
    pat = site.client("pat")
    r = pat.post(
        f"/api/v1/patients/{site.own}/diary",
        json={"date": "2026-11-01", "severity_0_10": 6, "pain_0_10": 3, "note": "tired"},
    )
    assert r.status_code == 201 and r.json()["severity_0_10"] == 6
    r = site.client("clin").post(
        f"/api/v1/patients/{site.own}/diary", json={"date": "2026-11-02", "severity_0_10": 4}
    )
    assert r.status_code == 201
    assert (
        pat.post(
            f"/api/v1/patients/{site.other}/diary", json={"date": "2026-11-01", "severity_0_10": 6}
        ).status_code
        == 404
    )
    assert len(pat.get(f"/api/v1/patients/{site.own}/diary").json()) == 2


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"date": "2026-11-01", "severity_0_10": 11}, "severity_0_10"),
        ({"date": "2026-13-01", "severity_0_10": 3}, "date"),
        ({"date": "2026-11-01", "severity_0_10": 3, "pain_0_10": -1}, "pain_0_10"),
        ({"severity_0_10": 3}, "date"),
        ({"date": "2026-11-01", "severity_0_10": 3, "mood": 2}, "mood"),
    ],
)
def test_bad_diary_is_422(site, body, field) -> None:  # type: ignore[no-untyped-def]
    pat = site.client("pat")
    r = pat.post(f"/api/v1/patients/{site.own}/diary", json=body)
    assert r.status_code == 422
    assert any(d["field"] == field for d in r.json()["detail"]), r.json()
    assert pat.get(f"/api/v1/patients/{site.own}/diary").json() == []


def test_future_diary_date_is_refused(site) -> None:  # type: ignore[no-untyped-def]
    r = site.client("pat").post(
        f"/api/v1/patients/{site.own}/diary", json={"date": "2099-01-01", "severity_0_10": 3}
    )
    assert r.status_code == 422 and r.json()["detail"][0]["field"] == "date"


def test_toxin_session_warnings_over_http(site) -> None:  # type: ignore[no-untyped-def]
    c = site.client("clin")
    first = {
        "product": "Botox", "date": "2026-01-05", "dilution_units_per_ml": 50, "indication": "cervical_dystonia",
        "injections": [{"muscle": "splenius_capitis", "side": "right", "units": 100, "guidance": "emg"},
                       {"muscle": "sternocleidomastoid", "side": "left", "units": 120, "guidance": "emg"}],
    }  # fmt: skip
    r = c.post(f"/api/v1/patients/{site.own}/toxin", json=first)
    assert r.status_code == 201, r.text
    assert r.json()["product"] == "onabotulinumtoxin_a" and r.json()["total_units"] == 220
    assert "bont.site_dose_note" in {w["code"] for w in r.json()["warnings"]}
    second = {**first, "product": "Dysport", "date": "2026-03-02"}
    r = c.post(f"/api/v1/patients/{site.own}/toxin", json=second)
    codes = {w["code"] for w in r.json()["warnings"]}
    assert {"bont.reinjection_interval", "bont.product_switch"} <= codes
    assert r.json()["total_units"] == 220  # the units entered, never converted


def test_void_keeps_the_record(site) -> None:  # type: ignore[no-untyped-def]
    c = site.client("clin")
    d = c.post(
        f"/api/v1/patients/{site.own}/diary", json={"date": "2026-11-01", "severity_0_10": 6}
    ).json()
    assert (
        c.post(f"/api/v1/patients/{site.own}/diary/{d['id']}/void", json={"reason": ""}).status_code
        == 422
    )
    r = c.post(f"/api/v1/patients/{site.own}/diary/{d['id']}/void", json={"reason": "wrong day"})
    assert r.status_code == 200
    (row,) = c.get(f"/api/v1/patients/{site.own}/diary").json()
    assert row["voided"] and row["void_reason"] == "wrong day"
    assert (
        site.client("pat")
        .post(f"/api/v1/patients/{site.own}/diary/{d['id']}/void", json={"reason": "x"})
        .status_code
        == 403
    )


def test_every_access_is_audited_without_clinical_content(site) -> None:  # type: ignore[no-untyped-def]
    from dystonia.records.service import SYSTEM

    c = site.client("clin")
    c.post(
        f"/api/v1/patients/{site.own}/diary",
        json={"date": "2026-11-01", "severity_0_10": 6, "note": "SECRET NOTE"},
    )
    c.get(f"/api/v1/patients/{site.own}")
    events = site.records.audit_events(SYSTEM, limit=10)
    actions = [e["action"] for e in events]
    assert "diary.create" in actions and "patient.read" in actions
    assert "SECRET" not in repr(events)
    assert site.records.verify_audit().ok
