"""Fuzz botulinum toxin sessions: ``parse_session`` and the warnings computed from them.

Sessions come from the web form and the JSON API (``POST /patients/{id}/toxin`` takes a free
dict), so every field may be hostile: product names in any case or unknown, dates as text,
numbers or impossible days, units and dilutions that are zero, negative, NaN, infinite, huge,
booleans or text, muscles, sides and guidance outside the knowledge data, extra fields. A
parsed session must give warnings that are plain, finite JSON (the records layer stores them
and the API returns them).
"""

from __future__ import annotations

import datetime as dt
import json
from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st

from dystonia.clinical.botulinum import (
    InjectionSession,
    parse_session,
    product_of,
    session_warnings,
)
from dystonia.knowledge import botulinum

from ._common import BIG_INTS, SPECIAL_FLOATS, clear, fuzz_settings, json_values, mutated

TABLE = botulinum()
PRODUCT_NAMES = sorted(
    {n for p in TABLE.products for n in (p.id, p.generic_name, *p.brand_names)}
    | {"BOTOX", "botox ", " Dysport", "xeomin", "onabotulinumtoxin", "Botox®"}
)
MUSCLES = sorted(TABLE.muscles)
SIDES = sorted({s for m in TABLE.muscles.values() for s in m.sides} | {"both", "Left"})
GUIDANCE = sorted({g for m in TABLE.muscles.values() for g in m.guidance} | {"EMG", "x"})
INDICATIONS = sorted(TABLE.indications)

_units = st.one_of(
    st.floats(0.01, 1000),
    st.integers(1, 600),
    st.sampled_from([0, -1, 1e-300, 1e308, 10**300, "100", "1e2", True, None, [], {}]),
    SPECIAL_FLOATS,
    BIG_INTS,
)
_valid_units = st.floats(0.5, 400) | st.integers(1, 300)
_dates = st.one_of(
    st.dates(dt.date(1, 1, 1), dt.date(9999, 12, 31)).map(dt.date.isoformat),
    st.dates(),
    st.datetimes().map(dt.datetime.isoformat),
    st.sampled_from(
        ["2026-02-30", "2026-13-01", "0000-01-01", "26-01-05", "", "today", 0, -1, 1.5, 10**12]
    ),
)
_valid_dates = st.dates(dt.date(2025, 1, 1), dt.date(2026, 12, 31)).map(dt.date.isoformat)


@st.composite
def valid_injection(draw: st.DrawFn) -> dict[str, Any]:
    """An injection the knowledge data allows (muscle, one of its sides and guidance)."""
    muscle = draw(st.sampled_from(MUSCLES))
    entry = TABLE.muscles[muscle]
    return {
        "muscle": muscle,
        "side": draw(st.sampled_from(sorted(entry.sides))),
        "units": draw(_valid_units),
        "guidance": draw(st.sampled_from(sorted(entry.guidance))),
    }


VALID_SESSION = st.fixed_dictionaries(
    {
        "product": st.sampled_from(PRODUCT_NAMES),
        "date": _valid_dates,
        "injections": st.lists(valid_injection(), min_size=1, max_size=4),
        "dilution_units_per_ml": _valid_units,
    },
    optional={"indication": st.sampled_from(INDICATIONS) | st.none()},
)


@st.composite
def hostile_session(draw: st.DrawFn) -> dict[str, Any]:
    """A valid session with some fields replaced by hostile values of their own kind."""
    data = draw(VALID_SESSION)
    for _ in range(draw(st.integers(0, 2))):
        field = draw(st.sampled_from(["units", "dilution", "date", "words"]))
        if field == "units" and data["injections"]:
            data["injections"][draw(st.integers(0, len(data["injections"]) - 1))]["units"] = draw(_units)  # fmt: skip
        elif field == "dilution":
            data["dilution_units_per_ml"] = draw(_units)
        elif field == "date":
            data["date"] = draw(_dates)
        else:
            key = draw(st.sampled_from(["product", "indication", "muscle", "side", "guidance"]))
            word = draw(st.sampled_from(PRODUCT_NAMES + SIDES + GUIDANCE + INDICATIONS + MUSCLES[:5]) | st.text(max_size=12))  # fmt: skip
            if key in ("product", "indication"):
                data[key] = word
            elif data["injections"]:
                data["injections"][0][key] = word
    return data


SESSION = st.one_of(hostile_session(), mutated(VALID_SESSION, max_edits=3))


def _check_warnings(session: InjectionSession, previous: list[Any]) -> None:
    """Warnings of a parsed session: a clear error, or plain finite JSON."""
    found = clear(session_warnings, session, previous)
    if isinstance(found, list):
        json.dumps([w.to_dict() for w in found], allow_nan=False)


@fuzz_settings(120)
@given(data=SESSION, previous=st.lists(SESSION, max_size=2))
def test_parse_session_and_warnings(data: dict[str, Any], previous: list[Any]) -> None:
    """Hostile sessions; a parsed one gets its warnings against hostile earlier sessions."""
    session = clear(parse_session, data)
    if isinstance(session, InjectionSession):
        assert session.injections and session.product in {p.id for p in TABLE.products}
        _check_warnings(session, [])
        earlier = [p for p in (clear(parse_session, d) for d in previous)]
        _check_warnings(session, [p for p in earlier if isinstance(p, InjectionSession)])
        _check_warnings(session, previous)  # unparsed history: errors name previous_sessions[i]


@fuzz_settings(50)
@given(data=json_values(16), prefix=st.sampled_from(["", "previous_sessions[0]."]))
def test_parse_session_arbitrary_json(data: Any, prefix: str) -> None:
    """Any JSON value at all."""
    clear(parse_session, data, field_prefix=prefix)


@fuzz_settings(30)
@given(name=json_values(4) | st.sampled_from(PRODUCT_NAMES))
def test_product_of_anything(name: Any) -> None:
    clear(product_of, name)


def blepharospasm_session(date: str, units: float) -> dict[str, Any]:
    return {
        "product": "Botox",
        "date": date,
        "dilution_units_per_ml": 50,
        "indication": "blepharospasm",
        "injections": [
            {"muscle": "procerus", "side": "midline", "units": units, "guidance": "none"}
        ],
    }


@pytest.mark.xfail(
    strict=True,
    reason="DEFECT: units are checked one injection at a time, so two finite sessions of "
    "1e308 U within 30 days sum to inf in the cumulative-limit warning "
    "(botulinum._window_limit): its details carry units=inf, which is not JSON (the API "
    "answers 500 after storing the session); no total over sessions is bounded",
)
def test_cumulative_window_total_stays_finite() -> None:
    first = blepharospasm_session("2026-01-05", 1e308)
    second = blepharospasm_session("2026-01-20", 1e308)
    found = session_warnings(second, [first])
    json.dumps([w.to_dict() for w in found], allow_nan=False)


def test_infinite_session_total_is_a_clear_error() -> None:
    """Two injections of 1e308 U in one session: the total overflows; refused, not stored."""
    data = blepharospasm_session("2026-01-05", 1e308)
    data["injections"] = data["injections"] * 2
    session = clear(parse_session, data)
    if isinstance(session, InjectionSession):
        _check_warnings(session, [])
