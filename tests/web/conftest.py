"""Web fixtures: the app on a fresh database, with accounts to sign in as."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import pytest

PASSWORDS = {
    "clin": "clinician password",
    "clin2": "second clinician pw",
    "adm": "admin password 1",
    "pat": "patient password",
    "pat2": "other patient pw",
}


@dataclass
class Site:
    """The app under test and the ids of its fixtures."""

    app: Any
    records: Any
    own: int
    other: int

    def client(self, username: str | None = None) -> Any:
        """A TestClient, signed in as ``username`` through the JSON API (CSRF header set)."""
        from fastapi.testclient import TestClient

        c = TestClient(self.app, base_url="http://testserver")
        if username:
            r = c.post(
                "/api/v1/auth/login", json={"username": username, "password": PASSWORDS[username]}
            )
            assert r.status_code == 200, r.text
            c.headers["X-CSRF-Token"] = r.json()["csrf_token"]
        return c


@pytest.fixture
def site(records: Any) -> Site:
    from dystonia.records.service import SYSTEM
    from dystonia.web.app import create_app

    own = records.create_patient(SYSTEM, "Own Patient", birth_year=1970, sex="female")["id"]
    other = records.create_patient(SYSTEM, "Other Patient", birth_year=1985, sex="male")["id"]
    records.add_user(SYSTEM, "clin", PASSWORDS["clin"], "clinician")
    records.add_user(SYSTEM, "clin2", PASSWORDS["clin2"], "clinician")
    records.add_user(SYSTEM, "adm", PASSWORDS["adm"], "admin")
    records.add_user(SYSTEM, "pat", PASSWORDS["pat"], "patient", patient_id=own)
    records.add_user(SYSTEM, "pat2", PASSWORDS["pat2"], "patient", patient_id=other)
    records.assign(SYSTEM, own, "clin")
    records.assign(SYSTEM, other, "clin2")
    return Site(create_app(records), records, own, other)
