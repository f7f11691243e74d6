"""Property tests: any in-range rating set scores within [0, max], and sums add up."""

from __future__ import annotations

import math

from hypothesis import given, settings
from hypothesis import strategies as st

from dystonia.scales import get_scale, list_scales, score
from dystonia.scales.data_driven import DataDrivenScale
from dystonia.scales.definition import ScaleDefinition


def definition_of(name: str) -> ScaleDefinition:
    scale = get_scale(name)
    assert isinstance(scale, DataDrivenScale)
    return scale.definition


@st.composite
def rated_scale(draw: st.DrawFn) -> tuple[str, dict[str, float | None]]:
    name = draw(st.sampled_from(list_scales()))
    definition = definition_of(name)
    items: dict[str, float | None] = {}
    for item in definition.items:
        steps = round((item.max - item.min) / item.step)
        value: float | None = item.min + draw(st.integers(0, steps)) * item.step
        if item.not_applicable and draw(st.booleans()):
            value = None
        items[item.id] = value
    for group in definition.zero_together:
        if any(items[i] == 0 for i in group):
            items.update(dict.fromkeys(group, 0))
    for sub in definition.subscales:
        if sub.kind == "mean_of_answered" and all(items[i] is None for i in sub.items or []):
            items[(sub.items or [])[0]] = definition.item((sub.items or [])[0]).min
    return name, items


@settings(max_examples=300, deadline=None)
@given(rated_scale())
def test_in_range_ratings_score_within_zero_and_max(case: tuple[str, dict]) -> None:
    name, items = case
    result = score(name, items)
    assert 0 <= result.total <= result.max
    for sub in result.subscores.values():
        assert 0 <= sub.value <= sub.max


@settings(max_examples=300, deadline=None)
@given(rated_scale())
def test_total_equals_sum_of_partition_subscores(case: tuple[str, dict]) -> None:
    name, items = case
    result = score(name, items)
    parts = [s.id for s in definition_of(name).subscales if s.kind == "sum"]
    if parts:
        assert math.isclose(result.total, sum(result.subscores[p].value for p in parts))
    else:
        rated = [v for v in items.values() if v is not None]
        assert math.isclose(result.total, sum(rated))


@settings(max_examples=100, deadline=None)
@given(rated_scale())
def test_scoring_is_deterministic_and_keeps_the_items(case: tuple[str, dict]) -> None:
    name, items = case
    first, second = score(name, items), score(name, dict(reversed(list(items.items()))))
    assert first == second
    assert first.items == items
