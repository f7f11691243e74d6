"""Tremor per analysis window: spectrum, detection, amplitude, regularity and direction.

All functions are pure and vectorised over windows (batched FFT, batched eigen-decomposition,
one band-pass call per group of windows with similar peak frequency); none loops over samples.

Signal: the gyroscope in deg/s when present, else the accelerometer in m/s^2 with gravity
removed (:func:`dystonia.motion.prepare.remove_gravity`).

Per window (see :class:`dystonia.motion.params.TremorParams` for every number):

* **spectrum**: mean-removed, Hann-tapered, zero-padded FFT of each axis; one-sided power
  spectral density summed over the three axes (a modified periodogram, units^2/Hz);
* **peak frequency**: largest local maximum of that spectrum inside the tremor band, refined
  by parabolic interpolation of log power;
* **peak ratio**: power within +-``peak_half_width_hz`` of the peak over the power of the
  reference band; **FWHM**: full width at half maximum of the peak (Hz; a 4-s Hann window
  cannot resolve less than about 0.36 Hz);
* for the movement rule of :func:`detect_tremor`: the **band peak ratio** (the same peak power,
  clipped to the tremor band, over the tremor band's power, as Luft et al. normalise [3]_) and
  the **low-side prominence** (peak power density over the largest density 0.5-1.5 Hz below
  the peak: a tremor peak stands clear of the voluntary-movement spectrum, whose upper
  shoulder slopes down into the band);
* **amplitude**: RMS of the magnitude of the band-pass-filtered three-axis vector
  (deg/s or m/s^2; zero-phase FFT band-pass, flat inside the band, see
  :func:`band_pass_flat`); ``power`` is its square;
* **directionality**: share of the tremor-band variance along the first principal component
  (1 = one axis, 1/3 = isotropic);
* **cycles** (tremor windows only): the signal is projected on that first component,
  band-passed to peak +- 2 Hz (3rd-order Butterworth), and its negative-to-positive zero
  crossings give cycle frequencies ``f_k = 1 / T_k`` and their changes
  ``df_k = f_{k+1} - f_k``, as in di Biase et al. 2017 [1]_. The tremor stability index (TSI)
  is the interquartile range of ``df_k`` pooled over all tremor windows of a recording.
  The steps were checked against the open re-implementation in opensesame-dii/tremor_analysis
  (``tremor_stability_index``: 0.1-Hz high-pass, first principal component, FFT peak clamped
  to 2-9 Hz, 3rd-order Butterworth f0 +- 2 Hz, upward zero crossings, IQR); the paper's own
  code was not available. Differences: crossings are located by linear interpolation
  between samples (at 100 Hz, whole-sample cycle lengths alone would add a spread of about
  0.3 Hz at 5 Hz), the band-pass is zero-phase, each window uses its own peak frequency, and
  changes are never taken across two windows;
* **instantaneous-frequency spread**: standard deviation of the Hilbert instantaneous frequency
  of the same band-passed component (Hz);
* **amplitude variability**: per-cycle amplitude (half the peak-to-peak value between two
  crossings); its coefficient of variation is computed over the recording.

Dystonic tremor is reported to be more irregular than essential tremor (higher TSI and peak
frequency variability; Panyakaew et al. 2020 [2]_), which is why these regularity measures are
reported; they are descriptions, not a diagnosis.

References
----------
.. [1] di Biase L, Brittain JS, Shah SA, et al. Tremor stability index: a new tool for
   differential diagnosis in tremor syndromes. Brain. 2017;140(7):1977-1986.
   doi:10.1093/brain/awx104
.. [2] Panyakaew P, Cho HJ, Lee SW, Wu T, Hallett M. The pathophysiology of dystonic tremors
   and comparison with essential tremor. J Neurosci. 2020;40(48):9317-9326.
   doi:10.1523/JNEUROSCI.1181-20.2020
.. [3] Luft F, Sharifi S, Mugge W, et al. A power spectral density-based method to detect
   tremor and tremor intermittency in movement disorders. Sensors. 2019;19(19):4301.
   doi:10.3390/s19194301
"""

from __future__ import annotations

import threading
from dataclasses import dataclass
from functools import lru_cache
from typing import Any

import numpy as np
import scipy.fft
from numpy.typing import NDArray
from scipy import signal

from dystonia.exceptions import InvalidInputError
from dystonia.motion.params import TremorParams

__all__ = [
    "CycleStats",
    "TSIResult",
    "WindowFeatures",
    "band_features",
    "band_pass",
    "band_pass_flat",
    "band_pass_flat_rows",
    "cycle_features",
    "detect_tremor",
    "directionality",
    "spectral_features",
    "tremor_stability_index",
]

FloatArray = NDArray[np.float64]

#: Rows per Hilbert transform in the cycle analysis (bounds its complex temporaries).
_HILBERT_ROWS = 256

