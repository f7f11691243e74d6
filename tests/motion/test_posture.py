"""Head tilt from rotated gravity, neutral calibration, rotation vs trunk, TWSTRS bands."""

from __future__ import annotations

import numpy as np
import pytest

from dystonia.exceptions import InvalidInputError
from dystonia.motion import head_posture, head_rotation
from dystonia.motion.posture import (
    _LATEROCOLLIS_BANDS,
    _ROTATION_BANDS,
    _band_score,
    neutral_rotation,
    tilt_angles,
    twstrs_laterocollis_score,
    twstrs_rotation_score,
)
from dystonia.motion.synthetic import rotation_matrix

FS = 100.0
UP = np.array([0.0, 0.0, 1.0])


def _reading(roll_deg: float, pitch_deg: float, yaw_deg: float = 0.0) -> np.ndarray:
    """What the head accelerometer reads when the head is turned by R: R^T @ up."""
    return rotation_matrix(roll_deg, pitch_deg, yaw_deg).T @ UP


@pytest.mark.parametrize(
    ("roll", "pitch"), [(0, 0), (20, 0), (-35, 0), (0, 25), (0, -40), (15, 30), (-50, -20)]
)
def test_tilt_from_rotated_gravity(roll: float, pitch: float) -> None:
    r, p = tilt_angles(_reading(roll, pitch, yaw_deg=33.0))
    assert r[0] == pytest.approx(roll, abs=1e-9)
    assert p[0] == pytest.approx(pitch, abs=1e-9)


def test_signs_follow_the_documented_convention() -> None:
    # right ear down: the sensor's left axis (y) points partly up
    r, _ = tilt_angles(np.array([0.0, 0.3, 0.95]))
    assert r[0] > 0
    # chin to chest: the forward axis (x) points partly down
    _, p = tilt_angles(np.array([-0.4, 0.0, 0.9]))
    assert p[0] > 0


def test_head_posture_with_noise_and_twstrs_band() -> None:
    rng = np.random.default_rng(0)
    n = int(20 * FS)
    acc = np.tile(_reading(-25.0, 10.0), (n, 1)) + rng.normal(0, 0.02, (n, 3))
    post = head_posture(acc, FS)
    assert post.roll_deg == pytest.approx(-25.0, abs=0.5)
    assert post.pitch_deg == pytest.approx(10.0, abs=0.5)
    assert post.laterocollis_side == "left"
    assert post.sagittal == "anterocollis"
    assert post.laterocollis_score == 2
    assert post.to_dict()["laterocollis_twstrs"] == 2


def test_neutral_calibration_removes_mounting_offset() -> None:
    mount = rotation_matrix(8.0, -12.0)  # sensor glued askew
    neutral = np.tile(mount.T @ UP, (200, 1))
    head = rotation_matrix(20.0, 0.0)
    reading = (head @ mount).T @ UP
    cal = neutral_rotation(neutral)
    r, p = tilt_angles(reading, neutral=cal)
    assert r[0] == pytest.approx(20.0, abs=1.5)
    assert abs(p[0]) < 1.5
    _uncal_r, uncal_p = tilt_angles(reading)
    assert abs(uncal_p[0]) > 5  # without calibration the offset shows
    post = head_posture(np.tile(reading, (500, 1)), FS, neutral_g=neutral)
    assert post.calibrated


def test_head_rotation_relative_to_trunk() -> None:
    n = int(30 * FS)
    t = np.arange(n) / FS
    rng = np.random.default_rng(1)
    trunk = rng.normal(0, 0.5, (n, 3))
    trunk[:, 2] += 5.0 * np.sin(2 * np.pi * 0.2 * t)  # the whole body sways
    head = trunk.copy()
    # after 2 s of neutral, turn 50 deg to the right over 2 s and hold
    turn = np.zeros(n)
    turn[(t >= 3.0) & (t < 5.0)] = -25.0
    head[:, 2] += turn + 0.8  # plus a constant head-gyro bias
    acc = np.tile(UP, (n, 1))
    rot = head_rotation(head, trunk, FS, head_acc_g=acc, trunk_acc_g=acc, neutral_s=2.0)
    assert rot.bias_dps == pytest.approx(0.8, abs=0.05)
    assert rot.sustained_deg == pytest.approx(-50.0, abs=1.0)
    assert rot.side == "right"
    assert rot.rotation_score == 3
    assert rot.to_dict()["rotation_twstrs"] == 3


def test_head_rotation_input_checks() -> None:
    with pytest.raises(InvalidInputError):
        head_rotation(np.zeros((100, 3)), np.zeros((90, 3)), FS)
    with pytest.raises(InvalidInputError, match="neutral_s"):
        head_rotation(np.zeros((100, 3)), np.zeros((100, 3)), FS, neutral_s=5.0)
    with pytest.raises(InvalidInputError):
        tilt_angles(np.zeros((3, 3)))


@pytest.mark.parametrize(
    ("angle", "rot", "lat"),
    [(0.0, 0, 0), (0.4, 0, 0), (0.5, 1, 1), (15.0, 1, 1), (15.6, 1, 2), (22.4, 1, 2),
     (22.5, 2, 2), (35.0, 2, 2), (35.5, 2, 3), (45.0, 2, 3), (46.0, 3, 3), (67.0, 3, 3),
     (68.0, 4, 3), (90.0, 4, 3), (120.0, 4, 3)],
)  # fmt: skip
def test_twstrs_bands_match_the_scales_module(angle: float, rot: int, lat: int) -> None:
    assert twstrs_rotation_score(angle) == rot
    assert twstrs_laterocollis_score(angle) == lat
    # the private fallback gives the same answers as the shared scales module
    assert _band_score("rotation_deg", angle, _ROTATION_BANDS) == rot
    assert _band_score("laterocollis_deg", angle, _LATEROCOLLIS_BANDS) == lat


def test_negative_angle_refused() -> None:
    with pytest.raises(InvalidInputError):
        twstrs_rotation_score(-5.0)
