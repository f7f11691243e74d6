"""From a recording to a movement report: the streaming engine behind ``analyze``.

One code path serves every input. A recording (or a file, or a table) is fed to
:class:`MotionAnalyzer` in chunks; each chunk is resampled onto one global uniform grid (never
across gaps; samples already on the grid are used as they are) and appended to a small
carry-over buffer. Windows are analysed in fixed blocks of the window grid
(:data:`_BLOCK_WINDOWS` windows, filtered with ``context_s`` of signal on each side), each block
in one vectorised batch on one of :data:`_ANALYSIS_THREADS` worker threads, and the blocks'
results are taken in window order. Because the blocks are fixed on the grid, the results are
exactly the same however the recording is cut into chunks. Only compact per-window rows and a
few running sums are kept, so memory stays flat for week-long recordings.

Windows sit on a fixed grid (``k * step`` samples from the first sample); a window is analysed
only if all of its samples are valid (no gap, no non-finite value). Non-wear (van Hees 2013) is
decided at the end and removes windows from the valid time.

The report's fields follow the contract ``/work/shared/contracts/motion.md``; extra fields are
added, none renamed.
"""

from __future__ import annotations

import itertools
import math
from collections import deque
from collections.abc import Iterable, Iterator, Mapping
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Literal

import numpy as np
from numpy.typing import NDArray

from dystonia.exceptions import InvalidInputError, UnreadableFileError
from dystonia.motion.io.batches import Batch
from dystonia.motion.io.prefetch import prefetch
from dystonia.motion.io.read import iter_batches, iter_recording
from dystonia.motion.params import STANDARD_GRAVITY_M_S2, MotionParams
from dystonia.motion.prepare import (
    Gap,
    NonWearDetector,
    NonWearResult,
    SamplingInfo,
    check_time,
    gap_threshold,
    remove_gravity,
    resample_uniform,
    valid_runs,
)
from dystonia.motion.recording import Axes, Recording
from dystonia.motion.tremor import (
    band_features,
    band_pass_flat_rows,
    cycle_features,
    detect_tremor,
    iqr,
    spectral_features,
)

__all__ = [
    "CompareReport",
    "MotionAnalyzer",
    "MotionReport",
    "WindowTable",
    "analyze",
    "analyze_stream",
    "compare",
    "recording_from_frame",
]

FloatArray = NDArray[np.float64]

#: Windows analysed together (17 min of 4-s windows): one FFT band-pass over the block and its
#: context, one batch of spectra. 256 rather than 128: half the calls (less time holding the
#: GIL, 0.16 s less CPU for 24 h), 20 MB more peak memory (``benchmarks/bench_paradigma.py``,
#: docs/benchmarks.md); the context (2 x ``context_s``) adds < 1 % of work.
_BLOCK_WINDOWS = 256

#: Threads analysing blocks of windows side by side (numpy and scipy release the GIL in their
#: array work); results are taken in window order, so they never depend on this number.
#: 0 analyses in the calling thread.
_ANALYSIS_THREADS = 2

#: Slice length for in-memory recordings and tables when ``analyze`` is given no ``chunk_s``.
_MEMORY_SLICE_S = 600.0

#: The longest recording analysed, first to last sample (a year of wear, gaps included): window
#: indices stay exact integers and a longer span is a clock error, not a recording.
_MAX_SPAN_S = 366 * 86400.0


def short_span(seconds: float) -> str:
    """A time span in the largest fitting unit, for messages (``'3.2e+07 days'``)."""
    days = seconds / 86400.0
    return f"{days:.3g} days" if days >= 1 else f"{seconds:.3g} s"


#: Tremor windows whose cycle analysis is done together (projections of 8 s each: about 6 MB).
_CYCLE_BATCH = 1024

_WINDOW_FLOAT_FIELDS = (
    "peak_frequency_hz",
    "power",
    "amplitude",
    "peak_ratio",
    "band_peak_ratio",
    "low_side_prominence",
    "peak_power",
    "fwhm_hz",
    "directionality",
    "if_sd_hz",
    "cycle_amp_n",
    "cycle_amp_sum",
    "cycle_amp_sumsq",
)


@dataclass
class WindowTable:
    """Per-window rows as compact arrays (one element per analysed window).

    ``start_s`` is seconds from the first sample; ``worn`` is False for windows in non-wear
    blocks; the float fields are float32 (NaN where not computed). ``spectrum`` holds the
    coarse power spectrum of every window (for plots; not part of the JSON).
    """

    start_s: FloatArray
    tremor: NDArray[np.bool_]
    worn: NDArray[np.bool_]
    n_cycles: NDArray[np.int32]
    values: dict[str, NDArray[np.float32]]
    spectrum: NDArray[np.float32]
    spectrum_step_hz: float

    def __len__(self) -> int:
        return int(self.start_s.shape[0])

    def column(self, name: str) -> FloatArray:
        """A float column as float64."""
        return np.asarray(self.values[name], dtype=np.float64)

    def to_rows(self) -> list[dict[str, Any]]:
        """Rows for JSON: start_s, tremor, peak_frequency_hz, power, and the extras."""
        names = ("peak_frequency_hz", "power", "amplitude", "peak_ratio", "peak_power")
        extra = (
            "fwhm_hz",
            "directionality",
            "if_sd_hz",
            "band_peak_ratio",
            "low_side_prominence",
        )
        cols = {n: self.column(n) for n in names + extra}
        rows = []
        for i in range(len(self)):
            row: dict[str, Any] = {
                "start_s": round(float(self.start_s[i]), 3),
                "tremor": bool(self.tremor[i]),
            }
            for n in names + extra:
                row[n] = _num(cols[n][i])
            row["worn"] = bool(self.worn[i])
            row["n_cycles"] = int(self.n_cycles[i])
            rows.append(row)
        return rows


def _num(value: Any, digits: int = 6) -> float | None:
    """JSON-safe float: None for NaN/inf, rounded to ``digits`` significant digits."""
    if value is None:
        return None
    v = float(value)
    if not math.isfinite(v):
        return None
    if v == 0.0:
        return 0.0
    return float(f"{v:.{digits}g}")


