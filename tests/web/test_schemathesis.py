"""Schemathesis against the app's own OpenAPI schema: no 5xx, every response as documented.

Runs signed in as an assigned clinician (the role that may call every patient route), with the
session cookie and CSRF header, on a fresh database with two patients.
"""

from __future__ import annotations

from typing import Any

import pytest
import schemathesis
from hypothesis import HealthCheck, settings

pytestmark = pytest.mark.db


@pytest.fixture
def api_schema(site: Any) -> Any:
    return schemathesis.openapi.from_asgi("/openapi.json", site.app)


schema = schemathesis.pytest.from_fixture("api_schema")


@schema.parametrize()
@settings(max_examples=25, deadline=None, suppress_health_check=list(HealthCheck))
def test_api_conforms(case: Any, site: Any) -> None:
    client = _signed_in(site)
    headers = {"X-CSRF-Token": client["csrf"]}
    case.call_and_validate(headers=headers, cookies={"dw_session": client["token"]})


_SESSIONS: dict[int, dict[str, str]] = {}


def _signed_in(site: Any) -> dict[str, str]:
    key = id(site)
    if key not in _SESSIONS:
        from tests.web.conftest import PASSWORDS  # type: ignore[import-not-found]

        info, token = site.records.sign_in("clin", PASSWORDS["clin"])
        _SESSIONS.clear()
        _SESSIONS[key] = {"csrf": info.csrf_token, "token": token}
    return _SESSIONS[key]
