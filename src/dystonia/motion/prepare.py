"""Sampling rate, gaps, uniform resampling, gravity and non-wear: the steps before any analysis.

Pure functions on arrays (no files, no printing). Every step keeps gaps visible: a step between
two samples longer than the gap threshold is reported as a gap, and no value is ever
interpolated across it; resampling happens only inside gap-free stretches.

Times on the uniform grid are ``origin_s + k / fs_hz`` for integer ``k``; the grid index ``k``
is what the streaming analysis carries from one chunk to the next.

References
----------
.. [1] van Hees VT, Gorzelniak L, Dean Leon EC, et al. Separating movement and gravity
   components in an acceleration signal and implications for the assessment of human daily
   physical activity. PLoS One. 2013;8(4):e61691. doi:10.1371/journal.pone.0061691
.. [2] van Hees VT, Renstrom F, Wright A, et al. Estimation of daily energy expenditure in
   pregnant and non-pregnant women using a wrist-worn tri-axial accelerometer. PLoS One.
   2011;6(7):e22922. doi:10.1371/journal.pone.0022922
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np
from numpy.typing import NDArray
from scipy import signal

from dystonia.exceptions import InvalidInputError
from dystonia.motion.params import NonWearParams, PrepareParams
from dystonia.motion.recording import Axes

__all__ = [
    "Gap",
    "NonWearDetector",
    "NonWearResult",
    "SamplingInfo",
    "UniformBlock",
    "check_time",
    "detect_non_wear",
    "estimate_sampling",
    "find_gaps",
    "gap_threshold",
    "remove_gravity",
    "resample_uniform",
    "split_segments",
    "valid_runs",
]

FloatArray = NDArray[np.float64]
BoolArray = NDArray[np.bool_]


@dataclass(frozen=True)
class SamplingInfo:
    """Sampling rate inferred from timestamps.

    Attributes
    ----------
    fs_hz : float
        ``1 / dt_median_s``.
    dt_median_s : float
        Median step between samples.
    jitter_s : float
        Standard deviation of the steps, gaps excluded.
    jitter_fraction : float
        ``jitter_s / dt_median_s``.
    max_step_s : float
        Longest step that is not a gap.
    """

    fs_hz: float
    dt_median_s: float
    jitter_s: float
    jitter_fraction: float
    max_step_s: float

    def to_dict(self) -> dict[str, float]:
        """Plain-JSON form."""
        return {
            "fs_hz": self.fs_hz,
            "dt_median_s": self.dt_median_s,
            "jitter_s": self.jitter_s,
            "jitter_fraction": self.jitter_fraction,
            "max_step_s": self.max_step_s,
        }


@dataclass(frozen=True)
class Gap:
    """A stretch with no samples: from ``start_s`` (last sample before) for ``duration_s``."""

    start_s: float
    duration_s: float

    def to_dict(self) -> dict[str, float]:
        """Plain-JSON form."""
        return {"start_s": self.start_s, "duration_s": self.duration_s}


def check_time(time_s: NDArray[Any], *, field: str = "time_s") -> FloatArray:
    """Return ``time_s`` as float64 after checking it is finite and strictly increasing.

    Raises
    ------
    InvalidInputError
        Fewer than 2 samples, a non-finite time, or a step that is not positive.
    """
    t = np.asarray(time_s, dtype=np.float64)
    if t.ndim != 1 or t.shape[0] < 2:
        raise InvalidInputError(field, None, reason=f"needs at least 2 samples, got {t.size}")
    if not np.all(np.isfinite(t)):
        bad = int(np.flatnonzero(~np.isfinite(t))[0])
        raise InvalidInputError(f"{field}[{bad}]", None, reason="is not finite")
    steps = np.diff(t)
    if not np.all(steps > 0):
        bad = int(np.flatnonzero(steps <= 0)[0]) + 1
        raise InvalidInputError(
            f"{field}[{bad}]",
            float(t[bad]),
            reason=f"time is not strictly increasing ({t[bad - 1]!r} then {t[bad]!r})",
        )
    return t


def gap_threshold(dt_median_s: float, params: PrepareParams | None = None) -> float:
    """Gap threshold in seconds: ``params.gap_threshold_s`` or ``gap_factor * dt_median_s``."""
    p = params or PrepareParams()
    if p.gap_threshold_s is not None:
        return float(p.gap_threshold_s)
    return float(p.gap_factor * dt_median_s)


def estimate_sampling(time_s: NDArray[Any], *, params: PrepareParams | None = None) -> SamplingInfo:
    """Infer the sampling rate from timestamps (median step) and report the jitter.

    Parameters
    ----------
    time_s : ndarray, shape (n,)
        Strictly increasing sample times in seconds.
    params : PrepareParams, optional
        Gap threshold settings (gaps are excluded from the jitter).
    """
    t = check_time(time_s)
    steps = np.diff(t)
    dt = float(np.median(steps))
    inside = steps[steps <= gap_threshold(dt, params)]
    jitter = float(np.std(inside)) if inside.size else 0.0
    return SamplingInfo(
        fs_hz=1.0 / dt,
        dt_median_s=dt,
        jitter_s=jitter,
        jitter_fraction=jitter / dt,
        max_step_s=float(inside.max()) if inside.size else dt,
    )


def find_gaps(
    time_s: NDArray[Any], *, threshold_s: float, origin_s: float | None = None
) -> list[Gap]:
    """List the gaps: steps between consecutive samples longer than ``threshold_s``.

    Parameters
    ----------
    time_s : ndarray, shape (n,)
        Strictly increasing sample times in seconds.
    threshold_s : float
        Gap threshold (see :func:`gap_threshold`).
    origin_s : float, optional
        Time subtracted from the reported ``start_s`` (default: the first sample).
    """
    t = np.asarray(time_s, dtype=np.float64)
    origin = float(t[0]) if origin_s is None else float(origin_s)
    steps = np.diff(t)
    idx = np.flatnonzero(steps > threshold_s)
    return [Gap(float(t[i] - origin), float(steps[i])) for i in idx]


def split_segments(time_s: NDArray[Any], *, threshold_s: float) -> list[tuple[int, int]]:
    """Sample index ranges ``[start, stop)`` of the gap-free segments."""
    t = np.asarray(time_s, dtype=np.float64)
    cuts = np.flatnonzero(np.diff(t) > threshold_s) + 1
    starts = np.concatenate(([0], cuts))
    stops = np.concatenate((cuts, [t.shape[0]]))
    return [(int(a), int(b)) for a, b in zip(starts, stops, strict=True)]


@dataclass(frozen=True)
class UniformBlock:
    """Samples on the uniform grid ``origin_s + k / fs_hz``, ``k = first_index ...``.

    Attributes
    ----------
    first_index : int
        Grid index of ``values[0]``.
    values : ndarray, shape (m, c)
        Linearly interpolated values; 0 where not valid.
    valid : ndarray of bool, shape (m,)
        False for grid points inside a gap or next to a non-finite sample.
    """

    first_index: int
    values: FloatArray
    valid: BoolArray


def resample_uniform(
    time_s: NDArray[Any],
    values: NDArray[Any],
    *,
    fs_hz: float,
    origin_s: float,
    threshold_s: float,
    first_index: int | None = None,
) -> UniformBlock:
    """Linearly interpolate samples onto a uniform grid, never across a gap.

    Grid points between two samples further apart than ``threshold_s`` are marked invalid,
    as are points next to a non-finite sample. Linear interpolation between neighbouring
    samples of a near-uniform recording attenuates a 12 Hz component at 100 Hz by < 2 %.

    Parameters
    ----------
    time_s : ndarray, shape (n,)
        Strictly increasing sample times in seconds.
    values : ndarray, shape (n, c)
        Channels to resample.
    fs_hz : float
        Grid rate.
    origin_s : float
        Time of grid index 0.
    threshold_s : float
        Gap threshold in seconds.
    first_index : int, optional
        First grid index to produce (default: the first grid point at or after ``time_s[0]``).
    """
    t = np.asarray(time_s, dtype=np.float64)
    v = np.asarray(values, dtype=np.float64)
    if v.ndim == 1:
        v = v[:, None]
    eps = 1e-6
    k_lo = int(np.ceil((t[0] - origin_s) * fs_hz - eps))
    if first_index is not None:
        k_lo = max(k_lo, int(first_index))
    k_hi = int(np.floor((t[-1] - origin_s) * fs_hz + eps))
    if k_hi < k_lo:
        return UniformBlock(k_lo, np.zeros((0, v.shape[1])), np.zeros(0, dtype=bool))
    grid_t = origin_s + np.arange(k_lo, k_hi + 1, dtype=np.float64) / fs_hz
    tol = eps / fs_hz
    # fast path: samples already on the grid (uniform files, synthetic data)
    first = int(np.searchsorted(t, grid_t[0] - tol))
    if first + grid_t.shape[0] <= t.shape[0]:
        on_grid = t[first : first + grid_t.shape[0]]
        if np.abs(on_grid - grid_t).max() <= 1e-3 / fs_hz:
            rows = slice(first, first + grid_t.shape[0])
            if np.isfinite(np.add.reduce(v[rows], axis=None)):
                # every value finite (a finite sum proves it): no copy needed
                return UniformBlock(k_lo, v[rows], np.ones(grid_t.shape[0], dtype=bool))
            finite_rows = np.all(np.isfinite(v[rows]), axis=1)
            out = np.where(finite_rows[:, None], v[rows], 0.0)
            return UniformBlock(k_lo, out, finite_rows)
    finite = np.all(np.isfinite(v), axis=1)
    steps = np.diff(t)
    # nearest sample at or before each grid point, and the step that spans it
    left = np.searchsorted(t, grid_t, side="right") - 1
    left = np.clip(left, 0, t.shape[0] - 2)
    on_sample = np.abs(grid_t - t[left + 1]) <= tol
    valid = (steps[left] <= threshold_s) | on_sample | (np.abs(grid_t - t[left]) <= tol)
    valid &= finite[left] & finite[left + 1]
    weight = np.clip((grid_t - t[left]) / steps[left], 0.0, 1.0)[:, None]
    v_clean = np.where(finite[:, None], v, 0.0)
    out = v_clean[left] * (1.0 - weight) + v_clean[left + 1] * weight
    out[~valid] = 0.0
    return UniformBlock(k_lo, out, valid)


def valid_runs(valid: NDArray[np.bool_]) -> tuple[NDArray[np.intp], NDArray[np.intp]]:
    """Start and stop indices ``[start, stop)`` of the runs of True in ``valid``."""
    v = np.concatenate(([False], np.asarray(valid, dtype=bool), [False]))
    edges = np.flatnonzero(np.diff(v.astype(np.int8)))
    return edges[0::2], edges[1::2]


def remove_gravity(
    acc_g: NDArray[Any], fs_hz: float, *, cutoff_hz: float | None = None
) -> tuple[FloatArray, FloatArray]:
    """Split a gap-free accelerometer signal into movement and gravity.

    Gravity is the output of a 4th-order zero-phase Butterworth low-pass at ``cutoff_hz``
    (default :attr:`PrepareParams.gravity_cutoff_hz`, 0.25 Hz); movement is the remainder.
    Signals too short for the filter use their mean as gravity. Call once per gap-free segment.

    Parameters
    ----------
    acc_g : ndarray, shape (n, 3)
        Accelerometer in g.
    fs_hz : float
        Sampling rate.
    cutoff_hz : float, optional
        Low-pass cut-off in Hz.

    Returns
    -------
    dynamic_g, gravity_g : ndarray, shape (n, 3)
    """
    a = np.asarray(acc_g, dtype=np.float64)
    fc = PrepareParams().gravity_cutoff_hz if cutoff_hz is None else float(cutoff_hz)
    if not 0.0 < fc < 0.5 * fs_hz:
        raise InvalidInputError("cutoff_hz", fc, allowed=f"0-{0.5 * fs_hz:g} Hz")
    sos = signal.butter(4, fc, btype="lowpass", fs=fs_hz, output="sos")
    if a.shape[0] <= 3 * (2 * sos.shape[0] + 1):
        gravity = np.broadcast_to(a.mean(axis=0), a.shape).copy()
    else:
        gravity = signal.sosfiltfilt(sos, a, axis=0)
    return a - gravity, gravity


@dataclass(frozen=True)
class NonWearResult:
    """Outcome of non-wear detection.

    Attributes
    ----------
    assessed : bool
        False when the recording is shorter than one window or has no accelerometer.
    block_s : float
        Length of a decision block (the step, 900 s).
    non_wear : ndarray of bool, shape (n_blocks,)
        Decision per block; block ``b`` starts at ``b * block_s`` seconds after the origin.
    reason : str
        Why not assessed, if so.
    """

    assessed: bool
    block_s: float
    non_wear: BoolArray
    reason: str = ""

    def periods(self) -> list[Gap]:
        """Merged non-wear periods as (start_s, duration_s) from the origin."""
        starts, stops = valid_runs(self.non_wear)
        return [
            Gap(float(a * self.block_s), float((b - a) * self.block_s))
            for a, b in zip(starts, stops, strict=True)
        ]

    def mask_for(self, start_s: NDArray[Any], duration_s: float) -> BoolArray:
        """True for analysis windows that overlap a non-wear block."""
        start = np.asarray(start_s, dtype=np.float64)
        if not self.assessed or not self.non_wear.any():
            return np.zeros(start.shape, dtype=bool)
        first = np.floor(start / self.block_s).astype(np.intp)
        last = np.floor((start + duration_s - 1e-9) / self.block_s).astype(np.intp)
        nb = self.non_wear.shape[0]
        hit_first = self.non_wear[np.clip(first, 0, nb - 1)] & (first < nb)
        hit_last = self.non_wear[np.clip(last, 0, nb - 1)] & (last < nb)
        return np.asarray(hit_first | hit_last)

    def to_dict(self) -> dict[str, Any]:
        """Plain-JSON form."""
        periods = self.periods()
        return {
            "assessed": self.assessed,
            "reason": self.reason or None,
            "block_s": self.block_s,
            "non_wear_s": float(sum(p.duration_s for p in periods)),
            "periods": [p.to_dict() for p in periods],
        }


class NonWearDetector:
    """Streaming van Hees 2013 non-wear detection [1]_ (see :class:`NonWearParams`).

    Statistics are kept per half step (7.5 min by default: count, mean, sum of squared
    deviations, minimum and maximum per axis), so memory grows by a few numbers per 7.5 min and
    the 60-min window centred on every 15-min block can be evaluated at the end. Windows are
    shifted inwards at the start and end of the recording; windows with less than half of their
    samples are not assessed (counted as worn).

    Parameters
    ----------
    fs_hz : float
        Grid rate of the samples passed to :meth:`update`.
    params : NonWearParams, optional
    """

    def __init__(self, fs_hz: float, params: NonWearParams | None = None) -> None:
        self.params = params or NonWearParams()
        self.fs_hz = float(fs_hz)
        self.sub_s = self.params.step_s / 2.0
        self.sub_n = max(1, round(self.sub_s * self.fs_hz))
        self._n = np.zeros(0)
        self._mean = np.zeros((0, 3))
        self._m2 = np.zeros((0, 3))
        self._min = np.zeros((0, 3))
        self._max = np.zeros((0, 3))

    def _grow(self, size: int) -> None:
        extra = size - self._n.shape[0]
        if extra <= 0:
            return
        self._n = np.concatenate((self._n, np.zeros(extra)))
        self._mean = np.concatenate((self._mean, np.zeros((extra, 3))))
        self._m2 = np.concatenate((self._m2, np.zeros((extra, 3))))
        self._min = np.concatenate((self._min, np.full((extra, 3), np.inf)))
        self._max = np.concatenate((self._max, np.full((extra, 3), -np.inf)))

    def update(
        self, first_index: int, acc_g: NDArray[Any], valid: NDArray[np.bool_] | None = None
    ) -> None:
        """Add grid samples ``first_index ...`` (accelerometer in g) and their validity.

        ``valid`` None means every sample is valid.
        """
        self.update_axes(first_index, np.asarray(acc_g, dtype=np.float64).T, valid)

    def update_axes(
        self,
        first_index: int,
        axes: Axes,
        valid: NDArray[np.bool_] | None = None,
    ) -> None:
        """:meth:`update` with the accelerometer given axis by axis (three 1-D arrays, g)."""
        # float64 sums whatever the axes hold (float32 sums of squares lose the variance)
        axes = [np.asarray(axes[k], dtype=np.float64) for k in range(3)]
        if valid is None:
            size = int(axes[0].shape[0])
            if size == 0:
                return
            rows = axes
            first = first_index // self.sub_n
            last = (first_index + size - 1) // self.sub_n
            ids = np.arange(first, last + 1)
            starts = np.maximum(ids * self.sub_n - first_index, 0)
        else:
            keep = np.asarray(valid, dtype=bool)
            if not keep.any():
                return
            k = first_index + np.flatnonzero(keep)
            rows = [np.asarray(axis)[keep] for axis in axes]
            size = int(rows[0].shape[0])
            sub = k // self.sub_n
            bounds = np.flatnonzero(np.diff(sub)) + 1
            starts = np.concatenate(([0], bounds))
            ids = sub[starts]
        stops = np.concatenate((starts[1:], [size]))
        n = (stops - starts).astype(np.float64)
        mean = np.empty((ids.shape[0], 3))
        m2 = np.empty((ids.shape[0], 3))
        mn = np.empty((ids.shape[0], 3))
        mx = np.empty((ids.shape[0], 3))
        # per half step (a few per chunk) and axis, over contiguous samples, without
        # temporaries: sum, sum of squares, range. The squared deviations are the sum of
        # squares less n * mean^2 (as :meth:`result` combines them anyway): accelerations of
        # about 1 g with a variance of 1e-4 g^2 lose about 1e-10 of it to cancellation, and a
        # constant signal is left with a standard deviation under 1e-7 g (clipped at 0)
        for j, (lo, hi) in enumerate(zip(starts.tolist(), stops.tolist(), strict=True)):
            for axis in range(3):
                part = rows[axis][lo:hi]
                total = float(np.add.reduce(part))
                mean[j, axis] = total / (hi - lo)
                m2[j, axis] = float(np.einsum("i,i->", part, part)) - total * mean[j, axis]
                mn[j, axis] = part.min()
                mx[j, axis] = part.max()
        np.maximum(m2, 0.0, out=m2)
        self._grow(int(ids[-1]) + 1)
        # merge with what is already there (Chan et al. parallel variance)
        n0 = self._n[ids]
        tot = n0 + n
        delta = mean - self._mean[ids]
        self._mean[ids] = self._mean[ids] + delta * (n / tot)[:, None]
        self._m2[ids] = self._m2[ids] + m2 + delta**2 * (n0 * n / tot)[:, None]
        self._n[ids] = tot
        self._min[ids] = np.minimum(self._min[ids], mn)
        self._max[ids] = np.maximum(self._max[ids], mx)

    def result(self, total_samples: int) -> NonWearResult:
        """Decide per block. ``total_samples`` is the length of the grid (last index + 1)."""
        p = self.params
        block_s = p.step_s
        n_sub_total = int(np.ceil(total_samples / self.sub_n))
        n_blocks = int(np.ceil(n_sub_total / 2))
        win_sub = round(2 * p.window_s / p.step_s)
        if total_samples < p.window_s * self.fs_hz:
            return NonWearResult(
                False, block_s, np.zeros(n_blocks, dtype=bool), "recording shorter than window"
            )
        self._grow(n_sub_total)
        # cumulative sums over sub-blocks let every window be evaluated at once
        n = self._n[:n_sub_total]
        s1 = self._mean[:n_sub_total] * n[:, None]
        s2 = self._m2[:n_sub_total] + self._mean[:n_sub_total] ** 2 * n[:, None]
        c_n = np.concatenate(([0.0], np.cumsum(n)))
        c_s1 = np.concatenate((np.zeros((1, 3)), np.cumsum(s1, axis=0)))
        c_s2 = np.concatenate((np.zeros((1, 3)), np.cumsum(s2, axis=0)))
        b = np.arange(n_blocks)
        lo = 2 * b + 1 - win_sub // 2
        lo = np.clip(lo, 0, max(0, n_sub_total - win_sub))
        hi = np.minimum(lo + win_sub, n_sub_total)
        wn = c_n[hi] - c_n[lo]
        ws1 = c_s1[hi] - c_s1[lo]
        ws2 = c_s2[hi] - c_s2[lo]
        with np.errstate(invalid="ignore", divide="ignore"):
            mean = ws1 / wn[:, None]
            var = (ws2 - wn[:, None] * mean**2) / np.maximum(wn - 1, 1)[:, None]
        sd = np.sqrt(np.maximum(var, 0.0))
        mins = np.lib.stride_tricks.sliding_window_view(
            np.concatenate((self._min[:n_sub_total], np.full((win_sub, 3), np.inf))),
            win_sub,
            axis=0,
        )[lo].min(axis=-1)
        maxs = np.lib.stride_tricks.sliding_window_view(
            np.concatenate((self._max[:n_sub_total], np.full((win_sub, 3), -np.inf))),
            win_sub,
            axis=0,
        )[lo].max(axis=-1)
        rng = maxs - mins
        axes_met = np.sum((sd < p.sd_threshold_g) & (rng < p.range_threshold_g), axis=1)
        covered = wn >= 0.5 * p.window_s * self.fs_hz
        non_wear = (axes_met >= p.min_axes) & covered
        return NonWearResult(True, block_s, np.asarray(non_wear, dtype=bool))


def detect_non_wear(
    time_s: NDArray[Any],
    acc_g: NDArray[Any],
    *,
    params: NonWearParams | None = None,
    prepare: PrepareParams | None = None,
) -> NonWearResult:
    """Non-wear blocks of an in-memory accelerometer recording (van Hees 2013 [1]_, [2]_).

    Parameters
    ----------
    time_s : ndarray, shape (n,)
        Sample times in seconds.
    acc_g : ndarray, shape (n, 3)
        Accelerometer in g.
    params : NonWearParams, optional
    prepare : PrepareParams, optional
        Gap settings.

    Returns
    -------
    NonWearResult
        Block ``b`` starts ``b * step_s`` seconds after the first sample.
    """
    info = estimate_sampling(time_s, params=prepare)
    t = np.asarray(time_s, dtype=np.float64)
    block = resample_uniform(
        t,
        acc_g,
        fs_hz=info.fs_hz,
        origin_s=float(t[0]),
        threshold_s=gap_threshold(info.dt_median_s, prepare),
    )
    det = NonWearDetector(info.fs_hz, params)
    det.update(block.first_index, block.values, block.valid)
    return det.result(block.first_index + block.values.shape[0])