#: Threads for each batched FFT (scipy.fft ``workers``; independent transforms are shared out,
#: so results do not change). One: the analysis already runs blocks on two threads
#: (``dystonia.motion.report``), and more threads than cores only add switching.
FFT_WORKERS = 1

#: scipy's pocketfft transforms four single-precision rows at a time with vector instructions
#: (its SSE width in the x86-64 wheels) and the rest one by one: three rows (one per axis) take
#: twice as long as four, so a band-pass of three rows gets a fourth row of zeros (measured in
#: ``benchmarks/bench_fft_rows.py``; where the width differs, the zero row only costs a
#: quarter more).
_FFT_ROW_GROUP = 4


@dataclass(frozen=True)
class _SosDesign:
    """A Butterworth band-pass as second-order sections, with what ``sosfiltfilt`` derives."""

    sos: FloatArray
    zi: FloatArray
    edge: int


@lru_cache(maxsize=512)
def _band_pass_design(order: int, lo_hz: float, hi_hz: float, fs_hz: float) -> _SosDesign:
    """Design a band-pass once per distinct band (about 0.7 ms each, more than filtering)."""
    sos = np.asarray(signal.butter(order, (lo_hz, hi_hz), btype="bandpass", fs=fs_hz, output="sos"))
    # scipy.signal.sosfiltfilt's default odd padding: 3 * (2 * sections + 1 - trivial zeros)
    ntaps = 2 * sos.shape[0] + 1
    ntaps -= min(int((sos[:, 2] == 0).sum()), int((sos[:, 5] == 0).sum()))
    zi = np.asarray(signal.sosfilt_zi(sos))
    return _SosDesign(sos, zi, 3 * ntaps)


def _band_pass_sos(order: int, lo_hz: float, hi_hz: float, fs_hz: float) -> FloatArray:
    """Second-order sections of a Butterworth band-pass (a copy of the cached design)."""
    return _band_pass_design(order, lo_hz, hi_hz, fs_hz).sos.copy()


def _sosfiltfilt_rows(design: _SosDesign, x: FloatArray) -> FloatArray:
    """``scipy.signal.sosfiltfilt(sos, x, axis=1)`` with the design's initial state cached.

    Same steps as scipy (odd extension by ``edge`` samples, forward and backward passes from
    the steady state scaled by the first sample); scipy recomputes ``sosfilt_zi`` on every call,
    which costs more than filtering a few short windows.
    """
    edge = design.edge
    if x.shape[1] <= edge:
        raise InvalidInputError(
            "x", None, reason=f"needs more than {edge} samples to filter, got {x.shape[1]}"
        )
    ext = np.concatenate(
        (
            2 * x[:, :1] - x[:, edge:0:-1],
            x,
            2 * x[:, -1:] - x[:, -2 : -(edge + 2) : -1],
        ),
        axis=1,
    )
    zi = design.zi.reshape(design.zi.shape[0], 1, 2)
    y, _ = signal.sosfilt(design.sos, ext, axis=1, zi=zi * ext[:, :1])
    y, _ = signal.sosfilt(design.sos, y[:, ::-1], axis=1, zi=zi * y[:, -1:])
    return np.asarray(y[:, ::-1][:, edge:-edge])


def band_pass(
    x: NDArray[Any], fs_hz: float, band_hz: tuple[float, float], *, order: int = 4
) -> FloatArray:
    """Zero-phase Butterworth band-pass along axis 0 (``sosfiltfilt``)."""
    sos = _band_pass_sos(int(order), float(band_hz[0]), float(band_hz[1]), float(fs_hz))
    return np.asarray(signal.sosfiltfilt(sos, np.asarray(x, dtype=np.float64), axis=0))


def band_pass_flat(
    x: NDArray[Any],
    fs_hz: float,
    band_hz: tuple[float, float],
    *,
    transition_hz: float = 0.5,
) -> FloatArray:
    """Zero-phase FFT band-pass along axis 0 with a flat pass band and cosine edges.

    The gain is exactly 1 inside ``band_hz`` and falls to 0 over ``transition_hz`` outside each
    edge (raised cosine), so a tremor near a band edge keeps its full amplitude (a 4th-order
    Butterworth applied forwards and backwards loses about 26 % of the amplitude at 11.2 Hz for
    a 3-12 Hz band). The signal is mirror-extended by ``2 / transition_hz`` seconds at both ends
    before the transform to limit wrap-around.
    """
    a = np.asarray(x, dtype=np.float64)
    rows = a.reshape(a.shape[0], -1).T
    out = band_pass_flat_rows(rows, fs_hz, band_hz, transition_hz=transition_hz)
    return np.asarray(out.T, dtype=np.float64).reshape(a.shape)


