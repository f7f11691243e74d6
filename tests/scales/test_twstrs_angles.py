"""TWSTRS angle helpers at every band edge, on both sides of each rounding boundary."""

from __future__ import annotations

import pytest

from dystonia.exceptions import InvalidInputError
from dystonia.scales import laterocollis_score, rotation_score

# Bands (Consky & Lang 1994 form): 0 | 1-22 | 23-45 | 46-67 | 68-90 deg; whole degrees after
# rounding halves up, so the switch between 22 and 23 happens at 22.5.
ROTATION_CASES = [
    (0, 0), (0.49, 0), (0.5, 1), (1, 1), (22, 1), (22.49, 1), (22.5, 2), (23, 2),
    (45, 2), (45.49, 2), (45.5, 3), (46, 3), (67, 3), (67.49, 3), (67.5, 4), (68, 4),
    (90, 4), (135, 4), (180, 4),
]  # fmt: skip

# Bands: 0 | 1-15 | 16-35 | > 35 deg.
LATEROCOLLIS_CASES = [
    (0, 0), (0.49, 0), (0.5, 1), (1, 1), (15, 1), (15.49, 1), (15.5, 2), (16, 2),
    (35, 2), (35.49, 2), (35.5, 3), (36, 3), (90, 3), (180, 3),
]  # fmt: skip


@pytest.mark.parametrize(("angle_deg", "expected"), ROTATION_CASES)
def test_rotation_bands(angle_deg: float, expected: int) -> None:
    assert rotation_score(angle_deg) == expected


@pytest.mark.parametrize(("angle_deg", "expected"), LATEROCOLLIS_CASES)
def test_laterocollis_bands(angle_deg: float, expected: int) -> None:
    assert laterocollis_score(angle_deg) == expected


@pytest.mark.parametrize("helper", [rotation_score, laterocollis_score])
@pytest.mark.parametrize("bad", [-0.1, -30, 180.1, 360, float("nan"), float("inf"), True, "20"])
def test_refuses_angles_outside_0_to_180_and_non_numbers(helper: object, bad: object) -> None:
    with pytest.raises(InvalidInputError) as info:
        helper(bad)  # type: ignore[operator]
    assert info.value.field.endswith("_deg")


def test_side_is_ignored_by_passing_the_magnitude() -> None:
    # 30 deg to the left and 30 deg to the right are both passed as 30
    assert rotation_score(abs(-30.0)) == rotation_score(30.0) == 2
