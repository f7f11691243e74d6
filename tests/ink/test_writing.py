"""Handwriting: strokes, inversions, pressure, pen lifts and deterioration with known truth."""

from __future__ import annotations

import numpy as np
import pytest

from dystonia.ink import analyze_task
from dystonia.ink.synthetic import synthetic_writing


@pytest.fixture(scope="module")
def deteriorating() -> tuple[object, object]:
    task, truth = synthetic_writing(
        lines=5, slowing_per_line=0.1, pressure_per_line=0.05, hesitant_per_line=0.2,
        height_change_per_line_mm=-0.4, seed=11,
    )  # fmt: skip
    return analyze_task(task), truth


def test_strokes_and_lines_are_found(deteriorating: tuple) -> None:
    rep, truth = deteriorating
    w = rep.writing
    assert rep.kind == "writing" and rep.kind_source == "detected"
    assert len(w.lines) == truth.lines
    assert [row["strokes"] for row in w.lines] == truth.strokes_per_line
    assert w.pen_lifts == 5 * 4 - 1


def test_per_line_measures_match_the_truth(deteriorating: tuple) -> None:
    rep, truth = deteriorating
    lines = rep.writing.lines
    np.testing.assert_allclose(
        [r["stroke_frequency_hz"] for r in lines], truth.stroke_frequency_hz, rtol=0.03
    )
    np.testing.assert_allclose(
        [r["velocity_inversions_per_stroke"] for r in lines],
        truth.velocity_inversions_per_stroke,
        atol=0.15,
    )
    np.testing.assert_allclose([r["pressure_mean"] for r in lines], truth.pressure, atol=0.005)
    np.testing.assert_allclose(
        [r["stroke_height_mm"] for r in lines], truth.stroke_height_mm, rtol=0.05
    )


def test_deterioration_slopes_match_the_truth(deteriorating: tuple) -> None:
    rep, truth = deteriorating
    per = rep.writing.per_line
    assert per["stroke_frequency_hz"]["slope"] == pytest.approx(
        truth.slope("stroke_frequency_hz"), rel=0.1
    )
    assert per["pressure_mean"]["slope"] == pytest.approx(0.05, abs=0.003)
    assert rep.writing.deterioration_slope == pytest.approx(
        truth.slope("velocity_inversions_per_stroke"), abs=0.05
    )
    assert (
        per["velocity_inversions_per_stroke"]["first"]
        < per["velocity_inversions_per_stroke"]["last"]
    )
    # over time as well (per minute)
    assert rep.writing.per_minute["pressure_mean"]["slope"] > 0


def test_pen_time_and_in_air_time(deteriorating: tuple) -> None:
    rep, truth = deteriorating
    w = rep.writing
    assert w.in_air_s == pytest.approx(truth.in_air_s, abs=0.05)
    assert w.pen_down_s == pytest.approx(truth.pen_down_s, rel=0.01)
    assert w.pressure_cv is not None and w.pressure_cv > 0.05


def test_fluent_writing_scores_one_inversion_per_stroke() -> None:
    task, truth = synthetic_writing(lines=2, seed=12)
    w = analyze_task(task).writing
    assert w is not None
    assert w.velocity_inversions_per_stroke == pytest.approx(1.0, abs=0.03)
    assert w.stroke_frequency_hz == pytest.approx(np.mean(truth.stroke_frequency_hz), rel=0.03)
    assert w.deterioration_slope == pytest.approx(0.0, abs=0.05)


def test_writing_rhythm_is_not_tremor_but_a_real_tremor_is() -> None:
    fast, _ = synthetic_writing(lines=3, stroke_duration_s=0.14, letters_per_word=6, seed=13)
    assert analyze_task(fast).tremor.present is False
    shaky, _ = synthetic_writing(lines=3, tremor_hz=8.0, tremor_mm=0.25, tremor_axis_deg=0, seed=13)
    t = analyze_task(shaky).tremor
    assert t.present and t.frequency_hz == pytest.approx(8.0, abs=0.15)
    assert t.axis_deg is not None and min(t.axis_deg, 180 - t.axis_deg) < 10


def test_one_line_has_no_line_trend() -> None:
    task, _ = synthetic_writing(lines=1, seed=14)
    rep = analyze_task(task)
    assert rep.writing is not None and rep.writing.deterioration_slope is None
    assert any("one line" in n for n in rep.notes)