@lru_cache(maxsize=8)
def _flat_gain(
    m: int, fs_hz: float, lo: float, hi: float, transition_hz: float
) -> NDArray[np.float32]:
    freqs = np.fft.rfftfreq(m, 1.0 / fs_hz)
    gain = np.zeros_like(freqs)
    gain[(freqs >= lo) & (freqs <= hi)] = 1.0
    low_edge = (freqs > lo - transition_hz) & (freqs < lo)
    gain[low_edge] = 0.5 * (1.0 + np.cos(np.pi * (lo - freqs[low_edge]) / transition_hz))
    high_edge = (freqs > hi) & (freqs < hi + transition_hz)
    gain[high_edge] = 0.5 * (1.0 + np.cos(np.pi * (freqs[high_edge] - hi) / transition_hz))
    out = gain.astype(np.float32)
    out.flags.writeable = False
    return out


def band_pass_flat_rows(
    x: NDArray[Any],
    fs_hz: float,
    band_hz: tuple[float, float],
    *,
    transition_hz: float = 0.5,
    scratch: bool = False,
) -> NDArray[np.float32]:
    """:func:`band_pass_flat` along the last axis of ``x`` (channels, samples), in float32.

    The transform is single precision (relative error about 1e-7 of the signal, twice as fast
    as double); the result is the float32 output of the inverse transform. With ``scratch``
    the result is a view of an array kept for this thread, which the next ``scratch`` call of
    the same size in the same thread overwrites (for a caller that uses it at once: no fresh
    output array, whose page faults cost more than the inverse transform).
    """
    a = np.asarray(x)
    c, n = a.shape
    ext = min(n - 1, int(np.ceil(2.0 / transition_hz * fs_hz)))
    m = scipy.fft.next_fast_len(n + 2 * ext, real=True)
    # mirror extension (numpy "reflect") and zero padding written straight into the float32
    # input of the transform (scipy's own zero padding copies the data once more); one row of
    # zeros when it completes a group of _FFT_ROW_GROUP (three axes), so that every row takes
    # the vectorised path; never more (one or two rows padded to four would cost more than the
    # scalar path saves), nor for transforms too large to keep as scratch
    rows = c
    group = _FFT_ROW_GROUP
    if group > 1 and c % group == group - 1 and (c + 1) * m <= _SCRATCH_MAX_VALUES:
        rows = c + 1
    padded = _zero_padded_scratch((rows, m), n + 2 * ext)
    padded[c:] = 0.0
    padded[:c, ext : ext + n] = a
    if ext > 0:
        padded[:c, :ext] = a[:, 1 : ext + 1][:, ::-1]
        padded[:c, ext + n : ext + n + ext] = a[:, n - 1 - ext : n - 1][:, ::-1]
    spec = scipy.fft.rfft(padded, axis=1, workers=FFT_WORKERS)
    spec *= _flat_gain(m, float(fs_hz), float(band_hz[0]), float(band_hz[1]), float(transition_hz))
    if scratch:
        # numpy's inverse transform (the same pocketfft, equal to the last bit here) writes
        # into a reused array; scipy's allocates its output
        out = np.fft.irfft(spec, n=m, axis=1, out=_scratch("band_pass", (rows, m), np.float32))
    else:
        out = scipy.fft.irfft(spec, n=m, axis=1, workers=FFT_WORKERS)
    return np.asarray(out[:c, ext : ext + n])


_SCRATCH = threading.local()
#: Largest scratch array kept (float32 values: 16 MiB); a block of the analysis is about 1.5 MB.
_SCRATCH_MAX_VALUES = 4 * 1024 * 1024


def _zero_padded_scratch(shape: tuple[int, ...], data_n: int) -> NDArray[np.float32]:
    """A float32 array of ``shape``, zero from ``data_n`` on along the last axis, reused.

    Kept per thread, shape and ``data_n`` (the last four): the transform inputs of the blocks of
    windows are all the same size, and a fresh array of a megabyte or more per block costs more
    in page faults (the allocator hands large freed blocks back to the system) than the
    transform's own arithmetic. Callers write ``[..., :data_n]`` and must not keep the array.
    """
    key = (shape, data_n)
    cache: dict[tuple[tuple[int, ...], int], NDArray[np.float32]] | None = getattr(
        _SCRATCH, "padded", None
    )
    if cache is None:
        cache = _SCRATCH.padded = {}
    buf = cache.get(key)
    if buf is None and int(np.prod(shape)) > _SCRATCH_MAX_VALUES:
        # one-off large transforms (a whole recording given to band_pass_flat) are not kept
        out = np.empty(shape, dtype=np.float32)
        out[..., data_n:] = 0.0
        return out
    if buf is None:
        if len(cache) >= 4:
            cache.pop(next(iter(cache)))
        buf = np.empty(shape, dtype=np.float32)
        buf[..., data_n:] = 0.0
        cache[key] = buf
    return buf


