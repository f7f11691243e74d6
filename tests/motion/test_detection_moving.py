"""The movement rule: tremor under large voluntary movement, with known answers."""

from __future__ import annotations

import numpy as np
import pytest

from dystonia.exceptions import InvalidInputError
from dystonia.motion import MotionParams, Recording, TremorParams, analyze
from dystonia.motion.synthetic import Episode, tremor_episodes
from dystonia.motion.tremor import detect_tremor

RESTING_ONLY = MotionParams(tremor=TremorParams(detect_during_movement=False))


def _inside(starts: np.ndarray, a: float, b: float) -> np.ndarray:
    return (starts >= a - 1e-6) & (starts + 4.0 <= b + 1e-6)


@pytest.fixture(scope="module")
def moving_rec() -> Recording:
    # 25 deg/s RMS of voluntary movement per axis (< 1.5 Hz); a regular 6-Hz, 8 deg/s tremor
    # from 40 s to 80 s: its power is a 30th of the movement's
    return tremor_episodes(
        duration_s=120, episodes=[Episode(40, 40, 6.0, 8.0)], voluntary_deg_s=25.0, seed=5
    )


def test_regular_tremor_under_large_movement_is_found(moving_rec: Recording) -> None:
    w = analyze(moving_rec).windows
    tremor_in = _inside(w.start_s, 40, 80)
    quiet = (w.start_s + 4.0 <= 40) | (w.start_s >= 80)
    assert w.tremor[tremor_in].mean() >= 0.9
    assert not w.tremor[quiet].any()
    assert np.allclose(w.column("peak_frequency_hz")[tremor_in], 6.0, atol=0.1)
    # the resting rule alone misses it: the movement fills the 0.5-20 Hz reference band
    assert analyze(moving_rec, params=RESTING_ONLY).windows.tremor[tremor_in].mean() <= 0.2


def test_movement_alone_is_not_tremor() -> None:
    rec = tremor_episodes(duration_s=120, episodes=[], voluntary_deg_s=25.0, seed=6)
    assert not analyze(rec).windows.tremor.any()


def _features(**changes: float) -> dict[str, np.ndarray]:
    base = {
        "is_peak": True,
        "amplitude": 5.0,
        "peak_ratio": 0.1,  # resting rule fails
        "peak_frequency_hz": 6.0,
        "band_peak_ratio": 0.8,
        "low_side_prominence": 10.0,
    }
    base.update(changes)
    return {k: np.array([v]) for k, v in base.items()}


@pytest.mark.parametrize(
    ("changes", "expected"),
    [
        ({}, True),
        ({"band_peak_ratio": 0.4}, False),  # peak does not dominate the tremor band
        ({"low_side_prominence": 3.0}, False),  # shoulder of the movement spectrum
        ({"peak_frequency_hz": 3.6}, False),  # peak +-1 Hz reaches below the 3-Hz band edge
        ({"amplitude": 1.0}, False),  # under the amplitude floor
        ({"is_peak": False}, False),
        ({"peak_ratio": 0.5, "band_peak_ratio": 0.1}, True),  # resting rule alone suffices
    ],
)
def test_detection_rule_with_movement_branch(changes: dict, expected: bool) -> None:
    assert detect_tremor(_features(**changes), unit="deg/s").tolist() == [expected]


def test_movement_branch_can_be_switched_off() -> None:
    off = TremorParams(detect_during_movement=False)
    assert detect_tremor(_features(), unit="deg/s", params=off).tolist() == [False]


@pytest.mark.parametrize(
    ("name", "value"),
    [
        ("moving_min_band_ratio", 1.5),
        ("moving_min_prominence", 0.5),
        ("moving_prominence_below_hz", (1.5, 0.5)),
        ("detect_during_movement", "yes"),
    ],
)
def test_movement_parameters_are_checked(name: str, value: object) -> None:
    with pytest.raises(InvalidInputError, match=name):
        TremorParams(**{name: value})  # type: ignore[arg-type]
