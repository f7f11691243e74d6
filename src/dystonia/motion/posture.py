"""Head posture in cervical dystonia: tilt from gravity, rotation relative to the trunk.

Axis convention (head sensor, as mounted on the forehead or vertex; right-handed):
``x`` points forwards (out of the face), ``y`` to the subject's **left**, ``z`` up. An upright,
still head reads ``acc = (0, 0, +1) g`` (an accelerometer measures the reaction to gravity).

* **Roll** (laterocollis) = ``atan2(a_y, a_z)``: positive when the head tilts towards the
  **right** shoulder, negative towards the left.
* **Pitch** (antero/retrocollis) = ``atan2(-a_x, sqrt(a_y^2 + a_z^2))``: positive for flexion
  (anterocollis, chin towards the chest), negative for extension (retrocollis).
* **Rotation** (torticollis, yaw about the vertical): positive to the subject's **left**
  (counter-clockwise seen from above), relative to the trunk sensor.

Tilt uses only gravity (the 0.25-Hz low-pass of the accelerometer, see
:func:`dystonia.motion.prepare.remove_gravity`), so it is drift-free but blind to rotation
about the vertical. Rotation needs angular rate: each sensor's rate about its own vertical
(its gyroscope projected on its gravity direction) is differenced, the mean difference over a
neutral segment at the start is removed as bias, and the difference is integrated. Limits: the
integral drifts with the residual gyroscope bias (MEMS bias of a few deg/min is typical
[unverified figure]), so rotation is meant for short protocols (under a minute) that start in a
neutral posture; for long recordings a magnetometer or an orientation filter is needed. Sensor
mounting offsets are removed with an optional neutral calibration (the minimal rotation
taking the neutral gravity reading to straight up).

Angles are mapped to TWSTRS severity bands (rotation 0-4: 0, 1-22, 23-45, 46-67, 68-90 deg;
laterocollis 0-3: 0, 1-15, 16-35, > 35 deg) by :mod:`dystonia.scales.twstrs_angles` when it
is installed, else by the same bands kept here. Anterocollis/retrocollis has no degree bands
in TWSTRS, so only the angle is reported.

References
----------
.. [1] Consky ES, Lang AE. Clinical assessments of patients with cervical dystonia. In:
   Jankovic J, Hallett M, eds. Therapy with Botulinum Toxin. New York: Marcel Dekker; 1994.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import numpy as np
from numpy.typing import NDArray

from dystonia.exceptions import InvalidInputError
from dystonia.motion.prepare import remove_gravity
from dystonia.validation import check_range

__all__ = [
    "HeadPosture",
    "HeadRotation",
    "head_posture",
    "head_rotation",
    "neutral_rotation",
    "tilt_angles",
    "twstrs_laterocollis_score",
    "twstrs_rotation_score",
]

FloatArray = NDArray[np.float64]

# Fallback bands (lowest whole degree, score), used only when dystonia.scales.twstrs_angles
# is unavailable; identical to the published TWSTRS anchors.
_ROTATION_BANDS = ((68, 4), (46, 3), (23, 2), (1, 1), (0, 0))
_LATEROCOLLIS_BANDS = ((36, 3), (16, 2), (1, 1), (0, 0))


def _band_score(field: str, angle_deg: float, bands: tuple[tuple[int, int], ...]) -> int:
    value = check_range(field, angle_deg, low=0.0, high=180.0, unit="deg")
    whole = math.floor(value + 0.5)
    for lowest, score in bands:
        if whole >= lowest:
            return score
    return 0


def _scorers() -> tuple[Callable[[float], int], Callable[[float], int]]:
    try:
        from dystonia.scales.twstrs_angles import laterocollis_score, rotation_score
    except ImportError:
        return (
            lambda a: _band_score("rotation_deg", a, _ROTATION_BANDS),
            lambda a: _band_score("laterocollis_deg", a, _LATEROCOLLIS_BANDS),
        )
    return rotation_score, laterocollis_score


def twstrs_rotation_score(rotation_deg: float) -> int:
    """TWSTRS rotation item (0-4) from the magnitude of head rotation in degrees [1]_."""
    return int(_scorers()[0](rotation_deg))


def twstrs_laterocollis_score(laterocollis_deg: float) -> int:
    """TWSTRS laterocollis item (0-3) from the magnitude of head tilt in degrees [1]_."""
    return int(_scorers()[1](laterocollis_deg))


def _unit_rows(v: NDArray[Any], field: str) -> FloatArray:
    a = np.asarray(v, dtype=np.float64)
    if a.ndim == 1:
        a = a[None, :]
    if a.ndim != 2 or a.shape[1] != 3 or a.shape[0] == 0:
        raise InvalidInputError(field, None, reason=f"needs shape (n, 3), got {a.shape}")
    norm = np.linalg.norm(a, axis=1)
    if not np.all(np.isfinite(norm)) or np.any(norm < 0.1):
        raise InvalidInputError(
            field, None, reason="needs finite gravity readings with magnitude near 1 g"
        )
    return np.asarray(a / norm[:, None])


def neutral_rotation(neutral_g: NDArray[Any]) -> FloatArray:
    """Rotation matrix taking the mean neutral gravity reading to straight up ``(0, 0, 1)``.

    The minimal (Rodrigues) rotation; apply it as ``g_corrected = g @ R.T``.
    """
    g = _unit_rows(neutral_g, "neutral_g").mean(axis=0)
    g = g / np.linalg.norm(g)
    up = np.array([0.0, 0.0, 1.0])
    v = np.cross(g, up)
    s = float(np.linalg.norm(v))
    c = float(np.dot(g, up))
    if s < 1e-12:
        if c > 0:
            return np.eye(3)
        return np.diag([1.0, -1.0, -1.0])
    vx = np.array([[0, -v[2], v[1]], [v[2], 0, -v[0]], [-v[1], v[0], 0]])
    return np.asarray(np.eye(3) + vx + vx @ vx * ((1 - c) / s**2))


def tilt_angles(
    gravity_g: NDArray[Any], *, neutral: FloatArray | None = None
) -> tuple[FloatArray, FloatArray]:
    """Roll (laterocollis, + right) and pitch (+ flexion) in degrees from gravity readings.

    Parameters
    ----------
    gravity_g : ndarray, shape (n, 3) or (3,)
        Gravity in the head-sensor frame (module convention), in g.
    neutral : ndarray, shape (3, 3), optional
        Calibration from :func:`neutral_rotation`.
    """
    g = _unit_rows(gravity_g, "gravity_g")
    if neutral is not None:
        g = g @ np.asarray(neutral, dtype=np.float64).T
    roll = np.degrees(np.arctan2(g[:, 1], g[:, 2]))
    pitch = np.degrees(np.arctan2(-g[:, 0], np.hypot(g[:, 1], g[:, 2])))
    return roll, pitch


@dataclass(frozen=True)
class HeadPosture:
    """Sustained head tilt over a segment (medians of the per-sample angles).

    Attributes
    ----------
    roll_deg : float
        Lateral tilt, + towards the right shoulder.
    pitch_deg : float
        Flexion (+, anterocollis) or extension (-, retrocollis).
    laterocollis_score : int
        TWSTRS laterocollis item (0-3) of ``|roll_deg|``.
    roll_iqr_deg, pitch_iqr_deg : float
        Interquartile ranges (how steady the posture was).
    calibrated : bool
        Whether a neutral calibration was applied.
    """

    roll_deg: float
    pitch_deg: float
    laterocollis_score: int
    roll_iqr_deg: float
    pitch_iqr_deg: float
    calibrated: bool

    @property
    def laterocollis_side(self) -> str:
        """``"right"``, ``"left"`` or ``"none"`` (under 0.5 deg)."""
        if abs(self.roll_deg) < 0.5:
            return "none"
        return "right" if self.roll_deg > 0 else "left"

    @property
    def sagittal(self) -> str:
        """``"anterocollis"``, ``"retrocollis"`` or ``"none"`` (under 0.5 deg)."""
        if abs(self.pitch_deg) < 0.5:
            return "none"
        return "anterocollis" if self.pitch_deg > 0 else "retrocollis"

    def to_dict(self) -> dict[str, Any]:
        """Plain-JSON form."""
        return {
            "roll_deg": self.roll_deg,
            "pitch_deg": self.pitch_deg,
            "laterocollis_side": self.laterocollis_side,
            "sagittal": self.sagittal,
            "laterocollis_twstrs": self.laterocollis_score,
            "roll_iqr_deg": self.roll_iqr_deg,
            "pitch_iqr_deg": self.pitch_iqr_deg,
            "calibrated": self.calibrated,
        }


def head_posture(
    acc_g: NDArray[Any],
    fs_hz: float,
    *,
    neutral_g: NDArray[Any] | None = None,
    gravity_cutoff_hz: float | None = None,
) -> HeadPosture:
    """Sustained head tilt of a gap-free head-accelerometer segment.

    Parameters
    ----------
    acc_g : ndarray, shape (n, 3)
        Head accelerometer in g, module axis convention.
    fs_hz : float
        Sampling rate.
    neutral_g : ndarray, shape (m, 3) or (3,), optional
        Accelerometer readings in the neutral posture (clinician-guided), for calibration.
    gravity_cutoff_hz : float, optional
        Gravity low-pass cut-off (default 0.25 Hz).
    """
    check_range("fs_hz", fs_hz, low=1.0, high=10000.0, unit="Hz")
    a = np.asarray(acc_g, dtype=np.float64)
    if a.ndim != 2 or a.shape[1] != 3 or a.shape[0] < 2:
        raise InvalidInputError("acc_g", None, reason=f"needs shape (n, 3), got {a.shape}")
    _, gravity = remove_gravity(a, fs_hz, cutoff_hz=gravity_cutoff_hz)
    neutral = None if neutral_g is None else neutral_rotation(neutral_g)
    roll, pitch = tilt_angles(gravity, neutral=neutral)
    roll_med = float(np.median(roll))
    q = np.percentile(np.stack([roll, pitch]), [25.0, 75.0], axis=1)
    return HeadPosture(
        roll_deg=roll_med,
        pitch_deg=float(np.median(pitch)),
        laterocollis_score=twstrs_laterocollis_score(min(abs(roll_med), 180.0)),
        roll_iqr_deg=float(q[1, 0] - q[0, 0]),
        pitch_iqr_deg=float(q[1, 1] - q[0, 1]),
        calibrated=neutral is not None,
    )


@dataclass(frozen=True)
class HeadRotation:
    """Head rotation relative to the trunk over a short protocol.

    Attributes
    ----------
    angle_deg : ndarray
        Relative yaw per sample (+ left), 0 at the start of the neutral segment.
    sustained_deg : float
        Median relative yaw after the neutral segment (+ left).
    max_abs_deg : float
        Largest absolute relative yaw after the neutral segment.
    rotation_score : int
        TWSTRS rotation item (0-4) of ``|sustained_deg|``.
    bias_dps : float
        Relative rate removed as bias (mean over the neutral segment).
    """

    angle_deg: FloatArray
    sustained_deg: float
    max_abs_deg: float
    rotation_score: int
    bias_dps: float

    @property
    def side(self) -> str:
        """``"left"``, ``"right"`` or ``"none"`` (under 0.5 deg)."""
        if abs(self.sustained_deg) < 0.5:
            return "none"
        return "left" if self.sustained_deg > 0 else "right"

    def to_dict(self) -> dict[str, Any]:
        """Plain-JSON form (without the per-sample series)."""
        return {
            "sustained_deg": self.sustained_deg,
            "side": self.side,
            "max_abs_deg": self.max_abs_deg,
            "rotation_twstrs": self.rotation_score,
            "bias_dps": self.bias_dps,
        }


def _vertical_rate(gyro: FloatArray, acc: FloatArray | None, fs_hz: float) -> FloatArray:
    if acc is None:
        return gyro[:, 2]
    _, gravity = remove_gravity(acc, fs_hz)
    up = gravity / np.linalg.norm(gravity, axis=1, keepdims=True)
    return np.asarray(np.einsum("ni,ni->n", gyro, up))


def head_rotation(
    head_gyro_dps: NDArray[Any],
    trunk_gyro_dps: NDArray[Any],
    fs_hz: float,
    *,
    head_acc_g: NDArray[Any] | None = None,
    trunk_acc_g: NDArray[Any] | None = None,
    neutral_s: float = 2.0,
) -> HeadRotation:
    """Head rotation (yaw) relative to a trunk sensor, integrated from angular rates.

    Parameters
    ----------
    head_gyro_dps, trunk_gyro_dps : ndarray, shape (n, 3)
        Time-aligned gyroscopes (deg/s), gap-free, same rate.
    fs_hz : float
        Sampling rate.
    head_acc_g, trunk_acc_g : ndarray, shape (n, 3), optional
        Accelerometers giving each sensor's vertical; without them the sensor ``z`` axis is
        taken as vertical.
    neutral_s : float
        Length of the neutral segment at the start (head facing forwards, still): its mean
        relative rate is removed as gyroscope bias, and angles are relative to it.
    """
    fs = check_range("fs_hz", fs_hz, low=1.0, high=10000.0, unit="Hz")
    check_range("neutral_s", neutral_s, low=0.0, high=600.0, unit="s")
    h = np.asarray(head_gyro_dps, dtype=np.float64)
    t = np.asarray(trunk_gyro_dps, dtype=np.float64)
    if h.ndim != 2 or h.shape[1] != 3 or h.shape != t.shape:
        raise InvalidInputError(
            "trunk_gyro_dps", None, reason=f"shapes differ or are not (n, 3): {h.shape}, {t.shape}"
        )
    for name, acc in (("head_acc_g", head_acc_g), ("trunk_acc_g", trunk_acc_g)):
        if acc is not None and np.shape(acc) != h.shape:
            raise InvalidInputError(name, None, reason=f"must have shape {h.shape}")
    n_neutral = round(neutral_s * fs)
    if n_neutral >= h.shape[0]:
        raise InvalidInputError("neutral_s", neutral_s, reason="is as long as the recording")
    rel = _vertical_rate(
        h, None if head_acc_g is None else np.asarray(head_acc_g, dtype=np.float64), fs
    ) - _vertical_rate(
        t, None if trunk_acc_g is None else np.asarray(trunk_acc_g, dtype=np.float64), fs
    )
    bias = float(rel[:n_neutral].mean()) if n_neutral > 0 else 0.0
    rate = rel - bias
    angle = np.concatenate(([0.0], np.cumsum(0.5 * (rate[1:] + rate[:-1])) / fs))
    after = angle[n_neutral:]
    sustained = float(np.median(after))
    return HeadRotation(
        angle_deg=angle,
        sustained_deg=sustained,
        max_abs_deg=float(np.max(np.abs(after))),
        rotation_score=twstrs_rotation_score(min(abs(sustained), 180.0)),
        bias_dps=bias,
    )