def _scratch(name: str, shape: tuple[int, ...], dtype: Any) -> NDArray[Any]:
    """An array of ``shape`` and ``dtype`` for the output named ``name``, kept for this thread
    (contents undefined); callers must be done with it before asking for it again."""
    kind = np.dtype(dtype)
    key = (name, shape, kind.str)
    cache: dict[tuple[str, tuple[int, ...], str], NDArray[Any]] | None = getattr(
        _SCRATCH, "outputs", None
    )
    if cache is None:
        cache = _SCRATCH.outputs = {}
    buf = cache.get(key)
    if buf is None:
        buf = np.empty(shape, dtype=kind)
        if buf.nbytes > 4 * _SCRATCH_MAX_VALUES:
            return buf  # one-off large outputs are not kept
        if len(cache) >= 8:
            cache.pop(next(iter(cache)))
        cache[key] = buf
    return buf


def _nfft(window_n: int, zero_pad_factor: int) -> int:
    return int(2 ** int(np.ceil(np.log2(window_n)))) * zero_pad_factor


@lru_cache(maxsize=8)
def _hann(window_n: int) -> FloatArray:
    taper = np.asarray(signal.windows.hann(window_n, sym=False), dtype=np.float64)
    taper.flags.writeable = False
    return taper


@lru_cache(maxsize=8)
def _hann32(window_n: int) -> NDArray[np.float32]:
    taper = _hann(window_n).astype(np.float32)
    taper.flags.writeable = False
    return taper


def _bins_needed(p: TremorParams, fs_hz: float, df: float) -> int:
    """Spectrum bins (from 0 Hz) that :func:`spectral_features` reads, with a margin.

    The reference band, the peak band (plus the peak half width), the +-3 Hz half-maximum
    search around a peak in the tremor band and the plot spectrum all lie below this bin.
    """
    ref_hi = min(p.reference_band_hz[1], 0.45 * fs_hz)
    top_hz = max(
        ref_hi,
        p.band_hz[1] + p.peak_half_width_hz + df,
        p.band_hz[1] + 3.0 + df,
        min(p.spectrogram_max_hz, fs_hz / 2.0),
    )
    return int(np.ceil(top_hz / df)) + 4


@dataclass
class WindowFeatures:
    """Per-window results, one array element per window (float arrays; NaN = not computed)."""

    peak_frequency_hz: FloatArray
    peak_ratio: FloatArray
    peak_power: FloatArray
    fwhm_hz: FloatArray
    is_peak: NDArray[np.bool_]
    amplitude: FloatArray
    power: FloatArray
    directionality: FloatArray
    pc1: FloatArray
    spectrum: NDArray[np.float32]


