"""Archimedean spiral geometry on synthetic spirals with known shape."""

from __future__ import annotations

import math

import pytest

from dystonia.ink import SpiralParams, analyze_task
from dystonia.ink.synthetic import synthetic_spiral


@pytest.mark.parametrize("clockwise", [False, True])
def test_centre_turns_loop_spacing_and_direction(clockwise: bool) -> None:
    task = synthetic_spiral(turns=3.5, loop_spacing_mm=9.0, centre_mm=(70.0, 40.0),
                            clockwise=clockwise, seed=1)  # fmt: skip
    s = analyze_task(task, "spiral").spiral
    assert s is not None
    assert s.fit.centre_x_mm == pytest.approx(70.0, abs=0.05)
    assert s.fit.centre_y_mm == pytest.approx(40.0, abs=0.05)
    assert s.fit.clockwise is clockwise
    assert s.turns == pytest.approx(3.5, abs=0.02)
    assert s.loop_spacing_mm == pytest.approx(9.0, rel=0.01)
    assert s.loop_width_mean_mm == pytest.approx(9.0, rel=0.01)
    assert s.loop_width_cv is not None and s.loop_width_cv < 0.01
    assert s.smoothness_first_order is not None and s.smoothness_first_order < 0.05
    assert s.fit_r2 > 0.999
    d = s.to_dict()
    assert d["direction"] == ("clockwise" if clockwise else "counter-clockwise")
    assert d["growth"] == "outward"


def test_tremor_raises_both_smoothness_orders_and_loop_width_variation() -> None:
    smooth = analyze_task(synthetic_spiral(quantum_mm=0.2, seed=2), "spiral").spiral
    shaky = analyze_task(
        synthetic_spiral(quantum_mm=0.2, tremor_hz=6.0, tremor_mm=0.8, seed=2), "spiral"
    ).spiral
    assert smooth is not None and shaky is not None
    assert shaky.smoothness_first_order > 3 * smooth.smoothness_first_order  # type: ignore[operator]
    assert shaky.smoothness_second_order > 3 * smooth.smoothness_second_order  # type: ignore[operator]
    assert shaky.loop_width_cv > smooth.loop_width_cv  # type: ignore[operator]


def test_stretched_spiral_reports_its_aspect_and_a_note() -> None:
    rep = analyze_task(synthetic_spiral(aspect=1.6, seed=3), "spiral")
    s = rep.spiral
    assert s is not None
    assert s.aspect_ratio == pytest.approx(1.6, rel=0.08)
    assert s.elongation_axis_deg is not None
    assert min(s.elongation_axis_deg, 180 - s.elongation_axis_deg) < 5  # stretched along x
    assert any("elongated" in n for n in rep.notes)


def test_angle_grid_step_is_a_parameter() -> None:
    from dystonia.ink import InkParams

    task = synthetic_spiral(quantum_mm=0.2, seed=4)
    coarse = analyze_task(task, "spiral", InkParams(spiral=SpiralParams(angle_step_deg=5.0)))
    assert coarse.spiral is not None
    assert coarse.spiral.grid_theta[1] - coarse.spiral.grid_theta[0] == pytest.approx(
        math.radians(5.0)
    )


def test_less_than_a_turn_gives_no_spiral_measures() -> None:
    rep = analyze_task(synthetic_spiral(turns=0.7, duration_s=6.0, seed=5), "spiral")
    assert rep.spiral is None
    assert any("turns" in n for n in rep.notes)
