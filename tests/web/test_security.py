"""Attacks on the web app: other patients' data by id on every route, session fixation,
password guessing, uploads, headers."""

from __future__ import annotations

import re
from typing import Any

import pytest
from tests.web.conftest import PASSWORDS  # type: ignore[import-not-found]

BODIES: dict[str, Any] = {
    "assessments": {"findings": {"age_at_onset": 40, "regions": ["neck"]}},
    "scales/{scale}": {"items": {"severity": 1, "frequency": 1}},
    "diary": {"date": "2026-01-01", "severity_0_10": 3},
    "medications": {"name": "clonazepam"},
    "visits": {"date": "2026-01-01"},
    "toxin": {"product": "Botox", "date": "2026-01-01", "dilution_units_per_ml": 50, "injections": [{"muscle": "trapezius", "side": "left", "units": 20, "guidance": "emg"}]},
    "{kind}/{record_id}/void": {"reason": "test"},
}  # fmt: skip


def _patient_routes(app: Any) -> list[tuple[str, str]]:
    from dystonia.web.api import router as api_router
    from dystonia.web.pages import router as pages_router

    out = []
    for route in [*api_router.routes, *pages_router.routes]:
        path = getattr(route, "path", "")
        if "{patient_id}" in path:
            for method in sorted(getattr(route, "methods", ()) or ()):
                if method in ("GET", "POST"):
                    out.append((method, path))
    return out


def _fill(path: str, pid: int) -> str:
    return (
        path.replace("{patient_id}", str(pid))
        .replace("{scale}", "jrs")
        .replace("{kind}", "diary")
        .replace("{record_id}", "1")
        .replace("{recording_id}", "1")
    )


def test_every_patient_route_hides_other_patients(site) -> None:  # type: ignore[no-untyped-def]
    """Every API and page route with a patient id answers 404 to a clinician who is not
    assigned and to another patient: no data, no existence leak."""
    from tests.web.test_pages import browser_client  # type: ignore[import-not-found]

    routes = _patient_routes(site.app)
    assert len(routes) >= 25
    before = site.records.overview(_system(), site.other)
    for who in ("clin", "pat"):
        api = site.client(who)
        page, csrf = browser_client(site, who)
        for method, path in routes:
            url = _fill(path, site.other)
            if path.startswith("/api/"):
                body = next((b for k, b in BODIES.items() if path.endswith(k)), None)
                r = api.request(method, url, json=body) if method == "POST" else api.get(url)
            else:
                form = {
                    "csrf_token": csrf,
                    "kind": "diary",
                    "record_id": "1",
                    "reason": "x",
                    "name": "x",
                    "date": "2026-01-01",
                }
                r = page.post(url, data=form) if method == "POST" else page.get(url)
            assert r.status_code == 404, (who, method, path, r.status_code)
            assert "Other Patient" not in r.text
    assert site.records.overview(_system(), site.other) == before  # nothing changed


def test_session_fixation_is_defeated(site) -> None:  # type: ignore[no-untyped-def]
    from fastapi.testclient import TestClient

    c = TestClient(site.app, base_url="http://testserver")
    planted = "attacker-chosen-session-value-0123456789abcdef"
    c.cookies.set("dw_session", planted)
    r = c.post("/api/v1/auth/login", json={"username": "clin", "password": PASSWORDS["clin"]})
    assert r.status_code == 200 and r.cookies.get("dw_session") not in (None, planted)
    victim = TestClient(site.app, base_url="http://testserver")
    victim.cookies.set("dw_session", planted)
    assert victim.get("/api/v1/patients").status_code == 401


def test_password_guessing_is_slowed_then_locked(site, monkeypatch) -> None:  # type: ignore[no-untyped-def]
    import time as time_module

    from dystonia.records import accounts

    waits: list[float] = []
    monkeypatch.setattr(time_module, "sleep", lambda s: waits.append(s))
    c = site.client()
    for _ in range(accounts.LOCK_AFTER_FAILURES):
        assert (
            c.post(
                "/api/v1/auth/login", json={"username": "clin", "password": "guess guess"}
            ).status_code
            == 401
        )
    assert [w for w in waits if w > 0] == [0.25, 0.5, 1.0, 2.0, 4.0][
        : accounts.LOCK_AFTER_FAILURES - 5
    ]
    r = c.post("/api/v1/auth/login", json={"username": "clin", "password": PASSWORDS["clin"]})
    assert r.status_code == 401  # the account is locked now, even with the right password


def test_upload_type_and_size_limits(site, monkeypatch) -> None:  # type: ignore[no-untyped-def]
    from tests.web.test_pages import browser_client  # type: ignore[import-not-found]

    from dystonia.records import service

    c, csrf = browser_client(site, "clin")
    r = c.post(
        f"/patients/{site.own}/recordings",
        data={"csrf_token": csrf},
        files={"file": ("evil.html", b"<script>1</script>", "text/html")},
    )
    assert r.status_code == 422 and "not a recording type" in r.text
    monkeypatch.setattr(service, "MAX_UPLOAD_BYTES", 1024)
    r = c.post(
        f"/patients/{site.own}/recordings",
        data={"csrf_token": csrf},
        files={"file": ("big.csv", b"x" * 4096, "text/csv")},
    )
    assert r.status_code == 422 and "at most" in r.text
    assert site.records.overview(_system(), site.own)["recordings"] == []


@pytest.mark.parametrize("path", ["/login", "/patients", "/static/app.css", "/api/v1/patients"])
def test_security_headers_everywhere(site, path) -> None:  # type: ignore[no-untyped-def]
    r = site.client("clin").get(path)
    assert "frame-ancestors 'none'" in r.headers["content-security-policy"]
    assert r.headers["x-content-type-options"] == "nosniff"
    assert r.headers["referrer-policy"] == "no-referrer"
    if not path.startswith("/static/"):
        assert r.headers["cache-control"] == "no-store"


def test_no_traceback_or_internals_in_errors(site) -> None:  # type: ignore[no-untyped-def]
    c = site.client("clin")
    for r in (
        c.post(
            f"/api/v1/patients/{site.own}/diary",
            content=b"\xff\xfe not json",
            headers={"content-type": "application/json"},
        ),
        c.get("/api/v1/patients/not-a-number"),
        c.post(f"/api/v1/patients/{site.own}/toxin", json=[1, 2, 3]),
    ):
        assert 400 <= r.status_code < 500
        assert "Traceback" not in r.text and "sqlalchemy" not in r.text.lower()


def test_logout_form_needs_csrf(site) -> None:  # type: ignore[no-untyped-def]
    from tests.web.test_pages import browser_client  # type: ignore[import-not-found]

    c, csrf = browser_client(site, "clin")
    assert c.post("/logout").status_code == 403  # a cross-site form cannot sign the user out
    assert c.post("/logout", data={"csrf_token": csrf}).status_code == 303
    assert re.search("Sign in", c.get("/login").text)


def _system() -> Any:
    from dystonia.records.service import SYSTEM

    return SYSTEM