def spectral_features(
    windows: NDArray[Any], fs_hz: float, params: TremorParams | None = None
) -> dict[str, Any]:
    """Spectrum-based features of a batch of windows.

    Parameters
    ----------
    windows : ndarray, shape (n_windows, 3, window_n)
        Analysis signal, one window per row, axes first (samples contiguous).
    fs_hz : float
        Sampling rate.
    params : TremorParams, optional

    Returns
    -------
    dict
        ``peak_frequency_hz``, ``peak_ratio``, ``peak_power``, ``fwhm_hz``, ``is_peak``
        (local maximum inside the band), ``band_peak_ratio`` (power within
        ``peak_half_width_hz`` of the peak, clipped to the band, over the band's power),
        ``low_side_prominence`` (peak power density over the largest density between
        ``moving_prominence_below_hz`` below the peak) and ``spectrum`` (float32, power in
        ``spectrogram_step_hz`` bins from 0 to ``spectrogram_max_hz``), each with one row per
        window.
    """
    p = params or TremorParams()
    w = np.asarray(windows)
    if w.dtype != np.float32:
        w = w.astype(np.float64, copy=False)
    n_win, n_axes, win_n = w.shape
    nfft = _nfft(win_n, p.zero_pad_factor)
    df = fs_hz / nfft
    taper = _hann(win_n)
    # single precision for the transform (relative error ~1e-7, twice as fast); sums in float64.
    # The zero padding is written here: scipy's own (``n=nfft``) copies the data once more.
    # ``windows`` may be a strided view (windows of a (3, n) buffer): it is read once, straight
    # into the transform's input, with the mean (float64) removed on the way.
    x = _zero_padded_scratch((n_win, n_axes, nfft), win_n)
    head = x[:, :, :win_n]
    np.subtract(w, w.mean(axis=2, keepdims=True, dtype=np.float64), out=head, casting="same_kind")
    head *= _hann32(win_n)
    del head
    spec = scipy.fft.rfft(x, axis=2, workers=FFT_WORKERS)
    # only the bins up to the highest frequency any feature reads are kept
    n_bins = min(spec.shape[2], _bins_needed(p, fs_hz, df))
    spec = spec[:, :, :n_bins]
    # power summed over the axes in one pass per part (no complex-sized temporaries)
    power = np.einsum("wab,wab->wb", spec.real, spec.real)
    power += np.einsum("wab,wab->wb", spec.imag, spec.imag)
    psd = power.astype(np.float64) * (2.0 / (fs_hz * float(np.sum(taper**2))))
    del power
    del spec
    freqs = np.arange(n_bins) * df
    lo = int(np.ceil(p.band_hz[0] / df))
    hi = min(int(np.floor(p.band_hz[1] / df)), n_bins - 2)
    band = psd[:, lo : hi + 1]
    k_rel = np.argmax(band, axis=1)
    k = lo + k_rel
    rows = np.arange(n_win)
    p0 = psd[rows, k]
    pm = psd[rows, k - 1]
    pp = psd[rows, k + 1]
    is_peak = (k_rel > 0) & (k_rel < band.shape[1] - 1) & (p0 >= pm) & (p0 >= pp) & (p0 > 0)
    tiny = np.finfo(np.float64).tiny
    lm, l0, lp = np.log(pm + tiny), np.log(p0 + tiny), np.log(pp + tiny)
    denom = lm - 2.0 * l0 + lp
    with np.errstate(invalid="ignore", divide="ignore"):
        delta = np.where(denom < 0, 0.5 * (lm - lp) / denom, 0.0)
    delta = np.clip(np.nan_to_num(delta), -0.5, 0.5)
    f0 = (k + delta) * df

    cum = np.concatenate((np.zeros((n_win, 1)), np.cumsum(psd, axis=1)), axis=1) * df

    # power between pairs of frequencies (bins from ceil(f_lo / df) to floor(f_hi / df)), for
    # the four bands every window needs, in one gather: the reference band, the peak +- half
    # width, and for the movement rule the tremor band and the peak's share of it (its +- half
    # width clipped to the band)
    nyq_cap = 0.45 * fs_hz
    ref_hi = min(p.reference_band_hz[1], nyq_cap)
    band_lo, band_hi = p.band_hz
    half_w = p.peak_half_width_hz
    f_lo = np.empty((4, n_win))
    f_hi = np.empty((4, n_win))
    f_lo[0], f_hi[0] = p.reference_band_hz[0], ref_hi
    np.subtract(f0, half_w, out=f_lo[1])
    np.add(f0, half_w, out=f_hi[1])
    f_lo[2], f_hi[2] = band_lo, min(band_hi, nyq_cap)
    np.maximum(f_lo[1], band_lo, out=f_lo[3])
    np.minimum(f_hi[1], band_hi, out=f_hi[3])
    i_lo = np.clip(np.ceil(f_lo / df).astype(np.intp), 0, n_bins)
    i_hi = np.clip(np.floor(f_hi / df).astype(np.intp) + 1, 0, n_bins)
    ref_power, peak_power, band_power, in_band_power = cum[rows, i_hi] - cum[rows, i_lo]
    with np.errstate(invalid="ignore", divide="ignore"):
        peak_ratio = np.where(ref_power > 0, peak_power / ref_power, 0.0)
    below = np.arange(
        -round(p.moving_prominence_below_hz[1] / df),
        -round(p.moving_prominence_below_hz[0] / df) + 1,
    )
    below_psd = psd[rows[:, None], np.clip(k[:, None] + below[None, :], 0, n_bins - 1)]
    with np.errstate(invalid="ignore", divide="ignore"):
        band_peak_ratio = np.where(band_power > 0, in_band_power / band_power, 0.0)
        low_side_prominence = p0 / below_psd.max(axis=1)

    # full width at half maximum of the peak, linear interpolation at both crossings
    half = p0 / 2.0
    # search the half-maximum crossings within +-3 Hz of the peak only
    span = int(np.ceil(3.0 / df))
    offs = np.arange(-span, span + 1)
    cols = k[:, None] + offs[None, :]
    inside = (cols >= 0) & (cols < n_bins)
    local = psd[rows[:, None], np.clip(cols, 0, n_bins - 1)]
    below = (local < half[:, None]) & inside
    left = np.where(below & (offs < 0), cols, -1).max(axis=1)
    right = np.where(below & (offs > 0), cols, n_bins).min(axis=1)
    ok = (left >= 0) & (right < n_bins)
    lc = np.clip(left, 0, n_bins - 2)
    rc = np.clip(right, 1, n_bins - 1)
    with np.errstate(invalid="ignore", divide="ignore"):
        f_left = freqs[lc] + (half - psd[rows, lc]) / (psd[rows, lc + 1] - psd[rows, lc]) * df
        f_right = freqs[rc] - (half - psd[rows, rc]) / (psd[rows, rc - 1] - psd[rows, rc]) * df
    fwhm = np.where(ok, f_right - f_left, np.nan)

    # coarse spectrum for plots: mean power density per spectrogram bin
    step = p.spectrogram_step_hz
    edges_hz = np.arange(0.0, min(p.spectrogram_max_hz, fs_hz / 2.0) + step / 2, step)
    edge_idx = np.clip(np.round(edges_hz / df).astype(np.intp), 0, n_bins)
    coarse_cum = cum[:, edge_idx]
    coarse = (np.diff(coarse_cum, axis=1) / step).astype(np.float32)

    return {
        "peak_frequency_hz": f0,
        "peak_ratio": peak_ratio,
        "band_peak_ratio": band_peak_ratio,
        "low_side_prominence": low_side_prominence,
        "peak_power": peak_power,
        "fwhm_hz": fwhm,
        "is_peak": is_peak,
        "spectrum": coarse,
    }


