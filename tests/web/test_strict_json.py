"""Strict JSON bodies and error answers that always render (web.app)."""

from __future__ import annotations

import json
from typing import Any

import pytest

from dystonia.exceptions import InvalidInputError
from dystonia.web.app import (
    STANDARD_JSON,
    SafeJSONResponse,
    invalid_input_body,
    strict_json_loads,
)


@pytest.mark.parametrize(
    ("text", "said"),
    [
        ('{"a": NaN}', "NaN is not standard JSON"),
        ("[Infinity]", "Infinity is not standard JSON"),
        ("-Infinity", "-Infinity is not standard JSON"),
        ('{"a": 1e999}', "1e999 is beyond the range of a double"),
        ('{"a": -1.5e400}', "-1.5e400 is beyond the range of a double"),
        ('{"a": 1' + "0" * 400 + "}", "an integer of 401 digits"),
        ('{"a": -' + "9" * 5000 + "}", "an integer of 5000 digits"),
        ('{"a": "x\\ud800"}', "lone surrogate"),
        ('{"\\udfff": 1}', "lone surrogate"),
        ('[[["ok", {"k": ["\\udc00"]}]]]', "lone surrogate"),
    ],
)
def test_non_standard_json_is_refused(text: str, said: str) -> None:
    with pytest.raises(InvalidInputError) as info:
        strict_json_loads(text.encode())
    message = str(info.value)
    assert said in message and STANDARD_JSON in message
    assert len(message) < 400
    message.encode("utf-8")  # no lone surrogate in the message itself


def test_raw_surrogate_bytes_are_refused() -> None:
    """UTF-8 bytes of a surrogate (which json decodes with surrogatepass) are refused too."""
    with pytest.raises(InvalidInputError, match="lone surrogate"):
        strict_json_loads(b'{"a": "\xed\xa0\x80"}')


@pytest.mark.parametrize(
    "text",
    [
        '{"a": 1.7976931348623157e308, "b": -1e-320, "c": 5e-324}',
        '{"a": ' + "9" * 308 + "}",
        '{"a": "\\ud83d\\ude00", "b": "é"}',
        '[1, 2.5, "x", null, true, {"k": []}]',
    ],
)
def test_standard_json_is_read_as_json_reads_it(text: str) -> None:
    assert strict_json_loads(text.encode()) == json.loads(text)


def test_not_json_is_left_to_json() -> None:
    with pytest.raises(json.JSONDecodeError):
        strict_json_loads(b"{")


@pytest.mark.parametrize(
    "value",
    [float("nan"), float("inf"), "\ud800", {"\udc00": [float("-inf")]}, 10**5000, 10**400],
    ids=["nan", "inf", "surrogate", "nested", "int-5001-digits", "int-401-digits"],
)
def test_error_answer_renders_any_value(value: Any) -> None:
    """The safety net: an error carrying an unrenderable value still gives a JSON answer."""
    exc = InvalidInputError("units", value, reason="is not allowed")
    body = SafeJSONResponse({"detail": [invalid_input_body(exc)]}, status_code=422).body
    text = body.decode("utf-8")
    json.loads(text)  # standard JSON: no NaN, no Infinity
    assert "NaN" not in text and "Infinity" not in text
    assert len(text) < 2000


def test_long_rejected_value_is_shortened() -> None:
    exc = InvalidInputError("product", "x" * 100_000, allowed=["Botox"])
    item = invalid_input_body(exc)
    assert len(item["value"]) <= 40


# ------------------------------------------------------------------------------ through the API
@pytest.mark.parametrize(
    ("route", "body"),
    [
        ("/api/v1/patients", b'{"display_name": "A", "birth_year": 1e999}'),
        ("/api/v1/patients", b'{"display_name": "\\ud800"}'),
        ("/api/v1/patients/{own}/scales/twstrs", b'{"items": {"rotation": NaN}}'),
        ("/api/v1/patients/{own}/diary", b'{"date": "2026-01-05", "severity_0_10": Infinity}'),
        ("/api/v1/patients/{own}/assessments", b'{"findings": {"\\udc00": 1}}'),
        ("/api/v1/patients/{own}/toxin", b'{"product": -Infinity}'),
    ],
)
def test_every_json_route_refuses_non_standard_json(site: Any, route: str, body: bytes) -> None:
    client = site.client("clin")
    r = client.post(
        route.format(own=site.own), content=body, headers={"content-type": "application/json"}
    )
    assert r.status_code == 422, r.text
    (item,) = r.json()["detail"]
    assert item["field"] == "body" and "standard JSON" in item["message"]


def test_invalid_json_still_gets_fastapis_answer(site: Any) -> None:
    r = site.client("clin").post(
        "/api/v1/patients", content=b"{", headers={"content-type": "application/json"}
    )
    assert r.status_code == 422
    assert r.json()["detail"][0]["type"] == "json_invalid"
