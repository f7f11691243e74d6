"""SPARC and LDLJ on profiles with published or analytic reference values."""

from __future__ import annotations

import numpy as np
import pytest

from dystonia.exceptions import InvalidInputError
from dystonia.motion import ldlj, sparc

FS = 100.0


def _gaussian() -> np.ndarray:
    t = np.arange(-1, 1, 0.01)
    return np.exp(-5 * t**2)


def _minimum_jerk(duration_s: float = 1.0, fs: float = 1000.0) -> np.ndarray:
    tau = np.arange(0, 1 + 1e-12, 1 / (duration_s * fs))
    return 30 * tau**2 * (1 - tau) ** 2 / duration_s


def test_sparc_reference_gaussian() -> None:
    # value printed in the docstring of the authors' reference code (siva82kb/smoothness)
    assert sparc(_gaussian(), FS) == pytest.approx(-1.41403, abs=1e-4)


def test_ldlj_reference_gaussian() -> None:
    assert ldlj(_gaussian(), FS) == pytest.approx(-5.81636, abs=1e-4)


def test_ldlj_minimum_jerk_analytic() -> None:
    # integral of (d2v/dtau2)^2 = 720, v_peak = 30/16 -> LDLJ = -ln(720 / 1.875^2)
    expected = -np.log(720 / 1.875**2)
    assert expected == pytest.approx(-5.3220, abs=1e-4)
    assert ldlj(_minimum_jerk(), 1000.0) == pytest.approx(expected, abs=0.02)


def test_sparc_minimum_jerk_in_published_range() -> None:
    value = sparc(_minimum_jerk(fs=100.0), FS)
    assert -1.65 < value < -1.4


def test_duration_invariance_and_ordering() -> None:
    slow = sparc(_minimum_jerk(2.0, 100.0), FS)
    fast = sparc(_minimum_jerk(0.5, 100.0), FS)
    assert slow == pytest.approx(fast, abs=0.05)
    assert ldlj(_minimum_jerk(2.0, 100.0), FS) == pytest.approx(
        ldlj(_minimum_jerk(0.5, 100.0), FS), abs=0.05
    )
    # two sub-movements are less smooth than one
    one = _minimum_jerk(1.0, 100.0)
    two = np.concatenate((one, 0.6 * one))
    assert sparc(two, FS) < sparc(one, FS)
    assert ldlj(two, FS) < ldlj(one, FS)


def test_ldlj_acceleration_form_and_vectors() -> None:
    t = np.arange(0, 1, 0.01)
    acc = np.stack([np.sin(2 * np.pi * t), np.zeros_like(t), np.zeros_like(t)], axis=1)
    value = ldlj(acc, FS, kind="acceleration")
    assert np.isfinite(value) and value < 0
    with pytest.raises(InvalidInputError):
        ldlj(acc, FS, kind="position")  # type: ignore[arg-type]


def test_bad_inputs() -> None:
    with pytest.raises(InvalidInputError):
        sparc(np.zeros(100), FS)
    with pytest.raises(InvalidInputError):
        sparc(np.array([1.0, np.nan, 1.0, 1.0]), FS)
    with pytest.raises(InvalidInputError, match="cutoff_hz"):
        sparc(_gaussian(), FS, cutoff_hz=80.0)