def band_features(filtered: NDArray[Any]) -> dict[str, FloatArray]:
    """Amplitude, power, directionality and first principal axis of band-filtered windows.

    Parameters
    ----------
    filtered : ndarray, shape (n_windows, 3, window_n)
        Tremor-band-filtered signal (zero mean by construction), axes first.

    Returns
    -------
    dict
        ``amplitude`` (RMS of the vector magnitude), ``power`` (its square),
        ``directionality`` (largest eigenvalue / trace of the 3x3 second-moment matrix) and
        ``pc1`` (unit first principal axis, shape (n_windows, 3)).
    """
    f = np.asarray(filtered)
    if f.dtype != np.float32:
        f = f.astype(np.float64, copy=False)
    n_win, n_axes, win_n = f.shape
    # the second-moment matrices, one sum of products per pair of axes, in the signal's own
    # precision (float32 sums of 400 products: relative error ~2e-7, four times faster than a
    # float64 copy and a small matrix product per window)
    cov = np.empty((n_win, n_axes, n_axes))
    for i in range(n_axes):
        for j in range(i, n_axes):
            cov[:, i, j] = np.einsum("wt,wt->w", f[:, i, :], f[:, j, :])
            cov[:, j, i] = cov[:, i, j]
    cov /= win_n
    evals, evecs = np.linalg.eigh(cov)
    power = np.trace(cov, axis1=1, axis2=2)
    with np.errstate(invalid="ignore", divide="ignore"):
        share = np.where(power > 0, evals[:, -1] / power, np.nan)
    return {
        "amplitude": np.sqrt(np.maximum(power, 0.0)),
        "power": power,
        "directionality": share,
        "pc1": evecs[:, :, -1],
    }


def directionality(x: NDArray[Any]) -> float:
    """Share of variance along the first principal component of a (n, 3) signal (0..1).

    The signal is mean-removed first. 1 means the motion is along one axis; 1/3 means it is
    isotropic. Band-pass the signal to the tremor band before calling for tremor directionality.
    """
    a = np.asarray(x, dtype=np.float64)
    if a.ndim != 2 or a.shape[1] < 2 or a.shape[0] < 2:
        raise InvalidInputError("x", None, reason=f"needs shape (n, 3), got {a.shape}")
    a = a - a.mean(axis=0)
    share = band_features(a.T[None])["directionality"][0]
    return float(share)


@dataclass
class CycleStats:
    """Cycle analysis of a batch of windows.

    Attributes
    ----------
    delta_f_hz : ndarray
        Cycle-to-cycle frequency changes, pooled over windows (never across two windows).
    cycle_frequency_hz : ndarray
        Cycle frequencies, pooled.
    cycle_amplitude : ndarray
        Half peak-to-peak amplitude of each complete cycle (signal units), pooled.
    if_sd_hz : ndarray, shape (n_windows,)
        Standard deviation of the Hilbert instantaneous frequency per window.
    n_cycles : ndarray, shape (n_windows,)
        Complete cycles per window.
    """

    delta_f_hz: FloatArray
    cycle_frequency_hz: FloatArray
    cycle_amplitude: FloatArray
    if_sd_hz: FloatArray
    n_cycles: NDArray[np.intp]