@dataclass
class MotionReport:
    """The movement report (contract fields plus extras).

    Attributes
    ----------
    recording : dict
        ``duration_s``, ``fs_hz``, ``channels`` and extras (sampling jitter, valid time...).
    tremor : dict
        ``present``, ``fraction_of_time``, ``peak_frequency_hz``, ``amplitude`` {value, unit},
        ``tsi_hz``, ``directionality`` and extras.
    windows : WindowTable
    gaps : list of Gap
    non_wear : NonWearResult
    params : MotionParams
    notes : list of str
        Caveats a reader should know (e.g. "TSI not reported: too few cycles").
    """

    recording: dict[str, Any]
    tremor: dict[str, Any]
    windows: WindowTable
    gaps: list[Gap]
    non_wear: NonWearResult
    params: MotionParams
    notes: list[str] = field(default_factory=list)

    def to_dict(self, *, include_windows: bool = True) -> dict[str, Any]:
        """Plain-JSON dictionary; ``windows`` omitted when ``include_windows`` is False."""
        out: dict[str, Any] = {
            "recording": self.recording,
            "tremor": self.tremor,
            "gaps": [
                {"start_s": _num(g.start_s), "duration_s": _num(g.duration_s)} for g in self.gaps
            ],
            "non_wear": self.non_wear.to_dict(),
            "params": self.params.to_dict(),
            "notes": list(self.notes),
        }
        if include_windows:
            out["windows"] = self.windows.to_rows()
        return out


