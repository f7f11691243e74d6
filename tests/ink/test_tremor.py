"""Tremor of a pen path: known frequency, amplitude and axis on synthetic drawings."""

from __future__ import annotations

import math

import numpy as np
import pytest

from dystonia.ink import TremorParams, analyze_task
from dystonia.ink.prepare import prepare_runs
from dystonia.ink.synthetic import synthetic_hold, synthetic_spiral
from dystonia.ink.tremor import fit_background, pen_tremor, principal_axis


@pytest.mark.parametrize(
    ("freq", "amp", "axis"),
    [(4.0, 0.8, 0.0), (6.0, 0.4, 45.0), (8.5, 0.3, 100.0), (11.0, 0.5, 160.0)],
)
def test_spiral_tremor_frequency_amplitude_and_axis(freq: float, amp: float, axis: float) -> None:
    task = synthetic_spiral(
        tremor_hz=freq, tremor_mm=amp, tremor_axis_deg=axis, quantum_mm=0.2, jitter=0.2, seed=7
    )
    t = analyze_task(task).tremor
    assert t.present is True
    assert t.frequency_hz == pytest.approx(freq, abs=0.15)
    assert t.amplitude_mm == pytest.approx(amp / math.sqrt(2), rel=0.1)
    delta = abs((t.axis_deg or 0) - axis) % 180
    assert min(delta, 180 - delta) < 3.0
    assert t.axis_strength is not None and t.axis_strength > 0.9


def test_smooth_spiral_with_pixel_noise_has_no_tremor() -> None:
    task = synthetic_spiral(noise_mm=0.05, quantum_mm=0.2, seed=1)
    t = analyze_task(task).tremor
    assert t.present is False
    assert t.frequency_hz is None and t.amplitude_mm is None
    assert t.peak_to_background is not None and t.peak_to_background < 4


def test_circular_tremor_has_no_axis() -> None:
    task = synthetic_spiral(seed=2)
    tt = task.time_s
    x = task.x_mm + 0.5 * np.cos(2 * np.pi * 6 * tt)
    y = task.y_mm + 0.5 * np.sin(2 * np.pi * 6 * tt)
    circ = type(task).from_samples(tt, x, y)
    t = analyze_task(circ).tremor
    assert t.present and t.axis_strength is not None and t.axis_strength < 0.1


def test_hold_in_the_air_is_analysed_from_every_sample() -> None:
    rep = analyze_task(
        synthetic_hold(tremor_hz=5.0, tremor_mm=0.3, tremor_axis_deg=90, seed=4), "hold"
    )
    assert rep.kind == "hold"
    t = rep.tremor
    assert t.present and t.frequency_hz == pytest.approx(5.0, abs=0.1)
    assert t.axis_deg == pytest.approx(90.0, abs=3.0)


def test_too_little_data_is_not_assessed() -> None:
    task = synthetic_spiral(duration_s=1.5, turns=1.2, seed=1)
    rep = analyze_task(task, "spiral")
    assert rep.tremor.present is None
    assert any("not assessed" in n for n in rep.notes)


def test_slow_sampling_is_not_assessed() -> None:
    rep = analyze_task(synthetic_spiral(fs_hz=20.0, seed=1), "spiral")
    assert rep.tremor.present is None
    assert any("too slow" in n for n in rep.notes)


def test_background_fit_ignores_a_peak() -> None:
    f = np.linspace(0.25, 30, 120)
    power = 1.0 / f**2
    peaked = power.copy()
    peaked[np.abs(f - 6) < 0.5] *= 50
    bg = fit_background(f, peaked, (2.0, 20.0))
    m = (f > 2) & (f < 20) & (np.abs(f - 6) > 1)
    np.testing.assert_allclose(bg[m], power[m], rtol=0.05)
    assert np.isnan(bg[f < 2]).all()


def test_principal_axis_of_known_matrices() -> None:
    assert principal_axis(np.array([[1.0, 0.0], [0.0, 0.0]])) == pytest.approx((0.0, 1.0))
    angle, strength = principal_axis(np.array([[0.5, 0.5], [0.5, 0.5]]))
    assert angle == pytest.approx(45.0) and strength == pytest.approx(1.0)
    assert principal_axis(np.eye(2))[1] == pytest.approx(0.0)


def test_excluded_band_is_not_called_tremor() -> None:
    task = synthetic_spiral(tremor_hz=6.0, tremor_mm=0.5, seed=3)
    runs = prepare_runs(task)
    assert pen_tremor(runs, TremorParams()).present is True
    assert pen_tremor(runs, TremorParams(), exclude_hz=[(5.0, 7.0)]).present is False


@pytest.mark.parametrize(("n", "nper"), [(1000, 200), (150, 150), (333, 200)])
def test_one_pass_welch_matches_scipy(n: int, nper: int) -> None:
    from scipy import signal

    from dystonia.ink.tremor import _welch_xy

    rng = np.random.default_rng(0)
    x = rng.normal(size=n).cumsum()
    y = rng.normal(size=n) + 0.3 * x
    _, sxx, syy, sxy = _welch_xy(x, y, 100.0, nper, 400)
    _, pw = signal.welch(np.vstack((x, y)), fs=100, nperseg=nper, nfft=400, detrend="linear")
    _, pc = signal.csd(x, y, fs=100, nperseg=nper, nfft=400, detrend="linear")
    np.testing.assert_allclose(sxx, pw[0], rtol=1e-9, atol=1e-14)
    np.testing.assert_allclose(syy, pw[1], rtol=1e-9, atol=1e-14)
    np.testing.assert_allclose(sxy, pc.real, rtol=1e-9, atol=1e-14)
