"""From a recording to a movement report: the streaming engine behind ``analyze``.

One code path serves every input. A recording (or a file, or a table) is fed to
:class:`MotionAnalyzer` in chunks; each chunk is resampled onto one global uniform grid (never
across gaps), appended to a small carry-over buffer, and every analysis window that is complete
(with its filter context) is analysed in one vectorised batch. Only compact per-window rows and
a few running sums are kept, so memory stays flat for week-long recordings, and windows that
straddle chunk boundaries are analysed exactly once, as if the recording were in memory.

Windows sit on a fixed grid (``k * step`` samples from the first sample); a window is analysed
only if all of its samples are valid (no gap, no non-finite value). Non-wear (van Hees 2013) is
decided at the end and removes windows from the valid time.

The report's fields follow the contract ``/work/shared/contracts/motion.md``; extra fields are
added, none renamed.
"""

from __future__ import annotations

import itertools
import math
from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
from numpy.typing import NDArray

from dystonia.exceptions import InvalidInputError, UnreadableFileError
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
from dystonia.motion.recording import Recording
from dystonia.motion.tremor import (
    band_features,
    band_pass_flat,
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

_WINDOW_FLOAT_FIELDS = (
    "peak_frequency_hz",
    "power",
    "amplitude",
    "peak_ratio",
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
        extra = ("fwhm_hz", "directionality", "if_sd_hz")
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

    Memory is bounded by one chunk plus a carry-over of one window and its filter context; the
    accumulated state is the per-window rows (a few dozen bytes per window) and the pooled
    cycle-to-cycle frequency changes of tremor windows (4 bytes per tremor cycle).

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
        self._buf: FloatArray = np.zeros((0, 3))
        self._buf_valid: NDArray[np.bool_] = np.zeros(0, dtype=bool)
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
        self._n_windows = 0
        self._nonwear: NonWearDetector | None = None
        self._finished = False

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

    def _channel_block(self, rec: Recording) -> FloatArray:
        parts = []
        if self.kind == "gyro":
            parts.append(_as_n3(rec.gyro_dps, "gyro_dps", rec.n_samples))
        if self._has_acc:
            parts.append(_as_n3(rec.acc_g, "acc_g", rec.n_samples))
        return np.concatenate(parts, axis=1)

    # -- feeding -----------------------------------------------------------------------
    def feed(self, chunk: Recording) -> None:
        """Add the next chunk (absolute times continuing the previous chunk)."""
        if self._finished:
            raise InvalidInputError("chunk", None, reason="analysis already finished")
        if not self._started:
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
        t = np.asarray(chunk.time_s, dtype=np.float64)
        vals = self._channel_block(chunk)
        if self._last_t is not None and self._last_vals is not None:
            if not t[0] > self._last_t:
                raise InvalidInputError(
                    "time_s",
                    float(t[0]),
                    reason=f"chunk starts at {t[0]!r}, not after the previous chunk ({self._last_t!r})",
                )
            t = np.concatenate(([self._last_t], t))
            vals = np.concatenate((self._last_vals, vals))
        elif t.shape[0] < 2:
            self._last_t, self._last_vals = float(t[-1]), vals[-1:].copy()
            self._n_samples += chunk.n_samples
            return
        t = check_time(t)
        self._n_samples += chunk.n_samples
        steps = np.diff(t)
        gap_idx = np.flatnonzero(steps > self.threshold_s)
        for i in gap_idx:
            self._gaps.append(Gap(float(t[i] - self.origin_s), float(steps[i])))
        inside = steps[steps <= self.threshold_s]
        self._n_steps += inside.size
        self._step_sumsq += float(np.sum((inside - self.dt_s) ** 2))
        if inside.size:
            self._step_max = max(self._step_max, float(inside.max()))
        block = resample_uniform(
            t,
            vals,
            fs_hz=self.fs_hz,
            origin_s=self.origin_s,
            threshold_s=self.threshold_s,
            first_index=self._next_grid,
        )
        self._last_t, self._last_vals = float(t[-1]), vals[-1:].copy()
        m = block.values.shape[0]
        if m == 0:
            return
        # grid points skipped between chunks cannot happen (first_index continues), but a chunk
        # may start later than the next grid point: fill the hole as invalid
        hole = block.first_index - self._next_grid
        sig = block.values[:, :3]
        if self.kind == "acc":
            sig = sig * STANDARD_GRAVITY_M_S2
        if self._nonwear is not None:
            acc = block.values[:, 3:6] if self.kind == "gyro" else block.values[:, :3]
            self._nonwear.update(block.first_index, acc, block.valid)
        self._n_valid_grid += int(block.valid.sum())
        if hole > 0:
            sig = np.concatenate((np.zeros((hole, 3)), sig))
            valid = np.concatenate((np.zeros(hole, dtype=bool), block.valid))
        else:
            valid = block.valid
        self._buf = np.concatenate((self._buf, sig))
        self._buf_valid = np.concatenate((self._buf_valid, valid))
        self._next_grid = block.first_index + m
        self._process(final=False)

    # -- window analysis ---------------------------------------------------------------
    def _analysis_signals(self) -> tuple[FloatArray, FloatArray]:
        """Analysis signal (gravity removed for acc) and its tremor-band filtered copy."""
        tp = self.params.tremor
        sig = self._buf.copy()
        filt = np.zeros_like(sig)
        starts, stops = valid_runs(self._buf_valid)
        min_len = max(self.win_n, 30)
        for a, b in zip(starts, stops, strict=True):
            if b - a < min_len:
                continue
            if self.kind == "acc":
                sig[a:b] = remove_gravity(
                    sig[a:b], self.fs_hz, cutoff_hz=self.params.prepare.gravity_cutoff_hz
                )[0]
            filt[a:b] = band_pass_flat(
                sig[a:b], self.fs_hz, tp.band_hz, transition_hz=tp.band_transition_hz
            )
        return sig, filt

    def _process(self, *, final: bool) -> None:
        n = self._buf.shape[0]
        end_k = self._buf_k0 + n
        need_right = 0 if final else self.pad_n
        last_start = end_k - self.win_n - need_right
        if last_start < self._next_win:
            return
        ks = np.arange(self._next_win, last_start + 1, self.step_n, dtype=np.int64)
        self._next_win = int(ks[-1]) + self.step_n
        s = (ks - self._buf_k0).astype(np.intp)
        bad = np.concatenate(([0], np.cumsum(~self._buf_valid)))
        ok = (bad[s + self.win_n] - bad[s]) == 0
        if ok.any():
            self._analyse_windows(ks[ok], s[ok])
        drop = max(0, self._next_win - self.pad_n - self._buf_k0)
        drop = min(drop, n)
        if drop:
            self._buf = self._buf[drop:]
            self._buf_valid = self._buf_valid[drop:]
            self._buf_k0 += drop

    def _analyse_windows(self, ks: NDArray[np.int64], s: NDArray[np.intp]) -> None:
        tp = self.params.tremor
        sig, filt = self._analysis_signals()
        idx = s[:, None] + np.arange(self.win_n)[None, :]
        # axes first, samples contiguous: (n_windows, 3, window_n)
        spec = spectral_features(sig.T[:, idx].transpose(1, 0, 2), self.fs_hz, tp)
        band = band_features(filt.T[:, idx].transpose(1, 0, 2))
        feats = {**spec, **band}
        tremor = detect_tremor(feats, unit=self.unit, params=tp)
        n_w = ks.shape[0]
        if_sd = np.full(n_w, np.nan)
        n_cycles = np.zeros(n_w, dtype=np.int32)
        cyc_n = np.zeros(n_w)
        cyc_s1 = np.zeros(n_w)
        cyc_s2 = np.zeros(n_w)
        tw = np.flatnonzero(tremor)
        if tw.size:
            ext = s[tw, None] + np.arange(-self.pad_n, self.win_n + self.pad_n)[None, :]
            inside = (ext >= 0) & (ext < sig.shape[0])
            ext_c = np.clip(ext, 0, sig.shape[0] - 1)
            usable = inside & self._buf_valid[ext_c]
            raw = sig[ext_c] * usable[..., None]
            proj = np.einsum("nti,ni->nt", raw, band["pc1"][tw])
            count = np.maximum(usable.sum(axis=1), 1)
            proj = (proj - (proj.sum(axis=1) / count)[:, None]) * usable
            cyc = cycle_features(
                proj, spec["peak_frequency_hz"][tw], self.fs_hz, pad_n=self.pad_n, params=tp
            )
            if_sd[tw] = cyc.if_sd_hz
            n_cycles[tw] = cyc.n_cycles
            win_ids = self._n_windows + tw
            if cyc.delta_f_hz.size:
                # window id of every change: changes are pooled per window in order
                per_win_changes = np.maximum(cyc.n_cycles - 1, 0)
                self._delta_f.append(cyc.delta_f_hz.astype(np.float32))
                self._delta_win.append(np.repeat(win_ids, per_win_changes).astype(np.int64))
            per_win_amp = cyc.n_cycles
            amp_win = np.repeat(np.arange(tw.size), per_win_amp)
            if cyc.cycle_amplitude.size == amp_win.size and amp_win.size:
                a = cyc.cycle_amplitude
                cyc_n[tw] = np.bincount(amp_win, minlength=tw.size)
                cyc_s1[tw] = np.bincount(amp_win, weights=a, minlength=tw.size)
                cyc_s2[tw] = np.bincount(amp_win, weights=a * a, minlength=tw.size)
        row = {
            "start_s": ks.astype(np.float64) / self.fs_hz,
            "tremor": tremor,
            "n_cycles": n_cycles,
            "spectrum": spec["spectrum"],
            "peak_frequency_hz": spec["peak_frequency_hz"],
            "power": band["power"],
            "amplitude": band["amplitude"],
            "peak_ratio": spec["peak_ratio"],
            "peak_power": spec["peak_power"],
            "fwhm_hz": spec["fwhm_hz"],
            "directionality": band["directionality"],
            "if_sd_hz": if_sd,
            "cycle_amp_n": cyc_n,
            "cycle_amp_sum": cyc_s1,
            "cycle_amp_sumsq": cyc_s2,
        }
        self._rows.append(row)
        self._n_windows += n_w

    # -- summary -----------------------------------------------------------------------
    def finish(self) -> MotionReport:
        """Analyse the remaining windows and build the report."""
        if self._finished:
            raise InvalidInputError("analysis", None, reason="finish() was already called")
        if not self._started:
            raise InvalidInputError("recording", None, reason="is empty (needs at least 2 samples)")
        self._process(final=True)
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
        duration_s = float(self._last_t - self.origin_s + self.dt_s) if self._last_t else 0.0
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
        cat = {k: np.concatenate([r[k] for r in self._rows]) for k in self._rows[0]}
        return WindowTable(
            start_s=cat["start_s"],
            tremor=cat["tremor"].astype(bool),
            worn=np.ones(cat["start_s"].shape[0], dtype=bool),
            n_cycles=cat["n_cycles"].astype(np.int32),
            values={k: cat[k].astype(np.float32) for k in _WINDOW_FLOAT_FIELDS},
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
    edges = np.searchsorted(t, np.arange(t[0], t[-1] + chunk_s, chunk_s)[1:], side="left")
    bounds = np.unique(np.concatenate(([0], edges, [t.shape[0]])))
    for a, b in itertools.pairwise(bounds):
        yield Recording(
            time_s=t[a:b],
            acc_g=None if rec.acc_g is None else rec.acc_g[a:b],
            gyro_dps=None if rec.gyro_dps is None else rec.gyro_dps[a:b],
            source=rec.source,
            format=rec.format,
            metadata=rec.metadata,
        )


def analyze_stream(
    chunks: Iterable[Recording],
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
        Consecutive pieces of one recording, with absolute times.
    params : MotionParams, optional
    source, format : str, optional
        Copied into the report (default: from the first chunk).
    """
    engine: MotionAnalyzer | None = None
    for chunk in chunks:
        if engine is None:
            engine = MotionAnalyzer(
                params, source=source or chunk.source, format=format or chunk.format
            )
        engine.feed(chunk)
    if engine is None:
        raise InvalidInputError("recording", None, reason="is empty (no chunks)")
    return engine.finish()


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


def _io() -> Any:
    try:
        from dystonia.motion import io
    except ImportError:
        return None
    return io


def _chunks_of(
    data: Recording | str | Path | Any, *, format: str, chunk_s: float
) -> tuple[Iterable[Recording], str, str]:
    """Chunks, source and format of any accepted input."""
    if isinstance(data, Recording):
        return _slices(data, chunk_s), data.source, data.format
    if isinstance(data, str | Path):
        path = Path(data)
        io = _io()
        if io is None:
            raise UnreadableFileError(path, "motion file readers (dystonia.motion.io) unavailable")
        if not path.exists():
            raise UnreadableFileError(path, "no such file")
        if hasattr(io, "iter_recording"):
            return io.iter_recording(path, format=format, chunk_s=chunk_s), str(path), ""
        rec = io.read_recording(path, format=format)
        return _slices(rec, chunk_s), str(path), rec.format
    if hasattr(data, "columns"):
        rec = recording_from_frame(data)
        return _slices(rec, chunk_s), "frame", "frame"
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
    chunk_s: float = 3600.0,
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
    chunk_s : float
        Chunk length for streaming (seconds); affects memory only, not results.

    Returns
    -------
    MotionReport
        ``report.to_dict()`` gives the contract JSON.
    """
    if not (isinstance(chunk_s, int | float) and 10.0 <= chunk_s <= 86400.0):
        raise InvalidInputError("chunk_s", chunk_s, allowed="10-86400 s")
    chunks, source, fmt = _chunks_of(data, format=format, chunk_s=float(chunk_s))
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
