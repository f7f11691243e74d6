"""Tremor in a pen path: frequency, amplitude (mm), axis and its strength.

The voluntary movement of drawing or writing fills the low end of the spectrum and falls off
smoothly; digitiser noise is flat. A tremor is a narrow peak standing above that smooth
background. So the spectra of x and y are averaged over the pause-free runs, a background is
fitted robustly (a quadratic in log-frequency/log-power), and the tremor is the largest excess
over it in the tremor band. The axis is the principal direction of the x/y cross-spectral
matrix over the peak: for a tremor along one line its strength is 1, for a circular one 0.

References
----------
.. [1] Pullman SL. Spiral analysis: a new technique for measuring tremor with a digitizing
   tablet. Mov Disord. 1998;13(Suppl 3):85-89. doi:10.1002/mds.870131315
.. [2] Michalec M, Hernandez N, Clark LN, Louis ED. The spiral axis as a clinical tool to
   distinguish essential tremor from dystonia cases. Parkinsonism Relat Disord.
   2014;20(5):541-544. doi:10.1016/j.parkreldis.2014.01.021
.. [3] Welch PD. The use of fast Fourier transform for the estimation of power spectra. IEEE
   Trans Audio Electroacoust. 1967;15(2):70-73. doi:10.1109/TAU.1967.1161901
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass
from functools import lru_cache
from typing import Any

import numpy as np
from numpy.typing import NDArray
from scipy import signal

from dystonia.ink.jsonsafe import num
from dystonia.ink.params import TremorParams
from dystonia.ink.prepare import Run

__all__ = ["PenSpectrum", "PenTremor", "fit_background", "pen_spectrum", "pen_tremor"]

FloatArray = NDArray[np.float64]


@dataclass(frozen=True, eq=False)
class PenSpectrum:
    """Run-length-weighted Welch spectra of the pen position (mm^2/Hz)."""

    frequency_hz: FloatArray
    pxx: FloatArray
    pyy: FloatArray
    cxy: FloatArray  # real part of the cross-spectrum
    analysed_s: float
    n_runs: int

    @property
    def power(self) -> FloatArray:
        """Total (x + y) power spectral density."""
        return self.pxx + self.pyy


@lru_cache(maxsize=32)
def _hann(n: int) -> FloatArray:
    return np.asarray(signal.get_window("hann", n))


def _welch_xy(
    x: FloatArray, y: FloatArray, fs: float, nper: int, nfft: int
) -> tuple[FloatArray, FloatArray, FloatArray, FloatArray]:
    """Welch auto- and cross-spectra of x and y in one pass.

    Hann window, 50 % overlap, linear detrend per segment, one-sided density scaling: the same
    estimates as ``scipy.signal.welch``/``csd`` with ``detrend="linear"`` (checked in the
    tests), computed together from one FFT per segment.
    """
    step = max(nper // 2, 1)
    starts = np.arange(0, x.size - nper + 1, step)
    idx = starts[:, None] + np.arange(nper)
    seg = np.stack((x[idx], y[idx]))  # (2, segments, nper)
    ramp = np.arange(nper) - 0.5 * (nper - 1)
    seg = seg - seg.mean(axis=-1, keepdims=True)
    seg = seg - ((seg @ ramp) / float(ramp @ ramp))[..., None] * ramp
    win = _hann(nper)
    spec = np.fft.rfft(seg * win, n=nfft, axis=-1)
    scale = 1.0 / (fs * float(win @ win))
    sxx = np.mean(np.abs(spec[0]) ** 2, axis=0) * scale
    syy = np.mean(np.abs(spec[1]) ** 2, axis=0) * scale
    sxy = np.mean(np.real(np.conj(spec[0]) * spec[1]), axis=0) * scale
    one_sided = np.full(sxx.shape, 2.0)
    one_sided[0] = 1.0
    if nfft % 2 == 0:
        one_sided[-1] = 1.0
    freqs = np.asarray(np.fft.rfftfreq(nfft, 1.0 / fs), dtype=np.float64)
    return freqs, sxx * one_sided, syy * one_sided, sxy * one_sided


def pen_spectrum(runs: Sequence[Run], params: TremorParams) -> PenSpectrum | None:
    """Average the spectra of every run of at least ``params.min_segment_s``; None if none."""
    use = [r for r in runs if r.duration_s >= params.min_segment_s]
    if not use:
        return None
    fs = use[0].fs_hz
    nfft = max(round(fs / params.frequency_step_hz), int(params.window_s * fs))
    total = np.zeros(nfft // 2 + 1)
    pxx = total.copy()
    pyy = total.copy()
    cxy = total.copy()
    weight = 0
    freqs: FloatArray | None = None
    for run in use:
        nper = min(run.n, int(params.window_s * fs))
        f, sxx, syy, sxy = _welch_xy(run.x_mm, run.y_mm, fs, nper, nfft)
        w = run.n
        pxx += w * sxx
        pyy += w * syy
        cxy += w * sxy
        weight += w
        freqs = f
    assert freqs is not None
    return PenSpectrum(
        frequency_hz=np.asarray(freqs),
        pxx=pxx / weight,
        pyy=pyy / weight,
        cxy=cxy / weight,
        analysed_s=float(sum(r.duration_s for r in use)),
        n_runs=len(use),
    )


def fit_background(
    frequency_hz: FloatArray,
    power: FloatArray,
    band_hz: tuple[float, float],
    *,
    iterations: int = 5,
) -> FloatArray:
    """Smooth background of a spectrum: robust quadratic in log10 f / log10 P over ``band_hz``.

    Points more than 2.5 robust SDs (at least 0.1 decade) above the fit are left out and the
    fit repeated, so that a tremor peak does not lift its own background. Outside ``band_hz``
    the result is NaN.
    """
    m = (frequency_hz >= band_hz[0]) & (frequency_hz <= band_hz[1])
    out = np.full(power.shape, np.nan)
    if m.sum() < 4:
        return out
    lf = np.log10(frequency_hz[m])
    lp = np.log10(np.maximum(power[m], 1e-300))
    keep = np.ones(lf.shape, dtype=bool)
    coef = np.polyfit(lf, lp, 2)
    for _ in range(iterations):
        coef = np.polyfit(lf[keep], lp[keep], 2)
        resid = lp - np.polyval(coef, lf)
        spread = 1.4826 * float(np.median(np.abs(resid[keep])))
        new_keep = resid < max(2.5 * spread, 0.1)
        if new_keep.sum() < 4 or np.array_equal(new_keep, keep):
            break
        keep = new_keep
    out[m] = 10.0 ** np.polyval(coef, lf)
    return out


@dataclass(frozen=True, eq=False)
class PenTremor:
    """Tremor of one task.

    ``present`` is None when the task has too little pause-free data to assess
    (``TremorParams.min_analysed_s``). The contract fields (``frequency_hz``, ``amplitude_mm``,
    ``axis_deg``, ``axis_strength``) are set only when tremor is present; ``peak`` describes the
    largest peak whether or not it counts as tremor.
    """

    present: bool | None
    frequency_hz: float | None
    amplitude_mm: float | None
    axis_deg: float | None
    axis_strength: float | None
    peak_hz: float | None
    peak_amplitude_mm: float | None
    peak_axis_deg: float | None
    peak_axis_strength: float | None
    peak_to_background: float | None
    band_amplitude_mm: float | None
    analysed_s: float
    spectrum: PenSpectrum | None
    background: FloatArray | None

    def to_dict(self) -> dict[str, Any]:
        """Contract fields plus ``peak``, ``band_amplitude_mm`` and ``analysed_s``."""
        return {
            "present": self.present,
            "frequency_hz": num(self.frequency_hz),
            "amplitude_mm": num(self.amplitude_mm),
            "axis_deg": num(self.axis_deg),
            "axis_strength": num(self.axis_strength),
            "peak": {
                "frequency_hz": num(self.peak_hz),
                "amplitude_mm": num(self.peak_amplitude_mm),
                "axis_deg": num(self.peak_axis_deg),
                "axis_strength": num(self.peak_axis_strength),
                "to_background": num(self.peak_to_background),
            },
            "band_amplitude_mm": num(self.band_amplitude_mm),
            "analysed_s": num(self.analysed_s),
        }


def _not_assessed(analysed_s: float, spectrum: PenSpectrum | None) -> PenTremor:
    return PenTremor(
        present=None,
        frequency_hz=None,
        amplitude_mm=None,
        axis_deg=None,
        axis_strength=None,
        peak_hz=None,
        peak_amplitude_mm=None,
        peak_axis_deg=None,
        peak_axis_strength=None,
        peak_to_background=None,
        band_amplitude_mm=None,
        analysed_s=analysed_s,
        spectrum=spectrum,
        background=None,
    )


def principal_axis(c: NDArray[Any]) -> tuple[float, float]:
    """Direction (deg, 0-180, counter-clockwise from +x) and strength (0..1) of a 2x2 PSD matrix.

    Strength is (l1 - l2) / (l1 + l2) of the eigenvalues: 1 for motion along one line, 0 for
    motion spread equally in all directions.
    """
    evals, evecs = np.linalg.eigh(c)
    total = float(evals.sum())
    if total <= 0:
        return float("nan"), float("nan")
    v = evecs[:, 1]
    angle = math.degrees(math.atan2(float(v[1]), float(v[0]))) % 180.0
    if angle >= 179.995:
        angle = 0.0
    strength = float((evals[1] - evals[0]) / total)
    return angle, min(max(strength, 0.0), 1.0)


def pen_tremor(
    runs: Sequence[Run],
    params: TremorParams | None = None,
    *,
    exclude_hz: Sequence[tuple[float, float]] = (),
) -> PenTremor:
    """Tremor of the pen path made of ``runs`` (see the module docstring).

    Parameters
    ----------
    runs : sequence of Run
        From :func:`dystonia.ink.prepare.prepare_runs`.
    params : TremorParams, optional
    exclude_hz : sequence of (low, high)
        Frequency ranges where a peak is not taken as tremor: the writing's own up-and-down
        rhythm (half the stroke frequency), which is a peak of the voluntary movement.

    Returns
    -------
    PenTremor
    """
    p = params or TremorParams()
    spec = pen_spectrum(runs, p)
    analysed = 0.0 if spec is None else spec.analysed_s
    if spec is None or analysed < p.min_analysed_s:
        return _not_assessed(analysed, spec)
    f = spec.frequency_hz
    df = float(f[1] - f[0])
    power = spec.power
    fs = runs[0].fs_hz
    bg_band = (p.background_hz[0], min(p.background_hz[1], 0.45 * fs))
    bg = fit_background(f, power, bg_band)
    in_band = (f >= p.band_hz[0]) & (f <= p.band_hz[1]) & np.isfinite(bg)
    if not in_band.any():
        return _not_assessed(analysed, spec)
    excess = power - bg
    # candidates: local maxima of the spectrum inside the band (a band edge reached by the
    # falling flank of the voluntary movement is not a peak)
    local = np.zeros(power.shape, dtype=bool)
    local[1:-1] = (power[1:-1] > power[:-2]) & (power[1:-1] >= power[2:])
    allowed = np.ones(power.shape, dtype=bool)
    for lo, hi in exclude_hz:
        allowed &= ~((f >= lo) & (f <= hi))
    idx = np.flatnonzero(in_band & local & allowed)
    is_peak = idx.size > 0
    if not is_peak:
        idx = np.flatnonzero(in_band)
    i = int(idx[np.argmax(excess[idx])])
    # parabolic refinement of the peak frequency on the power spectrum
    f_peak = float(f[i])
    if is_peak and 0 < i < f.size - 1:
        a, b, c = power[i - 1], power[i], power[i + 1]
        denom = a - 2 * b + c
        if denom < 0:
            f_peak += float(np.clip(0.5 * (a - c) / denom, -0.5, 0.5)) * df
    near = np.abs(f - f[i]) <= p.peak_half_width_hz + 1e-9
    amplitude = math.sqrt(float(np.sum(np.clip(excess[near], 0.0, None))) * df)
    ratio = float(power[i] / bg[i]) if bg[i] > 0 else float("inf")
    cmat = np.array(
        [
            [spec.pxx[near].sum(), spec.cxy[near].sum()],
            [spec.cxy[near].sum(), spec.pyy[near].sum()],
        ]
    )
    axis, strength = principal_axis(cmat)
    band_mask = (f >= p.band_hz[0]) & (f <= p.band_hz[1])
    band_amp = math.sqrt(float(np.sum(power[band_mask])) * df)
    present = bool(
        is_peak and ratio >= p.min_peak_to_background and amplitude >= p.min_amplitude_mm
    )
    return PenTremor(
        present=present,
        frequency_hz=f_peak if present else None,
        amplitude_mm=amplitude if present else None,
        axis_deg=axis if present else None,
        axis_strength=strength if present else None,
        peak_hz=f_peak,
        peak_amplitude_mm=amplitude,
        peak_axis_deg=axis,
        peak_axis_strength=strength,
        peak_to_background=ratio,
        band_amplitude_mm=band_amp,
        analysed_s=analysed,
        spectrum=spec,
        background=bg,
    )
