"""The analysis on real UCI tablet spirals (Parkinson's disease and controls)."""

from __future__ import annotations

import pytest

from dystonia.ink import analyze
from dystonia.ink.io.uci import UCI_MM_PER_PX

from ._data import uci


@pytest.fixture(scope="module")
def control() -> object:
    return analyze(uci("C_0001.txt"))


def test_control_spiral_matches_the_research_figures(control: object) -> None:
    # research/media.md (tested on the same files): first-order smoothness 9.3-12.5 px/rad for
    # controls after a 12-Hz low-pass and a 1-degree grid; radial residual RMS 2.2-3.3 px.
    s = control.tasks[0].spiral  # type: ignore[attr-defined]
    assert s.smoothness_first_order / UCI_MM_PER_PX == pytest.approx(9.3, abs=0.3)
    assert s.fit_rms_mm / UCI_MM_PER_PX == pytest.approx(2.2, abs=0.2)
    assert 2.5 < s.turns < 4
    assert s.loop_width_cv < 0.1


def test_control_has_no_tremor(control: object) -> None:
    for task in control.tasks:  # type: ignore[attr-defined]
        assert task.tremor.present is False
        assert task.kind == "spiral" and task.kind_source == "format"


def test_large_parkinsonian_tremor_is_found_with_its_axis() -> None:
    rep = analyze(uci("H_p000-0043.txt"), tasks=[0])
    t = rep.tasks[0].tremor
    assert t.present is True
    assert t.frequency_hz == pytest.approx(6.0, abs=0.3)
    assert t.amplitude_mm is not None and t.amplitude_mm > 1.0
    assert t.axis_strength is not None and t.axis_strength > 0.8
    s = rep.tasks[0].spiral
    c = analyze(uci("C_0001.txt"), tasks=[0]).tasks[0].spiral
    assert s is not None and c is not None
    assert s.smoothness_first_order > 5 * c.smoothness_first_order  # type: ignore[operator]


def test_stretched_screen_spiral_is_flagged() -> None:
    rep = analyze(uci("H_P000-0011.txt"), tasks=[0])
    s = rep.tasks[0].spiral
    assert s is not None and s.aspect_ratio is not None and s.aspect_ratio > 1.5
    assert any("elongated" in n for n in rep.tasks[0].notes)
