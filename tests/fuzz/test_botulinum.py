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
import math
from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st

from dystonia.clinical.botulinum import (
    MAX_DILUTION_UNITS_PER_ML,
    MAX_SESSION_UNITS,
    MIN_DILUTION_UNITS_PER_ML,
    InjectionSession,
    parse_session,
    product_of,
    session_warnings,
)
from dystonia.exceptions import InvalidInputError
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


def _bomb(levels: int) -> list[Any]:
    """A "billion laughs" value (YAML aliases): 9 references to the level below."""
    value: list[Any] = ["lol"] * 9
    for _ in range(levels):
        value = [value] * 9
    return value


#: Values that once broke the error messages: ints Python will not write as text (more than
#: 4300 digits), shared aliases.
_HUGE_VALUES = st.sampled_from([10**5000, -(10**4400), 2**20000, _bomb(6), [10**5000]])
#: The sanity bounds of units and dilutions and their float neighbours.
_EDGES = st.sampled_from(
    [
        MAX_SESSION_UNITS,
        math.nextafter(MAX_SESSION_UNITS, math.inf),
        MAX_DILUTION_UNITS_PER_ML,
        math.nextafter(MAX_DILUTION_UNITS_PER_ML, math.inf),
        MIN_DILUTION_UNITS_PER_ML,
        math.nextafter(MIN_DILUTION_UNITS_PER_ML, 0),
        MAX_SESSION_UNITS / 2,
        MAX_SESSION_UNITS / 3,
    ]
)
_units = st.one_of(
    st.floats(0.01, 1000),
    st.integers(1, 600),
    st.sampled_from([0, -1, 1e-300, 1e308, 10**300, "100", "1e2", True, None, [], {}]),
    SPECIAL_FLOATS,
    BIG_INTS,
    _EDGES,
    st.floats(0, 1e308),
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


#: Sessions as JSON carries them (``test_api_toxin`` posts these).
SESSION = st.one_of(hostile_session(), mutated(VALID_SESSION, max_edits=3))


@st.composite
def python_only_session(draw: st.DrawFn) -> dict[str, Any]:
    """A valid session with one field replaced by a value JSON cannot carry (a Python caller or
    YAML can): an int of more than 4300 digits, a "billion laughs" list."""
    data = draw(VALID_SESSION)
    field = draw(st.sampled_from(["product", "date", "dilution_units_per_ml", "indication", "injections"]))  # fmt: skip
    huge = draw(_HUGE_VALUES)
    if field == "injections":
        key = draw(st.sampled_from(["muscle", "side", "units", "guidance"]))
        data["injections"][0][key] = huge
    else:
        data[field] = huge
    return data


#: Every hostile session: JSON's and the Python-only values.
ANY_SESSION = SESSION | python_only_session()


def _check_warnings(session: InjectionSession, previous: list[Any]) -> None:
    """Warnings of a parsed session: a clear error, or plain finite JSON."""
    found = clear(session_warnings, session, previous)
    if isinstance(found, list):
        json.dumps([w.to_dict() for w in found], allow_nan=False)


@fuzz_settings(120)
@given(data=ANY_SESSION, previous=st.lists(ANY_SESSION, max_size=2))
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
@given(data=json_values(16) | _HUGE_VALUES, prefix=st.sampled_from(["", "previous_sessions[0]."]))
def test_parse_session_arbitrary_json(data: Any, prefix: str) -> None:
    """Any JSON value at all."""
    clear(parse_session, data, field_prefix=prefix)


@fuzz_settings(30)
@given(name=json_values(4) | st.sampled_from(PRODUCT_NAMES) | _HUGE_VALUES)
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


@pytest.mark.parametrize(
    "units", [MAX_SESSION_UNITS, 1e308, 10**5000], ids=["ceiling", "1e308", "5001-digits"]
)
def test_cumulative_window_total_stays_finite(units: float) -> None:
    """Fixed: units above ``MAX_SESSION_UNITS`` (a sanity ceiling) are refused by
    ``parse_session``, so a cumulative window adds finite numbers no larger than the ceiling
    times the sessions; before, two sessions of 1e308 U summed to inf in the warning."""
    first = blepharospasm_session("2026-01-05", units)
    second = blepharospasm_session("2026-01-20", units)
    found = clear(session_warnings, second, [first])
    if units > MAX_SESSION_UNITS:
        assert isinstance(found, InvalidInputError)
        assert found.field == "injections[0].units" and "out of range" in str(found)
        assert f"<= {MAX_SESSION_UNITS:g}" in str(found)
        with pytest.raises(InvalidInputError) as info:
            session_warnings(blepharospasm_session("2026-01-20", 10), [first])
        assert info.value.field == "previous_sessions[0].injections[0].units"
        return
    assert isinstance(found, list)
    json.dumps([w.to_dict() for w in found], allow_nan=False)
    (window,) = [w for w in found if w.code == "bont.cumulative_dose_limit"]
    assert window.details["units"] == 2 * MAX_SESSION_UNITS


def test_infinite_session_total_is_a_clear_error() -> None:
    """Two injections of 1e308 U in one session: each above the ceiling, refused, not stored."""
    data = blepharospasm_session("2026-01-05", 1e308)
    data["injections"] = data["injections"] * 2
    with pytest.raises(InvalidInputError) as info:
        parse_session(data)
    assert info.value.field == "injections[0].units"


def test_session_total_above_the_ceiling_is_a_clear_error() -> None:
    """Injections each within the ceiling whose sum is above it: refused as a whole."""
    data = blepharospasm_session("2026-01-05", MAX_SESSION_UNITS)
    data["injections"] = data["injections"] * 2
    with pytest.raises(InvalidInputError) as info:
        parse_session(data, field_prefix="previous_sessions[3].")
    assert info.value.field == "previous_sessions[3].injections"
    assert "the total of 200000 U over 2 injections is out of range" in str(info.value)