def _hilbert_transform(y: FloatArray) -> FloatArray:
    """Hilbert transform of each row: the imaginary part of ``scipy.signal.hilbert(y, axis=1)``.

    Computed with real transforms (multiply the one-sided spectrum by ``-i``, zero the DC and
    Nyquist bins), half the work of the complex transforms ``scipy.signal.hilbert`` uses; the
    real part of the analytic signal is ``y`` itself. The result is an array kept for this
    thread: the next call overwrites it.
    """
    rows, n = y.shape
    # numpy's transforms write into arrays kept for this thread (scipy's allocate theirs, and
    # their page faults cost more than these short transforms)
    spec = np.fft.rfft(y, axis=1, out=_scratch("hilbert_spectrum", (rows, n // 2 + 1), complex))
    real = _scratch("hilbert_real", spec.shape, np.float64)
    np.copyto(real, spec.real)
    spec.real = spec.imag
    np.negative(real, out=spec.imag)
    spec[:, 0] = 0.0
    if n % 2 == 0:
        spec[:, -1] = 0.0
    return np.fft.irfft(spec, n=n, axis=1, out=_scratch("hilbert", (rows, n), np.float64))


def _upward_crossings(y: FloatArray) -> tuple[NDArray[np.intp], FloatArray]:
    """Rows and fractional sample positions of negative-to-positive zero crossings."""
    a = y[:, :-1]
    b = y[:, 1:]
    rows, cols = np.nonzero((a < 0) & (b >= 0))
    ya = a[rows, cols]
    yb = b[rows, cols]
    frac = ya / (ya - yb)
    return rows, cols + frac


def cycle_features(
    projected: NDArray[Any],
    f0_hz: NDArray[Any],
    fs_hz: float,
    *,
    pad_n: int,
    params: TremorParams | None = None,
) -> CycleStats:
    """Zero-crossing cycle analysis (di Biase 2017 [1]_) and Hilbert frequency spread.

    Parameters
    ----------
    projected : ndarray, shape (n_windows, pad_n + window_n + pad_n)
        Each window's signal projected on its first principal axis, with ``pad_n`` samples of
        context on each side (zeros where no context exists).
    f0_hz : ndarray, shape (n_windows,)
        Peak frequency per window; the band-pass is ``f0 +- tsi_half_band_hz``.
    fs_hz : float
        Sampling rate.
    pad_n : int
        Context samples on each side; removed after filtering.
    params : TremorParams, optional
    """
    p = params or TremorParams()
    x = np.asarray(projected, dtype=np.float64)
    f0 = np.asarray(f0_hz, dtype=np.float64)
    n_win, total = x.shape
    win_n = total - 2 * pad_n
    y = np.empty_like(x)  # every row belongs to one group below
    # one filter per 0.25-Hz group of peak frequencies, applied to the whole group at once
    groups = np.round(f0 * 4.0) / 4.0
    for g in np.unique(groups):
        sel = groups == g
        lo = max(g - p.tsi_half_band_hz, 0.5)
        hi = min(g + p.tsi_half_band_hz, 0.45 * fs_hz)
        design = _band_pass_design(p.tsi_filter_order, float(lo), float(hi), float(fs_hz))
        y[sel] = _sosfiltfilt_rows(design, x[sel])
    if_sd = np.full(n_win, np.nan)
    if win_n > 2:
        for a in range(0, n_win, _HILBERT_ROWS):
            part = y[a : a + _HILBERT_ROWS]
            hil = _hilbert_transform(part)[:, pad_n : pad_n + win_n]
            re = part[:, pad_n : pad_n + win_n]
            # instantaneous frequency inside the window: the phase step between samples of
            # the analytic signal z = y + i H(y) is arg(z[n+1] conj(z[n])), in (-pi, pi], which
            # is what differencing the unwrapped phase (numpy.unwrap) gives
            cross = hil[:, 1:] * re[:, :-1] - re[:, 1:] * hil[:, :-1]
            dot = re[:, 1:] * re[:, :-1] + hil[:, 1:] * hil[:, :-1]
            step = np.arctan2(cross, dot)
            if_sd[a : a + _HILBERT_ROWS] = step.std(axis=1) * (fs_hz / (2.0 * np.pi))
    core = y[:, pad_n : pad_n + win_n]

    rows, pos = _upward_crossings(core)
    same = rows[1:] == rows[:-1]
    period_n = np.diff(pos)[same]
    cyc_rows = rows[1:][same]
    freq = fs_hz / period_n
    same2 = cyc_rows[1:] == cyc_rows[:-1]
    delta_f = np.diff(freq)[same2]
    n_cycles = np.bincount(cyc_rows, minlength=n_win).astype(np.intp)

    # per-cycle amplitude: half peak-to-peak between consecutive crossings of one window
    if rows.size >= 2:
        flat = core.ravel()
        start = rows * win_n + np.floor(pos).astype(np.intp) + 1
        start = np.minimum(start, flat.shape[0] - 1)
        mx = np.maximum.reduceat(flat, start)
        mn = np.minimum.reduceat(flat, start)
        amp = ((mx - mn) / 2.0)[:-1][same]
    else:
        amp = np.zeros(0)
    return CycleStats(delta_f, freq, amp, if_sd, n_cycles)


def detect_tremor(
    features: dict[str, Any], *, unit: str, params: TremorParams | None = None
) -> NDArray[np.bool_]:
    """Apply the documented detection rule (see :class:`TremorParams`) to window features.

    A window is tremor when its amplitude reaches the floor, its largest in-band peak is a
    local maximum, and either the **resting rule** (peak ratio against the broad reference
    band) or the **movement rule** (the peak dominates the tremor band and stands clear of the
    voluntary-movement spectrum below it) holds. The movement rule is skipped when the features
    lack ``band_peak_ratio`` and ``low_side_prominence`` or ``detect_during_movement`` is off.

    Parameters
    ----------
    features : dict
        Needs ``is_peak``, ``peak_ratio`` and ``amplitude`` arrays; for the movement rule also
        ``peak_frequency_hz``, ``band_peak_ratio`` and ``low_side_prominence``.
    unit : {"deg/s", "m/s^2"}
        Unit of the amplitude; selects the amplitude floor.
    params : TremorParams, optional
    """
    p = params or TremorParams()
    if unit == "deg/s":
        floor = p.min_amplitude_deg_s
    elif unit == "m/s^2":
        floor = p.min_amplitude_m_s2
    else:
        raise InvalidInputError("unit", unit, allowed=["deg/s", "m/s^2"])
    amp = np.asarray(features["amplitude"], dtype=np.float64)
    ratio = np.asarray(features["peak_ratio"], dtype=np.float64)
    base = np.asarray(features["is_peak"], dtype=bool) & (np.nan_to_num(amp) >= floor)
    rule = ratio >= p.min_peak_ratio
    if p.detect_during_movement and "band_peak_ratio" in features:
        f0 = np.asarray(features["peak_frequency_hz"], dtype=np.float64)
        moving = (
            (f0 - p.peak_half_width_hz >= p.band_hz[0])
            & (np.asarray(features["band_peak_ratio"], dtype=np.float64) >= p.moving_min_band_ratio)
            & (
                np.nan_to_num(np.asarray(features["low_side_prominence"], dtype=np.float64))
                >= p.moving_min_prominence
            )
        )
        rule = rule | moving
    return np.asarray(base & rule)


@dataclass(frozen=True)
class TSIResult:
    """Tremor stability index of one continuous signal.

    Attributes
    ----------
    tsi_hz : float
        Interquartile range of the cycle-to-cycle frequency changes (NaN if < 2 changes).
    f0_hz : float
        Peak frequency used for the band-pass.
    n_changes : int
        Number of frequency changes.
    delta_f_hz : ndarray
        The changes.
    """

    tsi_hz: float
    f0_hz: float
    n_changes: int
    delta_f_hz: FloatArray


def iqr(values: NDArray[Any]) -> float:
    """Interquartile range (75th minus 25th percentile, linear interpolation); NaN if empty."""
    v = np.asarray(values, dtype=np.float64)
    if v.size == 0:
        return float("nan")
    q25, q75 = np.percentile(v, [25.0, 75.0])
    return float(q75 - q25)


def tremor_stability_index(
    x: NDArray[Any],
    fs_hz: float,
    *,
    f0_hz: float | None = None,
    params: TremorParams | None = None,
) -> TSIResult:
    """Tremor stability index (di Biase et al. 2017 [1]_) of one continuous signal.

    Steps: 0.1-Hz high-pass; first principal component (for a 3-axis signal); peak frequency
    ``f0`` of the FFT inside the tremor band (unless given); band-pass ``f0 +- 2 Hz``
    (3rd-order Butterworth, zero-phase); negative-to-positive zero crossings (interpolated
    between samples); cycle frequencies ``f_k``; changes ``df_k = f_{k+1} - f_k``;
    ``TSI = IQR(df_k)`` in Hz. di Biase et al. report TSI above 1.05 Hz for Parkinson's rest
    tremor and below it for essential tremor (100 s of tremor per patient).

    Parameters
    ----------
    x : ndarray, shape (n,) or (n, 3)
        Gap-free signal (deg/s or m/s^2), at least 2 s.
    fs_hz : float
        Sampling rate.
    f0_hz : float, optional
        Peak frequency; found from the spectrum when omitted.
    params : TremorParams, optional
    """
    p = params or TremorParams()
    a = np.asarray(x, dtype=np.float64)
    if a.ndim == 1:
        a = a[:, None]
    if a.shape[0] < 2 * fs_hz:
        raise InvalidInputError(
            "x", None, reason=f"needs >= 2 s of signal, got {a.shape[0]} samples"
        )
    sos = signal.butter(3, 0.1, btype="highpass", fs=fs_hz, output="sos")
    a = signal.sosfiltfilt(sos, a - a.mean(axis=0), axis=0)
    if a.shape[1] > 1:
        _, _, vt = np.linalg.svd(a - a.mean(axis=0), full_matrices=False)
        comp = a @ vt[0]
    else:
        comp = a[:, 0]
    if f0_hz is None:
        spec = np.abs(np.fft.rfft(comp * signal.windows.hann(comp.shape[0], sym=False))) ** 2
        freqs = np.fft.rfftfreq(comp.shape[0], 1.0 / fs_hz)
        in_band = (freqs >= p.band_hz[0]) & (freqs <= p.band_hz[1])
        f0 = float(freqs[in_band][np.argmax(spec[in_band])])
    else:
        f0 = float(f0_hz)
    stats = cycle_features(comp[None, :], np.array([f0]), fs_hz, pad_n=0, params=p)
    return TSIResult(iqr(stats.delta_f_hz), f0, int(stats.delta_f_hz.size), stats.delta_f_hz)
