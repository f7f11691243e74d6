"""Shared fixtures for the rating-scale tests.

* ``scale_name`` parametrizes a test over every registered scale;
* ``scale_item`` parametrizes a test over every (scale name, item definition) pair;
* ``kit`` gives item sets built from a scale's own definition.
"""

from __future__ import annotations

import pytest

from dystonia.scales import get_scale, list_scales
from dystonia.scales.data_driven import DataDrivenScale
from dystonia.scales.definition import ScaleDefinition

SHIPPED_SCALES = ["bfmdrs_disability", "bfmdrs_movement", "bsdi", "gdrs", "jrs", "tsui", "twstrs"]


class ScaleKit:
    """Item sets built from a scale's definition."""

    shipped_scales = SHIPPED_SCALES

    @staticmethod
    def definition_of(name: str) -> ScaleDefinition:
        """The validated definition behind a shipped scale."""
        scale = get_scale(name)
        assert isinstance(scale, DataDrivenScale)
        return scale.definition

    @staticmethod
    def items_at(name: str, where: str) -> dict[str, float | None]:
        """Every item of the scale at its minimum (``where="min"``) or maximum (``"max"``)."""
        return {item.id: getattr(item, where) for item in ScaleKit.definition_of(name).items}

    @staticmethod
    def with_item(name: str, item_id: str, value: object) -> dict[str, object]:
        """All items at their maximum except ``item_id``, consistent with zero_together rules.

        A zero_together partner (Tsui tremor severity/duration) follows the varied item: zero
        when it is zero, its maximum otherwise.
        """
        items: dict[str, object] = dict(ScaleKit.items_at(name, "max"))
        items[item_id] = value
        for group in ScaleKit.definition_of(name).zero_together:
            if item_id in group and value == 0:
                items.update(dict.fromkeys(group, 0))
        return items


@pytest.fixture
def kit() -> type[ScaleKit]:
    """Helpers building item sets from scale definitions."""
    return ScaleKit


def pytest_generate_tests(metafunc: pytest.Metafunc) -> None:
    """Parametrize ``scale_name`` and ``scale_item`` over everything registered."""
    if "scale_name" in metafunc.fixturenames:
        metafunc.parametrize("scale_name", list_scales())
    if "scale_item" in metafunc.fixturenames:
        cases = [
            (name, item) for name in list_scales() for item in ScaleKit.definition_of(name).items
        ]
        metafunc.parametrize("scale_item", cases, ids=[f"{n}-{i.id}" for n, i in cases])