class MotionAnalyzer:
    """Streaming analysis: feed :class:`Recording` chunks in time order, then :meth:`finish`.

    Memory is bounded by one chunk plus a carry-over of one block of windows and its filter
    context, and a few blocks in flight on the worker threads; the accumulated state is the
    per-window rows (about 250 bytes per window with the plot spectrum) and the pooled
    cycle-to-cycle frequency changes of tremor windows (12 bytes per tremor cycle).
    :meth:`finish` (or :meth:`close`, when a stream is abandoned) stops the worker threads.

    Parameters
    ----------
    params : MotionParams, optional
    source, format : str
        Copied into the report.
    """

    def __init__(
        self, params: MotionParams | None = None, *, source: str = "", format: str = ""
    ) -> None:
        self.params = params or MotionParams()
        self.source = source
        self.format = format
        self._pending: list[Recording] = []
        self._started = False
        self.origin_s = 0.0
        self.fs_hz = 0.0
        self.dt_s = 0.0
        self.threshold_s = 0.0
        self.kind = ""
        self.unit = ""
        self.channels: list[str] = []
        self._has_acc = False
        self._last_t: float | None = None
        self._last_vals: FloatArray | None = None
        self._next_grid = 0
        self._buf_k0 = 0
        self._buf: FloatArray = np.zeros((3, 0))
        self._buf_valid: NDArray[np.bool_] = np.zeros(0, dtype=bool)
        # the buffer and its validity are views of larger arrays filled from the front
        # (:meth:`_append`); None until the first samples
        self._store: FloatArray | None = None
        self._valid_store: NDArray[np.bool_] | None = None
        self._buf_at = 0
        self._next_win = 0
        self._n_samples = 0
        self._n_valid_grid = 0
        self.win_n = 0
        self.step_n = 0
        self.pad_n = 0
        self._n_steps = 0
        self._step_sumsq = 0.0
        self._step_max = 0.0
        self._gaps: list[Gap] = []
        self._rows: list[dict[str, NDArray[Any]]] = []
        self._delta_f: list[NDArray[np.float32]] = []
        self._delta_win: list[NDArray[np.int64]] = []
        self._cycle_queue: list[
            tuple[
                dict[str, NDArray[Any]], NDArray[np.intp], FloatArray, FloatArray, NDArray[np.int64]
            ]
        ] = []
        self._cycle_queued = 0
        self._cycle_jobs: deque[tuple[list[Any], Future[Any]]] = deque()
        self._pool: ThreadPoolExecutor | None = None
        self._in_flight: deque[Future[Any]] = deque()
        self._n_windows = 0
        self._nonwear: NonWearDetector | None = None
        self._finished = False
        self._closed = False

    # -- setup -------------------------------------------------------------------------
    def _start(self, first: Recording) -> None:
        p = self.params
        t = check_time(first.time_s)
        steps = np.diff(t[:200_001])
        # rounded to 1e-6 Hz so that uniform float timestamps give an exact rate (100.0 Hz,
        # not 99.99999999999991 Hz); the grid this defines differs by < 1e-8 of a sample/s
        self.fs_hz = round(1.0 / float(np.median(steps)), 6)
        self.dt_s = 1.0 / self.fs_hz
        self.threshold_s = gap_threshold(self.dt_s, p.prepare)
        self.origin_s = float(t[0])
        has_gyro = first.gyro_dps is not None
        self._has_acc = first.acc_g is not None
        if not has_gyro and not self._has_acc:
            raise InvalidInputError(
                "recording", None, reason="has neither accelerometer nor gyroscope channels"
            )
        use_gyro = has_gyro and (p.prefer == "gyro" or not self._has_acc)
        self.kind = "gyro" if use_gyro else "acc"
        self.unit = "deg/s" if use_gyro else "m/s^2"
        self.channels = list(first.channels)
        p.tremor.check_sampling(self.fs_hz)
        tp = p.tremor
        self.win_n = round(tp.window_s * self.fs_hz)
        self.step_n = max(1, round(self.win_n * (1.0 - tp.overlap)))
        self.pad_n = round(tp.context_s * self.fs_hz)
        if self._has_acc and p.non_wear.enabled:
            self._nonwear = NonWearDetector(self.fs_hz, p.non_wear)
        self._started = True

    def _channel_block(self, rec: Recording | Batch, *, last_only: bool = False) -> FloatArray:
        """Analysis channels (gyro first when analysed) then accelerometer, shape (n, 3 or 6)."""
        parts = []
        if self.kind == "gyro":
            parts.append(_as_n3(rec.gyro_dps, "gyro_dps", rec.n_samples))
        if self._has_acc:
            parts.append(_as_n3(rec.acc_g, "acc_g", rec.n_samples))
        if last_only:
            return np.concatenate([part[-1:] for part in parts], axis=1)
        return np.concatenate(parts, axis=1)

    def _last_values(self, chunk: Recording | Batch) -> FloatArray:
        """The last sample of :meth:`_channel_block` (shape (1, 3 or 6)), read from the axes of
        a decoded batch without stacking them."""
        if not isinstance(chunk, Batch):
            return self._channel_block(chunk, last_only=True)
        axes: list[Any] = []
        sensors: tuple[tuple[Literal["acc", "gyro"], bool], ...] = (
            ("gyro", self.kind == "gyro"),
            ("acc", self._has_acc),
        )
        for sensor, wanted in sensors:
            data = chunk.axes(sensor) if wanted else None
            if data is not None:
                axes.extend(data[k] for k in range(3))
        return np.array([[float(axis[-1]) for axis in axes]])

    # -- feeding -----------------------------------------------------------------------
    def feed(self, chunk: Recording | Batch) -> None:
        """Add the next chunk (absolute times continuing the previous chunk).

        ``chunk`` is a :class:`Recording`, or a piece as a reader decoded it (a
        :class:`~dystonia.motion.io.batches.Batch`, whose axes are used without stacking).
        """
        if self._finished:
            raise InvalidInputError("chunk", None, reason="analysis already finished")
        if self._closed:
            raise InvalidInputError("chunk", None, reason="analysis was closed (abandoned)")
        if not self._started:
            if isinstance(chunk, Batch):
                chunk = Recording(chunk.time_s, chunk.acc_g, chunk.gyro_dps)
            self._pending.append(chunk)
            if sum(c.n_samples for c in self._pending) < 2:
                return
            first = _concat(self._pending)
            self._pending = []
            self._start(first)
            chunk = first
        elif list(chunk.channels) != self.channels:
            raise InvalidInputError(
                "chunk.channels", chunk.channels, reason=f"changed from {self.channels}"
            )
        if chunk.n_samples == 0:
            return
        t_new = np.asarray(chunk.time_s, dtype=np.float64)
        span_s = float(t_new[-1]) - self.origin_s
        if math.isfinite(span_s) and span_s > _MAX_SPAN_S:
            raise InvalidInputError(
                "time_s",
                float(t_new[-1]),
                reason=(
                    f"lies {short_span(span_s)} after the first sample; a recording analysed here "
                    f"spans at most {_MAX_SPAN_S / 86400:.0f} days"
                ),
            )
        on_grid = None
        last_t = self._last_t
        continuing = last_t is not None and self._last_vals is not None
        t: FloatArray = t_new
        if last_t is not None and continuing:
            if not t_new[0] > last_t:
                raise InvalidInputError(
                    "time_s",
                    float(t_new[0]),
                    reason=f"chunk starts at {t_new[0]!r}, not after the previous chunk ({self._last_t!r})",
                )
            # the usual case first: samples exactly on the next grid points (within 1/1000 of a
            # sample), hence finite, increasing and without gaps; only the step statistics
            # remain to be counted
            on_grid = self._on_grid(chunk, t_new)
            if on_grid is not None and not self._count_grid_steps(t_new):
                on_grid = None
            if on_grid is None:
                t = np.concatenate((np.array([last_t]), t_new))
        elif t_new.shape[0] < 2:
            self._last_t, self._last_vals = float(t_new[-1]), self._channel_block(chunk)[-1:]
            self._n_samples += chunk.n_samples
            return
        if on_grid is None:
            t = check_time(t)
            steps = np.diff(t)
            gap_idx = np.flatnonzero(steps > self.threshold_s)
            for i in gap_idx:
                self._gaps.append(Gap(float(t[i] - self.origin_s), float(steps[i])))
            inside = steps[steps <= self.threshold_s] if gap_idx.size else steps
            self._n_steps += inside.size
            self._step_sumsq += float(np.sum((inside - self.dt_s) ** 2))
            if inside.size:
                self._step_max = max(self._step_max, float(inside.max()))
            if gap_idx.size == 0 and not continuing:
                on_grid = self._on_grid(chunk, t_new)
        self._n_samples += chunk.n_samples
        if on_grid is not None:
            # samples already on the grid, continuing it, all finite: used as they are
            sig, acc = on_grid
            self._last_vals = self._last_values(chunk)
            self._last_t = float(t[-1])
            self._append(self._next_grid, sig, acc, None)
            return
        vals = self._channel_block(chunk)
        if self._last_vals is not None:
            vals = np.concatenate((self._last_vals, vals))
        self._last_vals = vals[-1:].copy()
        self._last_t = float(t[-1])
        # resampled piece by piece between gaps: a gap costs nothing, however long
        cuts = [0, *(gap_idx + 1).tolist(), t.shape[0]]
        for a, b in itertools.pairwise(cuts):
            block = resample_uniform(
                t[a:b],
                vals[a:b],
                fs_hz=self.fs_hz,
                origin_s=self.origin_s,
                threshold_s=self.threshold_s,
                first_index=self._next_grid,
            )
            sig = block.values[:, :3].T
            if self.kind == "acc":
                sig = sig * STANDARD_GRAVITY_M_S2
            acc = None
            if self._has_acc:
                acc = (block.values[:, 3:6] if self.kind == "gyro" else block.values[:, :3]).T
            self._append(block.first_index, sig, acc, block.valid)

    def _append(
        self,
        first_index: int,
        sig: Axes,
        acc: Axes | None,
        valid: NDArray[np.bool_] | None,
    ) -> None:
        """Append grid samples ``first_index ...`` (valid where ``valid``; None: all valid) to
        the buffer, crossing any hole before them, and analyse the blocks now complete.

        ``sig`` and ``acc`` are given axis by axis: a (3, m) array or three arrays of m.
        """
        m = int(sig[0].shape[0])
        if m == 0:
            return
        if self._nonwear is not None and acc is not None:
            self._nonwear.update_axes(first_index, acc, valid)
        self._n_valid_grid += m if valid is None else int(valid.sum())
        hole = first_index - self._next_grid
        block_n = _BLOCK_WINDOWS * self.step_n
        if hole > self._jump_min_n():
            # A long gap: no window or filter context spans it. Analyse everything before it,
            # then restart the buffer at the start of the block of the window grid that holds
            # the first window after it, exactly where the blocks would have been without the
            # jump (so results do not depend on it), with an invalid stretch up to the data.
            self._process(final=True)
            block_start = (first_index // block_n) * block_n
            self._next_win = block_start
            self._buf_k0 = max(block_start - self.pad_n, 0)
            self._buf = np.zeros((3, 0))
            self._buf_valid = np.zeros(0, dtype=bool)
            self._store = self._valid_store = None
            self._next_grid = self._buf_k0
            hole = first_index - self._next_grid
        # the buffer grows into the free end of its store: what is left, a hole before the
        # piece (a piece may start later than the next grid point) filled as invalid, the
        # piece. Workers read slices of what is already in the buffer, which is never written
        # again: the store is only written beyond the buffer's end, and when that is full the
        # buffer moves to a new store twice its size (a fresh array per piece cost more in
        # page faults than the copy)
        hole = max(hole, 0)
        kept = self._buf.shape[1]
        need = kept + hole + m
        at = self._buf_at
        store, valid_store = self._store, self._valid_store
        if store is None or valid_store is None or at + need > store.shape[1]:
            store = np.empty((3, 2 * need))
            valid_store = np.empty(2 * need, dtype=bool)
            store[:, :kept] = self._buf
            valid_store[:kept] = self._buf_valid
            self._store, self._valid_store, at = store, valid_store, 0
        store[:, at + kept : at + kept + hole] = 0.0
        for axis in range(3):
            store[axis, at + kept + hole : at + need] = sig[axis]
        valid_store[at + kept : at + kept + hole] = False
        valid_store[at + kept + hole : at + need] = True if valid is None else valid
        self._buf = store[:, at : at + need]
        self._buf_valid = valid_store[at : at + need]
        self._buf_at = at
        self._next_grid = first_index + m
        self._process(final=False)

    def _jump_min_n(self) -> int:
        """Grid samples of the shortest hole the buffer jumps over (:meth:`_append`): two
        blocks of windows plus a window and its context, so that no block spans it."""
        return 2 * _BLOCK_WINDOWS * self.step_n + self.win_n + 2 * self.pad_n

    def _count_grid_steps(self, t_new: FloatArray) -> bool:
        """Count the steps of an on-grid chunk (and the one from the previous chunk) into the
        step statistics; False (nothing counted) if one of them is a gap."""
        first = float(t_new[0]) - float(self._last_t or 0.0)
        if first > self.threshold_s or 1.002 * self.dt_s > self.threshold_s:
            return False
        d = np.diff(t_new)
        top = float(d.max()) if d.size else first
        d -= self.dt_s
        np.square(d, out=d)  # not np.dot: a BLAS call may start threads for a long vector
        self._n_steps += d.size + 1
        self._step_sumsq += float(d.sum()) + (first - self.dt_s) ** 2
        self._step_max = max(self._step_max, top, first)
        return True

    def _on_grid(
        self, chunk: Recording | Batch, t_new: FloatArray
    ) -> tuple[Axes, Axes | None] | None:
        """Signal and accelerometer, axis by axis, of a chunk whose samples are exactly the
        next grid points.

        Returns None unless every sample lies within 1/1000 of a sample of grid points
        ``next_grid, next_grid + 1, ...`` and every value is finite; then resampling would
        return the samples unchanged (:func:`resample_uniform`'s fast path), so they are used
        without copying.
        """
        n = t_new.shape[0]
        k0 = self._next_grid
        eps = 1e-6
        first, last = float(t_new[0]), float(t_new[-1])
        if not (math.isfinite(first) and math.isfinite(last)):
            return None
        if math.ceil((first - self.origin_s) * self.fs_hz - eps) != k0:
            return None
        if math.floor((last - self.origin_s) * self.fs_hz + eps) != k0 + n - 1:
            return None
        # residuals from the grid, computed in place in one array
        grid = np.arange(k0, k0 + n, dtype=np.float64)
        grid /= self.fs_hz
        grid += self.origin_s
        np.subtract(t_new, grid, out=grid)
        tol = 1e-3 / self.fs_hz
        if not (grid.max() <= tol and grid.min() >= -tol):
            return None
        acc: Axes | None = None
        sig: Axes | None
        if isinstance(chunk, Batch):  # as decoded: the reader checked shapes and values
            if self._has_acc:
                acc = chunk.axes("acc")
            sig = chunk.axes("gyro") if self.kind == "gyro" else acc
        else:
            if self._has_acc:
                acc = _as_n3(chunk.acc_g, "acc_g", n).T
            sig = _as_n3(chunk.gyro_dps, "gyro_dps", n).T if self.kind == "gyro" else acc
        # a finite sum means every value is finite (an overflow only sends a piece the slow way)
        for axes in (sig, acc):
            if axes is not None and not all(math.isfinite(np.add.reduce(a)) for a in axes):
                return None
        assert sig is not None
        if self.kind == "acc":
            sig = np.multiply(sig, STANDARD_GRAVITY_M_S2)
        return sig, acc

    # -- window analysis ---------------------------------------------------------------
    def _analysis_signals(
        self, sig: FloatArray, valid: NDArray[np.bool_]
    ) -> tuple[FloatArray, NDArray[np.float32]]:
        """Analysis signal (gravity removed for acc) and its tremor-band filtered copy.

        ``sig`` is a (3, n) slice of the buffer and ``valid`` its validity; the filtered copy is
        the float32 output of the FFT band-pass, zero outside the valid stretches long enough to
        filter. The buffer itself is never modified.
        """
        tp = self.params.tremor
        if self.kind == "acc":
            sig = sig.copy()
        starts, stops = valid_runs(valid)
        min_len = max(self.win_n, 30)
        n = sig.shape[1]
        if self.kind != "acc" and starts.shape[0] == 1 and starts[0] == 0 and stops[0] == n:
            if n < min_len:
                return sig, np.zeros(sig.shape, dtype=np.float32)
            # used at once by this block (band_features), so the output array is reused
            filt = band_pass_flat_rows(
                sig, self.fs_hz, tp.band_hz, transition_hz=tp.band_transition_hz, scratch=True
            )
            return sig, filt
        filt = np.zeros(sig.shape, dtype=np.float32)
        for a, b in zip(starts, stops, strict=True):
            if b - a < min_len:
                continue
            if self.kind == "acc":
                sig[:, a:b] = remove_gravity(
                    sig[:, a:b].T, self.fs_hz, cutoff_hz=self.params.prepare.gravity_cutoff_hz
                )[0].T
            filt[:, a:b] = band_pass_flat_rows(
                sig[:, a:b], self.fs_hz, tp.band_hz, transition_hz=tp.band_transition_hz
            )
        return sig, filt

    def _process(self, *, final: bool) -> None:
        """Analyse every complete block of windows in the buffer (all that remain if final).

        Windows are analysed in blocks of :data:`_BLOCK_WINDOWS` on the global window grid,
        each filtered over the block plus ``context_s`` on each side; the blocks do not depend
        on how the recording was cut into chunks, so neither do the results.
        """
        n = self._buf.shape[1]
        end_k = self._buf_k0 + n
        need_right = 0 if final else self.pad_n
        last_start = end_k - self.win_n - need_right
        while last_start >= self._next_win:
            available = (last_start - self._next_win) // self.step_n + 1
            if available < _BLOCK_WINDOWS and not final:
                break
            count = min(available, _BLOCK_WINDOWS)
            ks = self._next_win + self.step_n * np.arange(count, dtype=np.int64)
            self._next_win = int(ks[-1]) + self.step_n
            s = (ks - self._buf_k0).astype(np.intp)
            lo = max(0, int(s[0]) - self.pad_n)
            hi = min(n, int(s[-1]) + self.win_n + self.pad_n)
            valid = self._buf_valid[lo:hi]
            if valid.all():
                ok = np.ones(count, dtype=bool)
            else:
                bad = np.concatenate(([0], np.cumsum(~valid)))
                ok = (bad[s - lo + self.win_n] - bad[s - lo]) == 0
            if ok.any():
                self._submit(ks[ok], s[ok] - lo, lo, hi)
        self._collect(wait=final)
        drop = max(0, self._next_win - self.pad_n - self._buf_k0)
        drop = min(drop, n)
        if drop:
            self._buf = self._buf[:, drop:]
            self._buf_valid = self._buf_valid[drop:]
            self._buf_at += drop
            self._buf_k0 += drop

    def _windows(self, x: NDArray[Any], s: NDArray[np.intp]) -> NDArray[Any]:
        """Windows starting at buffer offsets ``s`` of a (3, n) signal, as (n_windows, 3, window_n).

        Consecutive windows without overlap (the usual case) are one reshape, a view of ``x``
        (the feature functions read strided windows directly), not a gather.
        """
        n_w, win_n = s.shape[0], self.win_n
        if self.step_n == win_n and int(s[-1] - s[0]) == (n_w - 1) * win_n:
            block = x[:, int(s[0]) : int(s[0]) + n_w * win_n].reshape(3, n_w, win_n)
        else:
            block = x[:, s[:, None] + np.arange(win_n)[None, :]]
        return block.transpose(1, 0, 2)

    def _submit(self, ks: NDArray[np.int64], s: NDArray[np.intp], lo: int, hi: int) -> None:
        """Analyse a block of windows on a worker thread; results are taken in order.

        The arguments refer to the buffer as it is now; the worker reads slices of it, which
        later buffer updates never modify (they write only past the buffer's end, or move the
        buffer to a new store, :meth:`_append`).
        """
        if _ANALYSIS_THREADS <= 0:  # analyse here, in the calling thread
            self._accept(*self._block_features(ks, s, self._buf[:, lo:hi], self._buf_valid[lo:hi]))
            return
        if self._pool is None:
            self._pool = ThreadPoolExecutor(
                max_workers=_ANALYSIS_THREADS, thread_name_prefix="dystonia-analysis"
            )
        sig = self._buf[:, lo:hi]
        valid = self._buf_valid[lo:hi]
        self._in_flight.append(self._pool.submit(self._block_features, ks, s, sig, valid))
        if len(self._in_flight) > 2 * _ANALYSIS_THREADS:
            self._collect(wait=False, at_most=len(self._in_flight) - 2 * _ANALYSIS_THREADS)

    def _collect(self, *, wait: bool, at_most: int | None = None) -> None:
        """Take finished blocks in order (all of them when ``wait``; else the oldest
        ``at_most``, waiting for them, and then any already done)."""
        taken = 0
        while self._in_flight:
            head = self._in_flight[0]
            must = wait or (at_most is not None and taken < at_most)
            if not must and not head.done():
                return
            self._in_flight.popleft()
            self._accept(*head.result())
            taken += 1

    def close(self) -> None:
        """Stop the worker threads (done by :meth:`finish`; call it when abandoning a stream).

        Work in flight is dropped, so a closed analysis accepts no more chunks and cannot finish.
        """
        self._closed = True
        for future in self._in_flight:
            future.cancel()
        self._in_flight.clear()
        for _, job in self._cycle_jobs:
            job.cancel()
        self._cycle_jobs.clear()
        if self._pool is not None:
            self._pool.shutdown(wait=True)
            self._pool = None

    def _block_features(
        self,
        ks: NDArray[np.int64],
        s: NDArray[np.intp],
        sig: FloatArray,
        valid: NDArray[np.bool_],
    ) -> tuple[dict[str, NDArray[Any]], NDArray[np.intp], FloatArray, FloatArray]:
        """Features and detection of the windows starting at ``s`` in a buffer slice.

        Pure (reads only ``self.params`` and fixed sizes), so blocks can run on worker threads.
        Returns the window rows, the tremor windows, and their signals projected on the first
        principal axis (for the cycle analysis) with their peak frequencies.
        """
        tp = self.params.tremor
        sig, filt = self._analysis_signals(sig, valid)
        spec = spectral_features(self._windows(sig, s), self.fs_hz, tp)
        band = band_features(self._windows(filt, s))
        spec.update(band)
        tremor = detect_tremor(spec, unit=self.unit, params=tp)
        n_w = ks.shape[0]
        row: dict[str, NDArray[Any]] = {
            "start_s": ks.astype(np.float64) / self.fs_hz,
            "tremor": tremor,
            "n_cycles": np.zeros(n_w, dtype=np.int32),
            "spectrum": spec["spectrum"],
        }
        # kept compact: float32 per window (what the window table stores)
        for name in _WINDOW_FLOAT_FIELDS:
            row[name] = np.full(n_w, np.nan if name == "if_sd_hz" else 0.0, dtype=np.float32)
            if name in spec:
                row[name][:] = spec[name]
        tw = np.flatnonzero(tremor)
        proj = np.zeros((0, self.win_n + 2 * self.pad_n))
        if tw.size:
            n_buf = sig.shape[1]
            ext = s[tw, None] + np.arange(-self.pad_n, self.win_n + self.pad_n)[None, :]
            inside = (ext >= 0) & (ext < n_buf)
            ext_c = np.clip(ext, 0, n_buf - 1)
            usable = inside & valid[ext_c]
            pc1 = band["pc1"][tw]
            proj = (
                sig[0][ext_c] * pc1[:, 0:1]
                + sig[1][ext_c] * pc1[:, 1:2]
                + sig[2][ext_c] * pc1[:, 2:3]
            ) * usable
            count = np.maximum(usable.sum(axis=1), 1)
            proj = (proj - (proj.sum(axis=1) / count)[:, None]) * usable
        return row, tw, proj, spec["peak_frequency_hz"][tw]

    def _accept(
        self,
        row: dict[str, NDArray[Any]],
        tw: NDArray[np.intp],
        proj: FloatArray,
        f0_tw: FloatArray,
    ) -> None:
        """Append a finished block (in window order) and queue its tremor windows' cycles.

        The cycle analysis is queued (:meth:`_flush_cycles`): its band-pass is designed per
        0.25-Hz group of peak frequencies, and filtering many windows per group at once is much
        cheaper than a few per block.
        """
        if tw.size:
            self._cycle_queue.append((row, tw, proj, f0_tw, self._n_windows + tw))
            self._cycle_queued += tw.size
            if self._cycle_queued >= _CYCLE_BATCH:
                self._flush_cycles()
        self._rows.append(row)
        self._n_windows += int(row["start_s"].shape[0])

    def _flush_cycles(self) -> None:
        """Start the cycle analysis of the queue (on a worker thread when there are workers).

        Results are applied in the order the batches were queued (:meth:`_apply_cycles`), so
        they never depend on the threads.
        """
        if not self._cycle_queue:
            return
        queue, self._cycle_queue, self._cycle_queued = self._cycle_queue, [], 0
        proj = np.concatenate([item[2] for item in queue])
        f0 = np.concatenate([item[3] for item in queue])
        tp = self.params.tremor
        if self._pool is None:
            self._cycle_done(
                queue, cycle_features(proj, f0, self.fs_hz, pad_n=self.pad_n, params=tp)
            )
            return
        job = self._pool.submit(cycle_features, proj, f0, self.fs_hz, pad_n=self.pad_n, params=tp)
        self._cycle_jobs.append((queue, job))
        # at most two batches (about 6 MB each) wait for their results
        while len(self._cycle_jobs) > 2 or (self._cycle_jobs and self._cycle_jobs[0][1].done()):
            self._apply_cycles(wait_all=False)

    def _apply_cycles(self, *, wait_all: bool) -> None:
        """Apply the oldest started cycle analysis (all of them when ``wait_all``)."""
        while self._cycle_jobs:
            queue, job = self._cycle_jobs.popleft()
            self._cycle_done(queue, job.result())
            if not wait_all:
                return

    def _cycle_done(self, queue: list[Any], cyc: Any) -> None:
        """Store one batch's cycle analysis in its windows' rows and the pooled changes."""
        win_ids = np.concatenate([item[4] for item in queue])
        total = win_ids.shape[0]
        if cyc.delta_f_hz.size:
            # window id of every change: changes are pooled per window in order
            per_win_changes = np.maximum(cyc.n_cycles - 1, 0)
            self._delta_f.append(cyc.delta_f_hz.astype(np.float32))
            self._delta_win.append(np.repeat(win_ids, per_win_changes).astype(np.int64))
        amp_win = np.repeat(np.arange(total), cyc.n_cycles)
        cyc_n: NDArray[Any] = np.zeros(total)
        cyc_s1: NDArray[Any] = np.zeros(total)
        cyc_s2: NDArray[Any] = np.zeros(total)
        if cyc.cycle_amplitude.size == amp_win.size and amp_win.size:
            a = cyc.cycle_amplitude
            cyc_n = np.bincount(amp_win, minlength=total)
            cyc_s1 = np.bincount(amp_win, weights=a, minlength=total)
            cyc_s2 = np.bincount(amp_win, weights=a * a, minlength=total)
        at = 0
        for row, tw, *_ in queue:
            part = slice(at, at + tw.size)
            row["if_sd_hz"][tw] = cyc.if_sd_hz[part]
            row["n_cycles"][tw] = cyc.n_cycles[part]
            row["cycle_amp_n"][tw] = cyc_n[part]
            row["cycle_amp_sum"][tw] = cyc_s1[part]
            row["cycle_amp_sumsq"][tw] = cyc_s2[part]
            at += tw.size

    # -- summary -----------------------------------------------------------------------
    def finish(self) -> MotionReport:
        """Analyse the remaining windows and build the report."""
        if self._finished:
            raise InvalidInputError("analysis", None, reason="finish() was already called")
        if self._closed:
            raise InvalidInputError("analysis", None, reason="was closed (abandoned); start again")
        if not self._started:
            raise InvalidInputError("recording", None, reason="is empty (needs at least 2 samples)")
        try:
            self._process(final=True)
            self._flush_cycles()
            self._apply_cycles(wait_all=True)
        finally:
            self.close()
        self._finished = True
        p = self.params
        tp = p.tremor
        table = self._table()
        total_grid = self._next_grid
        if self._nonwear is not None:
            nonwear = self._nonwear.result(total_grid)
        else:
            reason = "disabled" if self._has_acc else "no accelerometer"
            nonwear = NonWearResult(False, p.non_wear.step_s, np.zeros(0, dtype=bool), reason)
        table.worn = ~nonwear.mask_for(table.start_s, tp.window_s)
        notes: list[str] = []

        analysed = table.worn
        tremor_w = table.tremor & table.worn
        n_analysed = int(analysed.sum())
        n_tremor = int(tremor_w.sum())
        duration_s = (
            float(self._last_t - self.origin_s + self.dt_s) if self._last_t is not None else 0.0
        )
        jitter = math.sqrt(self._step_sumsq / self._n_steps) if self._n_steps else 0.0
        sampling = SamplingInfo(
            fs_hz=self.fs_hz,
            dt_median_s=self.dt_s,
            jitter_s=jitter,
            jitter_fraction=jitter / self.dt_s,
            max_step_s=self._step_max or self.dt_s,
        )
        gap_s = float(sum(g.duration_s for g in self._gaps))
        recording = {
            "duration_s": _num(duration_s),
            "fs_hz": _num(self.fs_hz),
            "channels": list(self.channels),
            "n_samples": int(self._n_samples),
            "start_time_s": self.origin_s,
            "source": self.source,
            "format": self.format,
            "signal": self.kind,
            "sampling": {k: _num(v) for k, v in sampling.to_dict().items()},
            "gap_s": _num(gap_s),
            "n_gaps": len(self._gaps),
            "valid_s": _num(self._n_valid_grid / self.fs_hz),
            "analysed_s": _num(n_analysed * tp.window_s * (1.0 - tp.overlap)),
        }
        if n_analysed == 0:
            notes.append(
                f"no complete {tp.window_s:g}-s window of valid, worn signal: tremor not assessed"
            )

        def med(name: str) -> float | None:
            if n_tremor == 0:
                return None
            return _num(np.nanmedian(table.column(name)[tremor_w]))

        # TSI over the pooled cycle-to-cycle changes of worn tremor windows
        if self._delta_f:
            d_all = np.concatenate(self._delta_f).astype(np.float64)
            d_win = np.concatenate(self._delta_win)
            d = d_all[tremor_w[d_win]]
        else:
            d = np.zeros(0)
        tsi = iqr(d) if d.size >= tp.tsi_min_cycles else float("nan")
        if n_tremor and d.size < tp.tsi_min_cycles:
            notes.append(
                f"TSI not reported: {d.size} cycle-to-cycle changes, fewer than {tp.tsi_min_cycles}"
            )
        # amplitude variability: CV of per-cycle amplitude within each tremor window, median
        cn = table.column("cycle_amp_n")[tremor_w]
        cs1 = table.column("cycle_amp_sum")[tremor_w]
        cs2 = table.column("cycle_amp_sumsq")[tremor_w]
        ok_cv = (cn >= 3) & (cs1 > 0)
        amp_cv = None
        if ok_cv.any():
            n_c, s_1, s_2 = cn[ok_cv], cs1[ok_cv], cs2[ok_cv]
            mean_c = s_1 / n_c
            var_c = np.maximum(s_2 / n_c - mean_c**2, 0.0) * n_c / (n_c - 1)
            amp_cv = _num(np.median(np.sqrt(var_c) / mean_c))
        tremor = {
            "present": bool(n_tremor > 0),
            "fraction_of_time": _num(n_tremor / n_analysed) if n_analysed else None,
            "peak_frequency_hz": med("peak_frequency_hz"),
            "amplitude": {"value": med("amplitude"), "unit": self.unit},
            "tsi_hz": _num(tsi),
            "directionality": med("directionality"),
            "signal": self.kind,
            "band_hz": list(tp.band_hz),
            "n_windows": n_analysed,
            "n_tremor_windows": n_tremor,
            "tremor_s": _num(n_tremor * tp.window_s * (1.0 - tp.overlap)),
            "power": {"value": med("power"), "unit": f"({self.unit})^2"},
            "peak_width_hz": med("fwhm_hz"),
            "if_sd_hz": med("if_sd_hz"),
            "amplitude_cv": amp_cv,
            "tsi_n_changes": int(d.size),
            "tsi_reference_cutoff_hz": tp.tsi_cutoff_hz,
            "amplitude_p90": (
                _num(np.nanpercentile(table.column("amplitude")[tremor_w], 90))
                if n_tremor
                else None
            ),
        }
        if self.kind == "acc":
            notes.append(
                "accelerometer only: amplitude is linear acceleration (m/s^2), not comparable "
                "with gyroscope deg/s"
            )
        return MotionReport(
            recording=recording,
            tremor=tremor,
            windows=table,
            gaps=list(self._gaps),
            non_wear=nonwear,
            params=p,
            notes=notes,
        )

    def _table(self) -> WindowTable:
        tp = self.params.tremor
        n_bins = round(min(tp.spectrogram_max_hz, self.fs_hz / 2) / tp.spectrogram_step_hz)
        if not self._rows:
            return WindowTable(
                start_s=np.zeros(0),
                tremor=np.zeros(0, dtype=bool),
                worn=np.zeros(0, dtype=bool),
                n_cycles=np.zeros(0, dtype=np.int32),
                values={k: np.zeros(0, dtype=np.float32) for k in _WINDOW_FLOAT_FIELDS},
                spectrum=np.zeros((0, n_bins), dtype=np.float32),
                spectrum_step_hz=tp.spectrogram_step_hz,
            )
        # field by field, dropping each row's piece once joined: the peak is the table plus
        # one field, not twice the table (a week of windows is about 40 MB)
        rows, self._rows = self._rows, []
        cat = {k: np.concatenate([r.pop(k) for r in rows]) for k in list(rows[0])}
        return WindowTable(
            start_s=cat["start_s"],
            tremor=cat["tremor"].astype(bool),
            worn=np.ones(cat["start_s"].shape[0], dtype=bool),
            n_cycles=cat["n_cycles"].astype(np.int32),
            values={k: cat[k].astype(np.float32, copy=False) for k in _WINDOW_FLOAT_FIELDS},
            spectrum=cat["spectrum"],
            spectrum_step_hz=tp.spectrogram_step_hz,
        )


def _as_n3(arr: Any, name: str, n: int) -> FloatArray:
    a = np.asarray(arr, dtype=np.float64)
    if a.ndim != 2 or a.shape != (n, 3):
        raise InvalidInputError(name, None, reason=f"must have shape ({n}, 3), got {a.shape}")
    return a


def _concat(chunks: list[Recording]) -> Recording:
    if len(chunks) == 1:
        return chunks[0]
    first = chunks[0]

    def cat(attr: str) -> Any:
        parts = [getattr(c, attr) for c in chunks]
        return None if parts[0] is None else np.concatenate(parts)

    return Recording(
        time_s=np.concatenate([c.time_s for c in chunks]),
        acc_g=cat("acc_g"),
        gyro_dps=cat("gyro_dps"),
        source=first.source,
        format=first.format,
        metadata=first.metadata,
    )


def _slices(rec: Recording, chunk_s: float) -> Iterator[Recording]:
    """Split an in-memory recording into views of about ``chunk_s`` seconds."""
    t = np.asarray(rec.time_s, dtype=np.float64)
    if t.shape[0] == 0:
        return
    if t.shape[0] > 1:
        t = check_time(t)  # finite and increasing, before any arithmetic on it
    elif not math.isfinite(float(t[0])):
        raise InvalidInputError("time_s[0]", None, reason="is not finite")
    # slice k holds t0 + k * chunk_s <= t < t0 + (k + 1) * chunk_s; empty slices (gaps) are
    # stepped over, so the cost follows the samples, not the time span
    t0, n, a = float(t[0]), t.shape[0], 0
    while a < n:
        k = math.floor((float(t[a]) - t0) / chunk_s)
        b = int(np.searchsorted(t, t0 + (k + 1) * chunk_s, side="left"))
        b = max(b, a + 1)
        yield Recording(
            time_s=t[a:b],
            acc_g=None if rec.acc_g is None else rec.acc_g[a:b],
            gyro_dps=None if rec.gyro_dps is None else rec.gyro_dps[a:b],
            source=rec.source,
            format=rec.format,
            metadata=rec.metadata,
        )
        a = b


def analyze_stream(
    chunks: Iterable[Recording | Batch],
    *,
    params: MotionParams | None = None,
    source: str = "",
    format: str = "",
) -> MotionReport:
    """Analyse a recording given as chunks in time order (e.g. ``iter_recording(path)``).

    Windows that straddle chunk boundaries are analysed once, with the same result as in
    memory; memory stays flat whatever the recording length.

    Parameters
    ----------
    chunks : iterable of Recording
        Consecutive pieces of one recording, with absolute times (or the pieces a reader
        decodes, :func:`dystonia.motion.io.read.iter_batches`).
    params : MotionParams, optional
    source, format : str, optional
        Copied into the report (default: from the first chunk).
    """
    engine: MotionAnalyzer | None = None
    try:
        for chunk in chunks:
            if engine is None:
                engine = MotionAnalyzer(
                    params,
                    source=source or getattr(chunk, "source", ""),
                    format=format or getattr(chunk, "format", ""),
                )
            engine.feed(chunk)
        if engine is None:
            raise InvalidInputError("recording", None, reason="is empty (no chunks)")
        return engine.finish()
    finally:
        if engine is not None:
            engine.close()


def recording_from_frame(frame: Any, *, source: str = "frame") -> Recording:
    """Build a :class:`Recording` from a table with the contract columns.

    Columns: ``time`` (s), ``acc_x/y/z`` (g) and/or ``gyro_x/y/z`` (deg/s).

    Raises
    ------
    InvalidInputError
        Missing ``time`` or both triplets missing, a partial triplet, or non-numeric values.
    """
    cols = [str(c) for c in getattr(frame, "columns", [])]
    if not cols:
        raise InvalidInputError("frame", None, reason="is not a table with named columns")
    if "time" not in cols:
        raise InvalidInputError("frame.time", None, reason="column 'time' is required")

    def triplet(prefix: str) -> FloatArray | None:
        names = [f"{prefix}_{a}" for a in "xyz"]
        present = [n for n in names if n in cols]
        if not present:
            return None
        if len(present) != 3:
            missing = sorted(set(names) - set(present))
            raise InvalidInputError(
                f"frame.{missing[0]}", None, reason=f"column {missing[0]!r} is required"
            )
        try:
            return np.asarray(frame[names].to_numpy(dtype=np.float64))
        except (TypeError, ValueError):
            raise InvalidInputError(
                f"frame.{prefix}", None, reason="columns are not numeric"
            ) from None

    acc = triplet("acc")
    gyro = triplet("gyro")
    if acc is None and gyro is None:
        raise InvalidInputError(
            "frame", None, reason="needs acc_x/acc_y/acc_z or gyro_x/gyro_y/gyro_z columns"
        )
    try:
        t = np.asarray(frame["time"].to_numpy(dtype=np.float64))
    except (TypeError, ValueError):
        raise InvalidInputError("frame.time", None, reason="column is not numeric") from None
    return Recording(time_s=check_time(t, field="time"), acc_g=acc, gyro_dps=gyro, source=source)


def _chunks_of(
    data: Recording | str | Path | Any, *, format: str, chunk_s: float | None
) -> tuple[Iterable[Recording | Batch], str, str]:
    """Chunks, source and format of any accepted input (``chunk_s`` None: see analyze)."""
    slice_s = _MEMORY_SLICE_S if chunk_s is None else chunk_s
    if isinstance(data, Recording):
        return _slices(data, slice_s), data.source, data.format
    if isinstance(data, str | Path):
        path = Path(data)
        if not path.exists():
            raise UnreadableFileError(path, "no such file")
        if chunk_s is not None:
            return prefetch(iter_recording(path, format=format, chunk_s=chunk_s)), str(path), ""
        # the pieces as decoded (columns not stacked: the analysis copies them into its buffer
        # once); decoding the next piece (GIL released) overlaps with analysing this one
        src, batches = iter_batches(path, format=format)
        return prefetch(batches), str(path), src.format
    if hasattr(data, "columns"):
        rec = recording_from_frame(data)
        return _slices(rec, slice_s), "frame", "frame"
    raise InvalidInputError(
        "recording",
        type(data).__name__,
        reason=f"{type(data).__name__} is not a Recording, a path or a table",
    )


def analyze(
    data: Recording | str | Path | Any,
    *,
    params: MotionParams | None = None,
    format: str = "auto",
    chunk_s: float | None = None,
) -> MotionReport:
    """Analyse a motion recording for tremor: the Python form of ``dystonia motion analyze``.

    Parameters
    ----------
    data : Recording, path or table
        A :class:`Recording`, a file path (read in chunks by :mod:`dystonia.motion.io`), or a
        pandas DataFrame with the contract columns (``time``, ``acc_*`` in g, ``gyro_*`` in
        deg/s).
    params : MotionParams, optional
        All thresholds and settings (defaults documented in :mod:`dystonia.motion.params`).
    format : str
        Reader for paths: ``"auto"``, ``"csv"``, ``"parquet"``, ``"cwa"``, ``"bin"``.
    chunk_s : float, optional
        Chunk length for streaming (10-86400 s). Default: files stream in the pieces their
        reader decodes (a few megabytes each) and in-memory data in 600-s slices. Affects
        memory only, never results: windows are analysed in fixed blocks of the window grid
        whatever the chunks.

    Returns
    -------
    MotionReport
        ``report.to_dict()`` gives the contract JSON.
    """
    if chunk_s is not None and not (
        isinstance(chunk_s, int | float)
        and not isinstance(chunk_s, bool)
        and 10.0 <= chunk_s <= 86400.0
    ):
        raise InvalidInputError("chunk_s", chunk_s, allowed="10-86400 s")
    chunks, source, fmt = _chunks_of(
        data, format=format, chunk_s=None if chunk_s is None else float(chunk_s)
    )
    return analyze_stream(chunks, params=params, source=source, format=fmt)


_COMPARED = ("fraction_of_time", "peak_frequency_hz", "amplitude", "tsi_hz", "directionality")

#: Label pairs compared explicitly when both are present: task-specific dystonia, e.g. foot
#: dystonia that appears walking forward and not walking backward.
TASK_PAIRS = (("walking_forward", "walking_backward"), ("writing", "rest"), ("posture", "rest"))


@dataclass
class CompareReport:
    """Per-task summaries and their differences (:func:`compare`)."""

    reference: str
    summaries: dict[str, dict[str, Any]]
    differences: dict[str, dict[str, float | None]]
    pairs: dict[str, dict[str, float | None]]
    reports: dict[str, MotionReport]

    def to_dict(self) -> dict[str, Any]:
        """Plain-JSON form."""
        return {
            "reference": self.reference,
            "tasks": self.summaries,
            "differences": self.differences,
            "pairs": self.pairs,
        }


def _summary_value(tremor: Mapping[str, Any], name: str) -> float | None:
    value = tremor.get(name)
    if isinstance(value, Mapping):
        value = value.get("value")
    return None if value is None else float(value)


def _diff(a: Mapping[str, Any], b: Mapping[str, Any]) -> dict[str, float | None]:
    out: dict[str, float | None] = {}
    for name in _COMPARED:
        va, vb = _summary_value(a, name), _summary_value(b, name)
        out[name] = None if va is None or vb is None else _num(va - vb)
    return out


def compare(
    segments: Mapping[str, Recording | str | Path | Any],
    *,
    reference: str | None = None,
    params: MotionParams | None = None,
    format: str = "auto",
) -> CompareReport:
    """Compare tremor between labelled task recordings (rest, posture, writing, walking...).

    Parameters
    ----------
    segments : mapping of label to Recording, path or table
        One recording per task, e.g. ``{"walking_forward": ..., "walking_backward": ...}``.
    reference : str, optional
        Label the others are compared with (default: the first label).
    params : MotionParams, optional
    format : str
        Reader for paths.

    Returns
    -------
    CompareReport
        ``summaries[label]`` is the tremor summary of each task; ``differences[label]`` is
        ``label - reference`` for fraction_of_time, peak_frequency_hz, amplitude, tsi_hz and
        directionality; ``pairs["a - b"]`` does the same for the task pairs of
        :data:`TASK_PAIRS` present (dystonia can be task-specific: present walking forward,
        absent walking backward).
    """
    if not segments:
        raise InvalidInputError("segments", None, reason="needs at least one labelled recording")
    labels = list(segments)
    ref = labels[0] if reference is None else reference
    if ref not in segments:
        raise InvalidInputError("reference", ref, allowed=labels)
    reports = {
        label: analyze(data, params=params, format=format) for label, data in segments.items()
    }
    summaries: dict[str, dict[str, Any]] = {}
    for label, rep in reports.items():
        summaries[label] = {"recording": rep.recording, "tremor": rep.tremor}
    differences = {
        label: _diff(reports[label].tremor, reports[ref].tremor) for label in labels if label != ref
    }
    pairs = {
        f"{a} - {b}": _diff(reports[a].tremor, reports[b].tremor)
        for a, b in TASK_PAIRS
        if a in reports and b in reports
    }
    return CompareReport(ref, summaries, differences, pairs, reports)
