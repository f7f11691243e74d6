"""From irregular pen samples to uniformly sampled, filtered runs.

A *run* is a stretch of samples without a pause: for drawing and writing, one stroke (one
pen-down run); for a hold, any stretch of samples whether the pen touches or hovers. Each run is
interpolated linearly onto a uniform grid (``PrepareParams.fs_hz``) and low-passed (zero-phase
Butterworth) for geometry and kinematics; interpolation never crosses a pause, so nothing is
invented where the pen was lifted or the device stopped reporting.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import lru_cache
from typing import Any

import numpy as np
from numpy.typing import NDArray
from scipy import signal

from dystonia.ink.params import PrepareParams
from dystonia.ink.recording import STROKE_GAP_S, InkTask

__all__ = ["Run", "lowpass", "prepare_runs"]

FloatArray = NDArray[np.float64]


@dataclass(frozen=True, eq=False)
class Run:
    """One pause-free stretch of pen samples on a uniform grid.

    Parameters
    ----------
    stroke : int
        Stroke number of the task (-1 for a run of a hold that includes in-air samples).
    start_s : float
        Time of the first grid point, seconds from the task's first sample.
    fs_hz : float
        Grid rate.
    x_mm, y_mm : ndarray
        Position, interpolated, unfiltered (for spectra).
    x_lp, y_lp : ndarray
        Position low-passed (for geometry and kinematics).
    pressure : ndarray or None
        Pressure interpolated onto the grid.
    """

    stroke: int
    start_s: float
    fs_hz: float
    x_mm: FloatArray
    y_mm: FloatArray
    x_lp: FloatArray
    y_lp: FloatArray
    pressure: FloatArray | None

    @property
    def n(self) -> int:
        """Grid points."""
        return int(self.x_mm.shape[0])

    @property
    def duration_s(self) -> float:
        """Length of the run (s), n / fs."""
        return self.n / self.fs_hz

    @property
    def time_s(self) -> FloatArray:
        """Grid times (s from the task's first sample)."""
        return self.start_s + np.arange(self.n) / self.fs_hz

    def velocity(self) -> tuple[FloatArray, FloatArray]:
        """Velocity (mm/s) of the low-passed path, central differences."""
        if self.n < 2:
            return np.zeros(self.n), np.zeros(self.n)
        return (
            np.gradient(self.x_lp) * self.fs_hz,
            np.gradient(self.y_lp) * self.fs_hz,
        )


@lru_cache(maxsize=16)
def _sos(cutoff_hz: float, fs_hz: float) -> NDArray[Any]:
    return np.asarray(signal.butter(4, cutoff_hz, btype="lowpass", fs=fs_hz, output="sos"))


def lowpass(x: FloatArray, cutoff_hz: float, fs_hz: float) -> FloatArray:
    """Zero-phase 4th-order Butterworth low-pass; runs under 4 samples are returned as they are.

    Short runs use a shorter edge padding (odd extension of at most ``n - 1`` samples).
    """
    n = x.shape[0]
    if n < 4:
        return x.copy()
    sos = _sos(float(cutoff_hz), float(fs_hz))
    padlen = min(3 * (2 * sos.shape[0] + 1), n - 1)
    return np.asarray(signal.sosfiltfilt(sos, x, padlen=padlen))


def _split(task: InkTask, *, pen_down_only: bool) -> list[tuple[int, int, int]]:
    """(start, stop, stroke) index ranges of the pause-free runs."""
    t = task.time_s
    n = task.n_samples
    if pen_down_only:
        stroke = task.stroke
        down = stroke >= 0
        if not down.any():
            return []
        brk = np.flatnonzero((stroke[1:] != stroke[:-1]) | (np.diff(t) > STROKE_GAP_S)) + 1
        starts = np.concatenate(([0], brk))
        stops = np.concatenate((brk, [n]))
        return [
            (int(a), int(b), int(stroke[a])) for a, b in zip(starts, stops, strict=True) if down[a]
        ]
    brk = np.flatnonzero(np.diff(t) > STROKE_GAP_S) + 1
    starts = np.concatenate(([0], brk))
    stops = np.concatenate((brk, [n]))
    return [(int(a), int(b), -1) for a, b in zip(starts, stops, strict=True)]


def prepare_runs(
    task: InkTask, params: PrepareParams | None = None, *, pen_down_only: bool = True
) -> list[Run]:
    """Resample and low-pass every pause-free run of a task.

    Parameters
    ----------
    task : InkTask
    params : PrepareParams, optional
    pen_down_only : bool
        True for drawing and writing (strokes only); False for a hold (every sample).

    Returns
    -------
    list of Run
        In time order; runs with fewer than 2 samples are left out.
    """
    p = params or PrepareParams()
    fs = p.fs_hz
    runs: list[Run] = []
    t_all = task.time_s
    for a, b, stroke in _split(task, pen_down_only=pen_down_only):
        if b - a < 2:
            continue
        t = t_all[a:b]
        n = int(np.floor((t[-1] - t[0]) * fs)) + 1
        grid = t[0] + np.arange(n) / fs
        x = np.interp(grid, t, task.x_mm[a:b])
        y = np.interp(grid, t, task.y_mm[a:b])
        pr = None if task.pressure is None else np.interp(grid, t, task.pressure[a:b])
        runs.append(
            Run(
                stroke=stroke,
                start_s=float(t[0]),
                fs_hz=fs,
                x_mm=x,
                y_mm=y,
                x_lp=lowpass(x, p.lowpass_hz, fs),
                y_lp=lowpass(y, p.lowpass_hz, fs),
                pressure=pr,
            )
        )
    return runs
