"""Fuzz ``POST /api/v1/patients/{id}/toxin``: its body is a free dict, so hypothesis builds it.

Schemathesis (``tests/web/test_schemathesis.py``) covers the schema-typed bodies; this one is
typed ``dict[str, Any]``, so the generated bodies come from the botulinum strategies (valid
sessions with hostile fields, mutated sessions) and from arbitrary JSON. Through the ASGI app
with the ``site`` fixture of ``tests/web/conftest.py``: every answer is 201 or 4xx, never 5xx;
a 201 stores exactly one session and returns finite JSON; a 4xx stores nothing.
"""

from __future__ import annotations

import json
import math
from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st
from tests.web.conftest import Site, site  # type: ignore[import-not-found]  # noqa: F401

from dystonia.clinical.botulinum import MAX_SESSION_UNITS
from dystonia.records.service import SYSTEM

from ._common import fuzz_settings, json_values
from .test_botulinum import SESSION, blepharospasm_session


def _client(site: Site) -> Any:  # noqa: F811
    """One signed-in clinician client per test (kept on the fixture object)."""
    client = getattr(site, "_fuzz_client", None)
    if client is None:
        client = site.client("clin")
        site._fuzz_client = client  # type: ignore[attr-defined]
    return client


def _stored(site: Site) -> int:  # noqa: F811
    return len(site.records.overview(SYSTEM, site.own)["toxin"])


def _finite(value: Any) -> None:
    if isinstance(value, float):
        assert math.isfinite(value), value
    elif isinstance(value, dict):
        for v in value.values():
            _finite(v)
    elif isinstance(value, list):
        for v in value:
            _finite(v)


def post(site: Site, content: bytes) -> int:  # noqa: F811
    """POST a raw body; 201 or 4xx, stored exactly when 201. Returns the status.

    A server exception (the TestClient re-raises it) counts as a 500.
    """
    before = _stored(site)
    try:
        r = _client(site).post(
            f"/api/v1/patients/{site.own}/toxin",
            content=content,
            headers={"content-type": "application/json"},
        )
        status = r.status_code
    except Exception:
        status = 500
    after = _stored(site)
    assert status == 201 or 400 <= status < 500, f"status {status}"
    if status == 201:
        _finite(r.json())
        assert after == before + 1, (before, after)
    else:
        assert after == before, f"{status} but {after - before} session(s) stored"
    return status


def _as_json(value: Any) -> bytes:
    """JSON text of ``value`` (NaN and Infinity included: refused as non-standard JSON); dates
    as ISO text."""
    return json.dumps(value, default=str).encode()


@fuzz_settings(40)
@given(body=SESSION)
def test_generated_sessions(site: Site, body: dict[str, Any]) -> None:  # noqa: F811
    """Valid sessions with hostile fields, and mutated sessions."""
    post(site, _as_json(body))


@fuzz_settings(20)
@given(body=json_values(12))
def test_arbitrary_json_bodies(site: Site, body: Any) -> None:  # noqa: F811
    """Any JSON value: objects of junk, lists, strings, numbers, null."""
    post(site, _as_json(body))


@fuzz_settings(15)
@given(
    raw=st.binary(max_size=200)
    | st.sampled_from(
        [
            b"",
            b"{",
            b"{}",
            b"[]",
            b"null",
            b"\xff\xfe{}",
            b'{"a":1}' * 3,
            b'{"a":1,"a":2}',
            b"[" * 5000 + b"]" * 5000,
            b'{"product": ' + b"9" * 5000 + b"}",
        ]
    )
)
def test_raw_bodies(site: Site, raw: bytes) -> None:  # noqa: F811
    """Bytes that are not JSON, deep nesting, huge integers."""
    post(site, raw)


def test_valid_session_is_stored(site: Site) -> None:  # noqa: F811
    """Sanity: the oracle sees a stored session."""
    assert post(site, _as_json(blepharospasm_session("2026-01-05", 10))) == 201


# Found by this fuzzing: two sessions of 1e308 U within 30 days summed to a cumulative-limit
# warning of units=inf, stored as is. Units are now bounded per session
# (botulinum.MAX_SESSION_UNITS): the absurd dose is refused, and two sessions at the ceiling
# store finite warnings.
def test_absurd_session_is_refused_and_stores_nothing(site: Site) -> None:  # noqa: F811
    assert post(site, _as_json(blepharospasm_session("2026-01-05", 1e308))) == 422
    assert site.records.overview(SYSTEM, site.own)["toxin"] == []


def test_two_sessions_at_the_ceiling_store_finite_warnings(site: Site) -> None:  # noqa: F811
    for day in ("2026-01-05", "2026-01-20"):
        assert post(site, _as_json(blepharospasm_session(day, MAX_SESSION_UNITS))) == 201
    stored = site.records.overview(SYSTEM, site.own)["toxin"]
    assert len(stored) == 2
    warnings = [w for t in stored for w in t["warnings"]]
    assert warnings, "a second session of 100,000 U within 30 days must warn"
    json.dumps(warnings, allow_nan=False)


# Found by this fuzzing (500: the 422 answer could not render NaN, inf or a lone surrogate); now
# refused as non-standard JSON before any route reads the body (web.app.StrictJsonRoute).
@pytest.mark.parametrize(
    "raw",
    [
        b'{"product": NaN}',
        b'{"product": "Botox", "date": "2026-01-05", "dilution_units_per_ml": Infinity, '
        b'"injections": [{"muscle": "procerus", "side": "midline", "units": 10, "guidance": "none"}]}',
        b'{"product": 1e999}',
        b'{"product": "\\ud800"}',
        b'{"\\udc00": 1}',
        b'{"product": -Infinity}',
        b'{"product": 1' + b"0" * 400 + b"}",
        b'{"product": ["ok", "\xed\xa0\x80"]}',
    ],
    ids=[
        "NaN",
        "Infinity",
        "1e999",
        "lone-surrogate-value",
        "lone-surrogate-key",
        "-Infinity",
        "int-beyond-double",
        "surrogate-bytes",
    ],
)
def test_non_standard_json_is_a_4xx(site: Site, raw: bytes) -> None:  # noqa: F811
    assert post(site, raw) == 422
