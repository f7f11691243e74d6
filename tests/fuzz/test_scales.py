"""Fuzz scale scoring: ``dystonia.scales.score(name, items, version=)`` on every shipped scale.

Items come from the web form, the JSON API (``ScaleIn.items``) and YAML/JSON files
(``dystonia score``), so ratings may be any JSON or YAML value: NaN, infinities, booleans, text,
nested lists, huge integers, dates, bytes. Keys may be any YAML key (integers, booleans, null).
A result must be finite, within the scale's maximum and survive its own JSON round trip.
"""

from __future__ import annotations

import datetime as dt
import json
import math
from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st

from dystonia.exceptions import InvalidInputError
from dystonia.scales import ScaleResult, get_scale, list_scales, score

from ._common import BIG_INTS, SPECIAL_FLOATS, clear, fuzz_settings, json_values

SCALES = list_scales()

#: Values only YAML produces (timestamps, !!binary, !!set) besides JSON's.
_YAML_ONLY = st.sampled_from(
    [dt.date(2020, 1, 1), dt.datetime(2020, 1, 1, 12), b"\x00\x01", {1, 2}, frozenset(), ()]
)


def _bomb(levels: int) -> list[Any]:
    """A "billion laughs" value (YAML aliases): 9 references to the level below."""
    value: list[Any] = ["lol"] * 9
    for _ in range(levels):
        value = [value] * 9
    return value


#: Integers Python will not write as text (more than 4300 digits; YAML hex makes them).
_HUGE_INTS = st.sampled_from([10**5000, -(10**4400), 2**20000])
#: Values that once broke the error messages (repr of huge ints, expansion of shared aliases).
_HUGE_VALUES = _HUGE_INTS | st.sampled_from([_bomb(6), [10**5000], {"a": 10**5000}])
#: Names and versions of any YAML type, hashable or not.
_ODD_NAMES = st.sampled_from([["jrs"], {"jrs": 1}, {"x"}, ("jrs",), 1, None, b"jrs", 10**5000])


def _valid(item: dict[str, Any]) -> st.SearchStrategy[Any]:
    low, high, step = item["min"], item["max"], item["step"]
    return st.integers(0, round((high - low) / step)).map(lambda k: low + k * step)


def _hostile(item: dict[str, Any]) -> st.SearchStrategy[Any]:
    low, high, step = item["min"], item["max"], item["step"]
    edges = st.sampled_from(
        [low - step, high + step, low - 1e-12, high + 1e-12, low + step / 2, -0.0, True, False]
    )
    return st.one_of(
        _valid(item).map(float),
        _valid(item).map(str),
        edges,
        st.none(),
        SPECIAL_FLOATS,
        BIG_INTS,
        st.floats(allow_nan=True, allow_infinity=True),
        json_values(4),
        _YAML_ONLY,
        _HUGE_VALUES,
    )


@st.composite
def scale_input(draw: st.DrawFn) -> tuple[str, dict[Any, Any], Any]:
    """A scale, its items (valid, then up to three hostile, missing or extra) and a version."""
    name = draw(st.sampled_from(SCALES))
    desc = get_scale(name).describe()
    by_id = {item["id"]: item for item in desc["items"]}
    items: dict[Any, Any] = {i: draw(_valid(item)) for i, item in by_id.items()}
    for group in get_scale(name).definition.zero_together:  # type: ignore[attr-defined]
        if any(items[i] == 0 for i in group):
            items.update(dict.fromkeys(group, 0))
    for _ in range(draw(st.sampled_from([0, 0, 1, 2, 3]))):
        target = draw(st.sampled_from(sorted(by_id)))
        action = draw(st.sampled_from(["hostile", "hostile", "missing", "extra"]))
        if action == "hostile":
            items[target] = draw(_hostile(by_id[target]))
        elif action == "missing":
            items.pop(target, None)
        else:
            key = draw(
                st.text(max_size=10) | st.integers() | st.booleans() | st.none() | _HUGE_INTS
            )
            items[key] = draw(json_values(3))
    version = draw(
        st.one_of(
            st.none(),
            st.none(),
            st.sampled_from(list(desc["versions"])),
            st.text(max_size=12) | st.sampled_from(["", "BURKE_1985", "consky_lang_1994 "]),
            _ODD_NAMES,
        )
    )
    return name, items, version


def _check_result(result: ScaleResult) -> None:
    data = result.to_dict()
    text = json.dumps(data, allow_nan=False)
    assert math.isfinite(result.total) and math.isfinite(result.max)
    assert -1e-9 <= result.total <= result.max + 1e-9, (result.total, result.max)
    for sub in result.subscores.values():
        assert -1e-9 <= sub.value <= sub.max + 1e-9
    assert ScaleResult.from_dict(json.loads(text)).to_dict() == data


@fuzz_settings(100)
@given(case=scale_input())
def test_score_fuzzed_items(case: tuple[str, dict[Any, Any], Any]) -> None:
    """Mostly valid ratings with some replaced by hostile values, keys added or removed."""
    name, items, version = case
    result = clear(score, name, items, version=version)
    if isinstance(result, ScaleResult):
        _check_result(result)


@fuzz_settings(50)
@given(
    name=st.sampled_from(SCALES) | st.text(max_size=20) | _ODD_NAMES,
    items=json_values(16) | _HUGE_VALUES,
)
def test_score_arbitrary_json(name: str, items: Any) -> None:
    """Any JSON value as the items, any text (or any YAML value) as the scale name."""
    clear(score, name, items)


@pytest.mark.parametrize("name", SCALES)
def test_every_scale_scores_its_maximum(name: str) -> None:
    """Sanity: each item at its maximum scores the scale's maximum (the property's seed)."""
    scale = get_scale(name)
    items = {item["id"]: item["max"] for item in scale.describe()["items"]}
    result = score(name, items)
    _check_result(result)


@pytest.mark.parametrize("where", ["value", "key", "negative"])
def test_huge_integer_rating_is_a_clear_error(where: str) -> None:
    """Fixed: an int Python will not write as text shows as ``<int of about N digits>``."""
    huge = 10**5000
    items: dict[Any, Any] = {"severity": 1, "frequency": 1}
    if where == "key":
        items[huge] = 1
    else:
        items["severity"] = huge if where == "value" else -huge
    with pytest.raises(InvalidInputError) as info:
        score("jrs", items)
    assert "int of about 5001 digits" in str(info.value)
    field = "items.<int of about 5001 digits>" if where == "key" else "items.severity"
    assert info.value.field == field


@pytest.mark.parametrize("where", ["name", "version"])
@pytest.mark.parametrize("odd", [["jrs"], {"jrs": 1}, {"jrs"}])
def test_unhashable_name_or_version_is_a_clear_error(where: str, odd: Any) -> None:
    """Fixed: a scale name or version that is not text is refused like an unknown one."""
    items = {"severity": 1, "frequency": 1}
    with pytest.raises(InvalidInputError) as info:
        if where == "name":
            score(odd, items)
        else:
            score("jrs", items, version=odd)
    assert info.value.field == ("scale" if where == "name" else "version")
    assert "is not allowed; allowed: " in str(info.value)


def test_nan_rating_is_refused() -> None:
    with pytest.raises(InvalidInputError, match="not finite"):
        score("jrs", {"severity": float("nan"), "frequency": 1})
