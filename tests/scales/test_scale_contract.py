"""The one suite every rating scale passes (after scikit-learn's ``check_estimator``).

Tests take ``scale_name`` (every registered scale) or ``scale_item`` (every item of every scale),
parametrized in ``conftest.py``, so a new definition file is checked the moment it is added.
"""

from __future__ import annotations

import json
import math
from pathlib import Path

import pytest

from dystonia.exceptions import InvalidInputError
from dystonia.scales import RatingScale, ScaleResult, get_scale, list_scales, score
from dystonia.scales.definition import ItemDefinition

# Published maxima of the default versions, typed in from the sources (not computed).
PUBLISHED_MAX = {
    "bfmdrs_movement": 120,
    "bfmdrs_disability": 30,
    "twstrs": 85,
    "tsui": 25,
    "jrs": 8,
    "bsdi": 24,
    "gdrs": 140,
}


def test_registry_ships_exactly_the_expected_scales(kit) -> None:
    assert list_scales() == kit.shipped_scales == sorted(PUBLISHED_MAX)


def test_unknown_scale_lists_scales_and_suggests(kit) -> None:
    with pytest.raises(InvalidInputError) as info:
        score("twstr", {})
    assert info.value.field == "scale"
    assert info.value.allowed == kit.shipped_scales
    assert info.value.suggestion == "twstrs"


# -- every scale -------------------------------------------------------------------------------
def test_satisfies_the_protocol(scale_name: str) -> None:
    scale = get_scale(scale_name)
    assert isinstance(scale, RatingScale)
    assert scale.name == scale_name
    assert scale.versions[0] == scale.default_version


def test_max_is_the_published_max(scale_name: str) -> None:
    assert get_scale(scale_name).max_score() == PUBLISHED_MAX[scale_name]


def test_max_equals_sum_of_item_maxima_times_weights(scale_name: str, kit) -> None:
    # Recompute from the definition: sum over terms of weight x product of factor maxima.
    definition = kit.definition_of(scale_name)
    by_id = {item.id: item for item in definition.items}
    expected = 0.0
    for term in definition.effective_terms():
        value = term.weight
        for factor in term.factors:
            value *= sum(c * by_id[i].max for i, c in factor.items())
        expected += value
    assert math.isclose(get_scale(scale_name).max_score(), expected)


def test_all_items_at_maximum_score_the_maximum(scale_name: str, kit) -> None:
    result = score(scale_name, kit.items_at(scale_name, "max"))
    assert result.total == result.max == PUBLISHED_MAX[scale_name]
    for sub in result.subscores.values():
        assert sub.value == sub.max


def test_all_items_at_minimum_score_zero(scale_name: str, kit) -> None:
    # Every shipped floor is 0 (Tsui's duration minimum 1 multiplies amplitudes of 0).
    assert score(scale_name, kit.items_at(scale_name, "min")).total == 0


def test_sum_subscores_add_up_to_the_total(scale_name: str, kit) -> None:
    definition = kit.definition_of(scale_name)
    parts = [s.id for s in definition.subscales if s.kind == "sum"]
    result = score(scale_name, kit.items_at(scale_name, "max"))
    if parts:
        assert math.isclose(sum(result.subscores[p].value for p in parts), result.total)
        assert math.isclose(sum(result.subscores[p].max for p in parts), result.max)


def test_result_round_trips_through_json(scale_name: str, kit) -> None:
    result = score(scale_name, kit.items_at(scale_name, "max"))
    text = json.dumps(result.to_dict())
    data = json.loads(text)
    assert list(data) == ["scale", "version", "total", "max", "subscores", "items"]
    assert ScaleResult.from_dict(data) == result
    assert json.dumps(ScaleResult.from_dict(data).to_dict()) == text


@pytest.mark.parametrize("position", [0, -1])
def test_missing_required_item_is_named(scale_name: str, kit, position: int) -> None:
    items = kit.items_at(scale_name, "max")
    missing = list(items)[position]
    del items[missing]
    with pytest.raises(InvalidInputError) as info:
        score(scale_name, items)
    assert info.value.field == f"items.{missing}"
    assert "required" in str(info.value)


