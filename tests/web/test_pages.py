"""Server-rendered pages over HTTP: every role's pages, forms, escaping, CSRF, refusals."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import pytest
from tests.web.conftest import PASSWORDS  # type: ignore[import-not-found]

HOSTILE = '<script>alert("x")</script>&<b>'


def browser_client(site: Any, username: str) -> tuple[Any, str]:
    """Sign in through the HTML form (pre-login double-submit cookie); returns (client, csrf)."""
    from fastapi.testclient import TestClient

    c = TestClient(site.app, base_url="http://testserver", follow_redirects=False)
    page = c.get("/login")
    prelogin = re.search(r'name="prelogin" value="([^"]+)"', page.text).group(1)
    r = c.post(
        "/login", data={"username": username, "password": PASSWORDS[username], "prelogin": prelogin}
    )
    assert r.status_code == 303, r.text
    home = c.get(r.headers["location"])
    csrf = re.search(r'name="csrf-token" content="([^"]+)"', home.text).group(1)
    return c, csrf


def test_login_form_needs_the_prelogin_cookie(site) -> None:  # type: ignore[no-untyped-def]
    from fastapi.testclient import TestClient

    c = TestClient(site.app, base_url="http://testserver", follow_redirects=False)
    r = c.post(
        "/login", data={"username": "clin", "password": PASSWORDS["clin"], "prelogin": "forged"}
    )
    assert (
        r.status_code == 303 and r.headers["location"] == "/login" and "dw_session" not in c.cookies
    )


def test_wrong_password_page(site) -> None:  # type: ignore[no-untyped-def]
    from fastapi.testclient import TestClient

    c = TestClient(site.app, base_url="http://testserver")
    page = c.get("/login")
    prelogin = re.search(r'name="prelogin" value="([^"]+)"', page.text).group(1)
    r = c.post("/login", data={"username": "clin", "password": "nope nope", "prelogin": prelogin})
    assert r.status_code == 401 and "Wrong username, password or authenticator code." in r.text


@pytest.mark.parametrize(
    ("who", "path", "status"),
    [
        ("clin", "/patients", 200), ("clin", "/patients/new", 200), ("clin", "/patients/{own}", 200),
        ("clin", "/patients/{own}/assess", 200), ("clin", "/patients/{own}/scales/twstrs", 200),
        ("clin", "/patients/{own}/scales/bfmdrs_movement", 200), ("clin", "/patients/{own}/toxin", 200),
        ("clin", "/patients/{own}/recordings/new", 200), ("clin", "/patients/{other}", 404),
        ("clin", "/patients/{other}/assess", 404), ("clin", "/admin/users", 403), ("clin", "/admin/audit", 403),
        ("adm", "/patients/{other}", 200), ("adm", "/admin/users", 200), ("adm", "/admin/audit?verify=1", 200),
        ("pat", "/me", 200), ("pat", "/me/diary", 200), ("pat", "/me/summary", 200),
        ("pat", "/patients/{other}", 404), ("pat", "/patients/{other}/toxin", 404), ("pat", "/admin/users", 403),
        ("clin", "/me", 404),
    ],
)  # fmt: skip
def test_page_access(site, who, path, status) -> None:  # type: ignore[no-untyped-def]
    c, _ = browser_client(site, who)
    r = c.get(path.format(own=site.own, other=site.other))
    assert r.status_code == status
    if status == 404:
        assert "Other Patient" not in r.text


def test_pages_require_sign_in(site) -> None:  # type: ignore[no-untyped-def]
    from fastapi.testclient import TestClient

    c = TestClient(site.app, base_url="http://testserver", follow_redirects=False)
    for path in ("/patients", f"/patients/{site.own}", "/me", "/admin/users"):
        r = c.get(path)
        assert r.status_code == 303 and r.headers["location"] == "/login"


def test_form_posts_need_the_csrf_token(site) -> None:  # type: ignore[no-untyped-def]
    c, csrf = browser_client(site, "clin")
    r = c.post("/patients/new", data={"display_name": "No Token"})
    assert r.status_code == 403
    r = c.post("/patients/new", data={"display_name": "With Token", "csrf_token": csrf})
    assert r.status_code == 303
    names = [p["display_name"] for p in site.records.list_patients(_system())]
    assert "With Token" in names and "No Token" not in names


def test_user_text_is_escaped_everywhere(site) -> None:  # type: ignore[no-untyped-def]
    c, csrf = browser_client(site, "clin")
    r = c.post("/patients/new", data={"display_name": HOSTILE, "csrf_token": csrf})
    pid = int(r.headers["location"].rsplit("/", 1)[1])
    c.post(
        f"/patients/{pid}/medications", data={"name": HOSTILE, "dose": HOSTILE, "csrf_token": csrf}
    )
    c.post(
        f"/patients/{pid}/visits",
        data={"date": "2026-01-01", "kind": "clinic", "note": HOSTILE, "csrf_token": csrf},
    )
    for path in ("/patients", f"/patients/{pid}", f"/patients/{pid}/assess"):
        text = c.get(path).text
        assert "<script>alert" not in text, path
        assert "&lt;script&gt;alert" in text, path


def test_assessment_form_classifies(site) -> None:  # type: ignore[no-untyped-def]
    c, csrf = browser_client(site, "clin")
    r = c.post(
        f"/patients/{site.own}/assess",
        data={
            "csrf_token": csrf,
            "age_at_onset": "8",
            "regions": ["left_leg_distal", "trunk", "right_arm_distal"],
            "course": "progressive",
        },
    )
    assert r.status_code == 200
    assert 'data-testid="distribution">generalized<' in r.text
    (stored,) = site.records.list_assessments(_system(), site.own)
    assert stored["findings"]["age_at_onset"] == 8


def test_scale_preview_totals_and_save(site) -> None:  # type: ignore[no-untyped-def]
    c, csrf = browser_client(site, "clin")
    r = c.post(
        f"/patients/{site.own}/scales/jrs/preview", data={"csrf_token": csrf, "item_severity": "3"}
    )
    assert "1 of 2 items rated" in r.text
    r = c.post(
        f"/patients/{site.own}/scales/jrs/preview",
        data={"csrf_token": csrf, "item_severity": "3", "item_frequency": "2"},
    )
    assert 'data-testid="total-value">5 ' in r.text
    r = c.post(
        f"/patients/{site.own}/scales/jrs",
        data={"csrf_token": csrf, "item_severity": "3", "item_frequency": "9"},
    )
    assert r.status_code == 422 and "frequency" in r.text
    r = c.post(
        f"/patients/{site.own}/scales/jrs",
        data={"csrf_token": csrf, "item_severity": "3", "item_frequency": "2"},
    )
    assert r.status_code == 303
    assert [s["total"] for s in site.records.list_scales(_system(), site.own)] == [5]


def test_toxin_form_shows_warnings(site) -> None:  # type: ignore[no-untyped-def]
    c, csrf = browser_client(site, "clin")
    form = {
        "csrf_token": csrf, "product": "onabotulinumtoxin_a", "date": "2026-01-05", "dilution_units_per_ml": "50",
        "indication": "cervical_dystonia", "muscle_0": "sternocleidomastoid", "side_0": "left", "units_0": "120",
        "guidance_0": "emg",
    }  # fmt: skip
    r = c.post(f"/patients/{site.own}/toxin", data=form)
    assert r.status_code == 200 and 'data-testid="toxin-warnings"' in r.text
    r = c.post(f"/patients/{site.own}/toxin", data={**form, "units_0": "-1"})
    assert r.status_code == 422 and "units" in r.text
    assert len(site.records.overview(_system(), site.own)["toxin"]) == 1


def test_recording_upload_page(site) -> None:  # type: ignore[no-untyped-def]
    c, csrf = browser_client(site, "clin")
    path = (
        Path(__file__).resolve().parents[3]
        / "shared"
        / "data"
        / "device-files"
        / "skdh_ax6_sample.cwa"
    )
    with path.open("rb") as fh:
        r = c.post(
            f"/patients/{site.own}/recordings",
            data={"csrf_token": csrf, "task": "rest"},
            files={"file": ("wrist.cwa", fh, "application/octet-stream")},
        )
    assert r.status_code == 303
    page = c.get(r.headers["location"])
    assert page.status_code == 200 and "Tremor stability index" in page.text
    fig = c.get(r.headers["location"] + "/figure.png")
    assert fig.status_code == 200 and fig.headers["content-type"] == "image/png"
    bad = c.post(
        f"/patients/{site.own}/recordings",
        data={"csrf_token": csrf},
        files={"file": ("x.csv", b"not,a\nrecording\n", "text/csv")},
    )
    assert bad.status_code == 422 and 'data-testid="form-errors"' in bad.text


def test_patient_portal_diary_and_summary(site) -> None:  # type: ignore[no-untyped-def]
    from dystonia.records.accounts import principal_of
    from dystonia.records.models import User

    with site.records.db.sessions() as s:
        clin = principal_of(s.query(User).filter_by(username="clin").one())
    site.records.add_assessment(clin, site.own, {"age_at_onset": 45, "regions": ["neck"]})
    c, csrf = browser_client(site, "pat")
    r = c.post(
        "/me/diary",
        data={
            "csrf_token": csrf,
            "date": "2026-11-01",
            "severity_0_10": "4",
            "pain_recorded": "1",
            "pain_0_10": "2",
            "note": "ok day",
        },
    )
    assert r.status_code == 200 and 'data-testid="diary-saved"' in r.text
    r = c.post("/me/diary", data={"csrf_token": csrf, "date": "2026-11-01", "severity_0_10": "12"})
    assert r.status_code == 422
    summary = c.get("/me/summary")
    assert 'data-testid="patient-summary"' in summary.text and "neck" in summary.text.lower()


def test_admin_creates_account_and_assigns(site) -> None:  # type: ignore[no-untyped-def]
    c, csrf = browser_client(site, "adm")
    r = c.post(
        "/admin/users",
        data={
            "csrf_token": csrf,
            "username": "dr.new",
            "password": "new doctor pw",
            "role": "clinician",
        },
    )
    assert r.status_code == 303
    r = c.post(
        "/admin/assign",
        data={"csrf_token": csrf, "patient_id": str(site.other), "clinician": "dr.new"},
    )
    assert r.status_code == 303
    r = c.post(
        "/admin/users",
        data={"csrf_token": csrf, "username": "Bad Name", "password": "x", "role": "clinician"},
    )
    assert (
        r.status_code == 422
        and "username" in r.text
        and "x" not in re.findall(r'value="([^"]*)"', r.text)
    )


def _system() -> Any:
    from dystonia.records.service import SYSTEM

    return SYSTEM
