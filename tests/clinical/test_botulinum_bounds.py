"""Sanity bounds of botulinum toxin sessions: units and dilutions that are typing errors.

Found by the fuzz suite (issue #8): units were checked one injection at a time, so two finite
sessions of 1e308 U in one cumulative window summed to inf in the warning (not JSON). Sessions
now refuse units above ``MAX_SESSION_UNITS`` per injection and in total, and dilutions outside
``MIN_DILUTION_UNITS_PER_ML``-``MAX_DILUTION_UNITS_PER_ML``; the bounds are the same number for
every product (no unit is converted) and lie far beyond any dose of the knowledge data.
"""

from __future__ import annotations

import json
import math
from typing import Any

import pytest

from dystonia.clinical.botulinum import (
    MAX_DILUTION_UNITS_PER_ML,
    MAX_SESSION_UNITS,
    MIN_DILUTION_UNITS_PER_ML,
    ToxinDose,
    parse_session,
    session_warnings,
)
from dystonia.exceptions import InvalidInputError
from dystonia.knowledge import botulinum


def _session(units: Any, *, day: int = 5, dilution: Any = 50, count: int = 1) -> dict[str, Any]:
    return {
        "product": "Botox",
        "date": f"2026-01-{day:02d}",
        "dilution_units_per_ml": dilution,
        "indication": "blepharospasm",
        "injections": [
            {"muscle": "procerus", "side": "midline", "units": units, "guidance": "none"}
        ]
        * count,
    }


def test_bounds_lie_far_beyond_every_dose_of_the_knowledge_data() -> None:
    table = botulinum()
    largest = 10_000.0  # rimabotulinumtoxinB, "5,000-10,000 U" (myobloc_pi note)
    for product in table.products:
        for limit in product.limits:
            assert limit.max_units * 10 <= MAX_SESSION_UNITS
        for indication in table.indications:
            dose_range = product.dose_range(indication)
            if dose_range is not None:
                assert dose_range.high_units <= largest
    assert largest * 10 <= MAX_SESSION_UNITS
    assert MAX_DILUTION_UNITS_PER_ML >= 20 * 5000  # Myobloc is supplied at 5,000 U/mL
    assert MIN_DILUTION_UNITS_PER_ML <= 2.5 / 100  # 100 times more dilute than 100 U in 40 mL


def test_units_at_the_ceiling_are_accepted_and_totals_stay_finite() -> None:
    first = _session(MAX_SESSION_UNITS, day=5)
    second = _session(MAX_SESSION_UNITS, day=20)
    found = session_warnings(second, [first])
    json.dumps([w.to_dict() for w in found], allow_nan=False)
    (window,) = [w for w in found if w.code == "bont.cumulative_dose_limit"]
    assert window.details["units"] == 2 * MAX_SESSION_UNITS


@pytest.mark.parametrize(
    "units",
    [math.nextafter(MAX_SESSION_UNITS, math.inf), 1e308, 10**400, 10**5000, math.inf],
    ids=["above", "1e308", "10**400", "5001-digits", "inf"],
)
def test_units_above_the_ceiling_are_refused(units: Any) -> None:
    with pytest.raises(InvalidInputError) as info:
        parse_session(_session(units))
    assert info.value.field == "injections[0].units"
    assert "out of range" in str(info.value)
    assert "<= 100000 (units; bounds for typing errors, not dose limits)" in str(info.value)


def test_session_total_above_the_ceiling_is_refused() -> None:
    parse_session(_session(MAX_SESSION_UNITS / 4, count=4))
    with pytest.raises(InvalidInputError) as info:
        parse_session(_session(MAX_SESSION_UNITS / 2, count=3))
    assert info.value.field == "injections"
    assert str(info.value) == (
        "injections: the total of 150000 U over 3 injections is out of range; allowed: a total "
        "of at most 100000 units of the session's product (a bound for typing errors, not a "
        "dose limit)"
    )


def test_earlier_session_errors_name_the_earlier_session() -> None:
    with pytest.raises(InvalidInputError) as info:
        session_warnings(_session(10), [_session(MAX_SESSION_UNITS / 2, day=1, count=3)])
    assert info.value.field == "previous_sessions[0].injections"
    with pytest.raises(InvalidInputError) as info:
        session_warnings(_session(10), [_session(10, day=1, dilution=0)])
    assert info.value.field == "previous_sessions[0].dilution_units_per_ml"


@pytest.mark.parametrize(
    "dilution",
    [
        math.nextafter(MIN_DILUTION_UNITS_PER_ML, 0),
        1e-300,
        math.nextafter(MAX_DILUTION_UNITS_PER_ML, math.inf),
        1e308,
        10**5000,
    ],
    ids=["below", "1e-300", "above", "1e308", "5001-digits"],
)
def test_dilution_outside_its_bounds_is_refused(dilution: Any) -> None:
    with pytest.raises(InvalidInputError) as info:
        parse_session(_session(10, dilution=dilution))
    assert info.value.field == "dilution_units_per_ml"
    assert "a finite number >= 0.01 and <= 100000 (units per mL;" in str(info.value)


def test_dilution_bounds_keep_volumes_finite() -> None:
    session = parse_session(
        _session(MAX_SESSION_UNITS / 2, dilution=MIN_DILUTION_UNITS_PER_ML, count=2)
    )
    assert all(math.isfinite(v) for v in session.volumes_ml())


def test_dose_arithmetic_never_overflows_silently() -> None:
    with pytest.raises(InvalidInputError):
        ToxinDose("Botox", 10**5000)
    with pytest.raises(InvalidInputError):
        ToxinDose("Botox", 1e308) * 10**5000
    with pytest.raises(InvalidInputError):
        ToxinDose("Botox", 1e308) + ToxinDose("Botox", 1e308)