def test_nothing_given_names_the_first_item(scale_name: str) -> None:
    with pytest.raises(InvalidInputError) as info:
        score(scale_name, {})
    assert info.value.field == f"items.{get_scale(scale_name).item_ids[0]}"


def test_unknown_item_gets_a_suggestion(scale_name: str, kit) -> None:
    items = kit.items_at(scale_name, "max")
    real = next(iter(items))
    typo = real[:-1] + ("x" if real[-1] != "x" else "y")
    items[typo] = items.pop(real)
    with pytest.raises(InvalidInputError) as info:
        score(scale_name, items)
    assert info.value.field == f"items.{typo}"
    assert info.value.suggestion == real


def test_unknown_version_lists_versions(scale_name: str, kit) -> None:
    with pytest.raises(InvalidInputError) as info:
        score(scale_name, kit.items_at(scale_name, "max"), version="no_such_version")
    assert info.value.field == "version"
    assert info.value.allowed == list(get_scale(scale_name).versions)


def test_items_must_be_a_mapping(scale_name: str) -> None:
    with pytest.raises(InvalidInputError):
        get_scale(scale_name).score([1, 2, 3])  # type: ignore[arg-type]


def test_describe_is_json_and_ships_no_text_the_licence_forbids(scale_name: str) -> None:
    description = get_scale(scale_name).describe()
    json.dumps(description)
    assert [i["id"] for i in description["items"]] == list(get_scale(scale_name).item_ids)
    assert description["source"]["citation"]
    if not description["licence"]["item_text_shipped"]:
        assert all("anchors" not in i for i in description["items"])


# -- every item of every scale -----------------------------------------------------------------
def test_accepts_both_bounds(scale_item: tuple[str, ItemDefinition], kit) -> None:
    name, item = scale_item
    for bound in (item.min, item.max):
        assert score(name, kit.with_item(name, item.id, bound)).items[item.id] == bound


def test_rejects_one_step_past_each_bound(scale_item: tuple[str, ItemDefinition], kit) -> None:
    name, item = scale_item
    for outside in (item.min - item.step, item.max + item.step):
        with pytest.raises(InvalidInputError) as info:
            score(name, kit.with_item(name, item.id, outside))
        assert info.value.field == f"items.{item.id}"
        assert "out of range" in str(info.value)


def test_rejects_a_value_between_steps(scale_item: tuple[str, ItemDefinition], kit) -> None:
    name, item = scale_item
    with pytest.raises(InvalidInputError) as info:
        score(name, kit.with_item(name, item.id, item.min + item.step / 2))
    assert info.value.field == f"items.{item.id}"
    assert "not an allowed step" in str(info.value)


@pytest.mark.parametrize(
    "bad", [True, "2", [1], float("nan"), float("inf"), -float("inf"), 10**400], ids=repr
)
def test_rejects_non_numbers(scale_item: tuple[str, ItemDefinition], kit, bad: object) -> None:
    name, item = scale_item
    with pytest.raises(InvalidInputError) as info:
        score(name, kit.with_item(name, item.id, bad))
    assert info.value.field == f"items.{item.id}"


def test_null_only_where_not_applicable_is_allowed(
    scale_item: tuple[str, ItemDefinition], kit
) -> None:
    name, item = scale_item
    items = kit.with_item(name, item.id, None)
    if item.not_applicable:
        assert score(name, items).items[item.id] is None
    else:
        with pytest.raises(InvalidInputError) as info:
            score(name, items)
        assert info.value.field == f"items.{item.id}"


def test_has_a_docs_page_stating_max_and_source(scale_name: str) -> None:
    docs = Path(__file__).resolve().parents[2] / "docs" / "scales"
    page = (docs / f"{scale_name}.md").read_text(encoding="utf-8")
    description = get_scale(scale_name).describe()
    assert f"`{scale_name}`" in page
    assert f"0-{description['max']}" in page
    doi = description["source"].get("doi")
    assert doi is None or doi.lower() in page.lower()
    assert f"[{scale_name}]({scale_name}.md)" in (docs / "index.md").read_text(encoding="utf-8")
