"""Definition files are checked when loaded: a transcription error fails loudly, not silently."""

from __future__ import annotations

import textwrap

import pytest

from dystonia.exceptions import InvalidInputError
from dystonia.scales.data_driven import DataDrivenScale
from dystonia.scales.registry import load_definition

HEADER = """\
name: demo
title: Demo scale
measures: A synthetic scale for schema tests.
version: v1
source: {citation: "Synthetic test definition, not a real scale."}
licence: {status: published_no_licence_body_found, item_text_shipped: false,
          note: "Synthetic, for tests only."}
"""


def demo(body: str) -> str:
    return HEADER + textwrap.dedent(body)


VALID = demo("""\
    versions:
      v1: {label: one, max: 10, source: {citation: "Synthetic test definition."}}
    items:
      - {id: a, label: Item a, min: 0, max: 2}
      - {id: b, label: Item b, min: 0, max: 3}
      - {id: c, label: Item c, min: 0, max: 2, step: 0.5, required: false, not_applicable: true}
    terms:
      - {id: ab, factors: [{a: 1}, {b: 1}], subscale: product}
      - {id: c, factors: [{c: 1}], weight: 2, subscale: single}
    subscales:
      - {id: product, label: a x b}
      - {id: single, label: 2 c}
    """)


def test_valid_synthetic_definition_loads_and_scores() -> None:
    scale = DataDrivenScale(load_definition(VALID))
    assert scale.max_score() == 10  # 2 x 3 + 2 x 2
    result = scale.score({"a": 2, "b": 1, "c": 1.5})
    assert result.total == 5  # 2 x 1 + 2 x 1.5


def test_optional_item_may_be_omitted_and_counts_as_not_applicable() -> None:
    scale = DataDrivenScale(load_definition(VALID))
    result = scale.score({"a": 1, "b": 3})
    assert result.items["c"] is None
    assert result.total == 3  # 1 x 3, c adds nothing


def test_half_steps_where_the_definition_allows_them() -> None:
    scale = DataDrivenScale(load_definition(VALID))
    assert scale.score({"a": 0, "b": 0, "c": 0.5}).total == 1
    with pytest.raises(InvalidInputError, match="not an allowed step"):
        scale.score({"a": 0, "b": 0, "c": 0.25})
    with pytest.raises(InvalidInputError, match="not an allowed step"):
        scale.score({"a": 0.5, "b": 0})


@pytest.mark.parametrize(
    ("broken", "message"),
    [
        (VALID.replace("max: 10,", "max: 12,"), "declared max"),
        (VALID.replace("{a: 1}, {b: 1}", "{a: 1}, {z: 1}"), "unknown items"),
        (VALID.replace("required: false, not_applicable: true", "required: false"), "optional"),
        (
            VALID.replace("id: b, label: Item b,", "id: b, label: Item b, not_applicable: true,"),
            "not applicable",
        ),
        (
            VALID.replace("min: 0, max: 2, step: 0.5", "min: 0, max: 2, step: 0.75"),
            "whole number of steps",
        ),
        (VALID.replace("subscale: single", "subscale: nowhere"), "sum subscale"),
        (VALID.replace("version: v1", "version: v9"), "default version"),
        (VALID.replace("label: Item a,", "label: Item a, colour: red,"), "Extra inputs"),
    ],
)
def test_inconsistent_definitions_are_refused(broken: str, message: str) -> None:
    with pytest.raises(RuntimeError, match=message):
        load_definition(broken)


def test_variant_maxima_must_add_up() -> None:
    v1 = '  v1: {label: one, max: 10, source: {citation: "Synthetic test definition."}}'
    v2 = '  v2: {label: two, max: 13, subscale_max: {single: 6}, source: {citation: "Synthetic."}}'
    assert v1 in VALID
    text = VALID.replace(v1, v1 + "\n" + v2)
    with pytest.raises(RuntimeError, match="sum of subscale maxima"):
        load_definition(text)  # product 6 + single 6 = 12, not 13
    scale = DataDrivenScale(load_definition(text.replace("max: 13", "max: 12")))
    assert scale.versions == ("v1", "v2")
    assert scale.max_score(version="v2") == 12
    assert scale.score({"a": 2, "b": 3, "c": 2}, version="v2").subscores["single"].max == 6
