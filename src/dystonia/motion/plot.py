"""One-page figure of a tremor report: key numbers, spectrogram, timeline, distributions.

Needs matplotlib (``pip install dystonia-workbench[plot]``); it is imported only when a figure
is drawn, with the non-interactive Agg backend. The figure reads top to bottom: the summary
(is there tremor, how much of the time, at what frequency and size, how regular), the
spectrogram with the tremor band and tremor windows marked, and the amplitude over time with
gaps and non-wear shaded; on the right, the mean spectrum of tremor and other windows and the
distribution of tremor peak frequencies.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import numpy as np
from numpy.typing import NDArray

from dystonia.exceptions import InvalidInputError
from dystonia.motion.report import MotionReport

__all__ = ["plot_report"]

_TREMOR = "#c0392b"
_OTHER = "#7f8c8d"
_SHADE = "#d5d8dc"
_MAX_COLUMNS = 1500


def _time_scale(duration_s: float) -> tuple[float, str]:
    if duration_s <= 900:
        return 1.0, "time (s)"
    if duration_s <= 3 * 3600:
        return 60.0, "time (min)"
    return 3600.0, "time (h)"


def _pool(values: NDArray[Any], groups: int) -> NDArray[np.float64]:
    """Average consecutive rows into ``groups`` rows (for very long recordings)."""
    v = np.asarray(values, dtype=np.float64)
    n = v.shape[0]
    if n <= groups:
        return v
    edges = np.linspace(0, n, groups + 1).astype(int)
    return np.add.reduceat(v, edges[:-1], axis=0) / np.diff(edges).reshape(
        (-1,) + (1,) * (v.ndim - 1)
    )


def _card(ax: Any, x: float, title: str, value: str, sub: str, *, color: str = "#2c3e50") -> None:
    ax.text(x, 0.92, title, ha="center", va="center", fontsize=9, color="#566573")
    ax.text(x, 0.5, value, ha="center", va="center", fontsize=17, weight="bold", color=color)
    ax.text(x, 0.08, sub, ha="center", va="center", fontsize=8, color="#566573")


def _fmt(value: Any, spec: str) -> str:
    return "-" if value is None else format(value, spec)


def plot_report(report: MotionReport, path: str | Path, *, title: str | None = None) -> Path:
    """Draw the report as a PNG (or any format matplotlib infers from the suffix).

    Parameters
    ----------
    report : MotionReport
        From :func:`dystonia.motion.analyze`.
    path : str or Path
        Output file.
    title : str, optional
        Figure title (default: the recording's file name).

    Returns
    -------
    Path
        The written file.
    """
    try:
        import matplotlib
    except ImportError:
        raise InvalidInputError(
            "plot", None, reason="matplotlib is not installed (pip install matplotlib)"
        ) from None
    matplotlib.use("Agg")
    import matplotlib.pyplot as plt
    from matplotlib.patches import Patch
    from matplotlib.ticker import FuncFormatter, LogLocator, MaxNLocator, NullFormatter

    out = Path(path)
    w = report.windows
    tr = report.tremor
    rec = report.recording
    duration = float(rec["duration_s"] or 0.0)
    scale, tlabel = _time_scale(duration)
    window_s = report.params.tremor.window_s
    band = report.params.tremor.band_hz
    unit = tr["amplitude"]["unit"].replace("^2", "²")

    fig = plt.figure(figsize=(12, 8.2), dpi=110)
    grid = fig.add_gridspec(
        3, 2, height_ratios=[0.6, 2.2, 1.7], width_ratios=[4.2, 1.3], hspace=0.38, wspace=0.16
    )
    name = title or (Path(rec["source"]).name if rec.get("source") else "recording")
    fig.suptitle(
        f"Tremor report - {name}   ({duration / scale:.1f} {tlabel.split('(')[1][:-1]},"
        f" {rec['fs_hz']:.0f} Hz, {tr['signal']})",
        fontsize=12,
        x=0.05,
        ha="left",
        y=0.995,
    )
    fig.subplots_adjust(top=0.95, bottom=0.1, left=0.06, right=0.98)

    # -- summary cards ---------------------------------------------------------------------
    ax0 = fig.add_subplot(grid[0, :])
    ax0.set_axis_off()
    present = tr["present"]
    frac = tr["fraction_of_time"]
    xs = np.linspace(0.07, 0.93, 6)
    _card(
        ax0,
        xs[0],
        "tremor",
        "present" if present else "not found",
        f"{tr['n_tremor_windows']} of {tr['n_windows']} windows",
        color=_TREMOR if present else "#27ae60",
    )
    _card(ax0, xs[1], "share of valid time", _fmt(None if frac is None else 100 * frac, ".1f") + " %",
          f"of {_fmt(rec['analysed_s'], '.0f')} s valid and worn")  # fmt: skip
    _card(ax0, xs[2], "peak frequency", _fmt(tr["peak_frequency_hz"], ".2f") + " Hz",
          f"peak width {_fmt(tr['peak_width_hz'], '.2f')} Hz")  # fmt: skip
    _card(ax0, xs[3], "amplitude (RMS)", f"{_fmt(tr['amplitude']['value'], '.3g')} {unit}",
          f"p90 {_fmt(tr['amplitude_p90'], '.3g')}, cycle CV {_fmt(tr['amplitude_cv'], '.2f')}")  # fmt: skip
    _card(ax0, xs[4], "stability index (TSI)", _fmt(tr["tsi_hz"], ".2f") + " Hz",
          f"reference cut-off {tr['tsi_reference_cutoff_hz']:g} Hz")  # fmt: skip
    _card(ax0, xs[5], "directionality", _fmt(tr["directionality"], ".2f"),
          "1 = one axis, 0.33 = all axes")  # fmt: skip
    ax0.set_xlim(0, 1)
    ax0.set_ylim(0, 1)

    starts = w.start_s / scale
    n = len(w)
    # -- spectrogram ------------------------------------------------------------------------
    ax1 = fig.add_subplot(grid[1, 0])
    if n:
        spec = _pool(w.spectrum, _MAX_COLUMNS)
        t_edges = np.linspace(starts[0], starts[-1] + window_s / scale, spec.shape[0] + 1)
        if n <= _MAX_COLUMNS:
            t_edges = np.concatenate((starts, [starts[-1] + window_s / scale]))
        f_edges = np.arange(spec.shape[1] + 1) * w.spectrum_step_hz
        logp = np.log10(spec.T + 1e-6)
        lo, hi = np.percentile(logp, [5, 99.5])
        mesh = ax1.pcolormesh(
            t_edges, f_edges, logp, cmap="magma", vmin=lo, vmax=hi, shading="flat",
            rasterized=True,
        )  # fmt: skip
        cbar = fig.colorbar(mesh, ax=ax1, pad=0.01, fraction=0.03)
        cbar.set_label(f"log10 power ({unit})² / Hz", fontsize=8)
        cbar.ax.tick_params(labelsize=7)
        for edge in band:
            ax1.axhline(edge, color="white", lw=0.8, ls="--", alpha=0.8)
        tremor_idx = np.flatnonzero(w.tremor & w.worn)
        if tremor_idx.size > 400:  # too many to mark one by one: a strip shows them below
            tremor_idx = tremor_idx[:0]
        ax1.scatter(
            starts[tremor_idx] + 0.5 * window_s / scale,
            w.column("peak_frequency_hz")[tremor_idx],
            s=9, facecolor="none", edgecolor="#2ecc71", lw=0.8, label="tremor peak",
        )  # fmt: skip
        if tremor_idx.size:
            ax1.legend(loc="upper right", fontsize=8, framealpha=0.7)
        ax1.set_ylim(0, f_edges[-1])
    ax1.set_ylabel("frequency (Hz)")
    ax1.set_title(
        f"Spectrogram (tremor band {band[0]:g}-{band[1]:g} Hz dashed)", fontsize=10, loc="left"
    )

    # -- mean spectra -----------------------------------------------------------------------
    ax2 = fig.add_subplot(grid[1, 1])
    if n:
        f_mid = (np.arange(w.spectrum.shape[1]) + 0.5) * w.spectrum_step_hz
        trem = w.tremor & w.worn
        for mask, color, label in ((trem, _TREMOR, "tremor"), (~trem & w.worn, _OTHER, "other")):
            if mask.any():
                ax2.semilogx(
                    np.mean(w.spectrum[mask], axis=0), f_mid, color=color, lw=1.5, label=label
                )
        ax2.axhspan(band[0], band[1], color=_SHADE, alpha=0.5, lw=0)
        ax2.set_ylim(0, f_mid[-1] + w.spectrum_step_hz / 2)
        ax2.legend(fontsize=8, loc="upper right")
    ax2.set_title("Mean spectrum", fontsize=10, loc="left")
    ax2.set_xlabel(f"({unit})²/Hz", fontsize=8)
    ax2.tick_params(labelsize=8)

    # -- timeline -----------------------------------------------------------------------------
    ax3 = fig.add_subplot(grid[2, 0], sharex=ax1)
    long_view = n > _MAX_COLUMNS
    if n and not long_view:
        amp = np.maximum(w.column("amplitude"), 1e-6)
        colors = np.where(w.tremor & w.worn, _TREMOR, _OTHER)
        ax3.bar(starts, amp, width=window_s / scale, align="edge", color=colors, lw=0)
        ax3.set_yscale("log")
        ax3.yaxis.set_major_locator(LogLocator(subs=(1.0, 2.0, 5.0)))
        ax3.yaxis.set_major_formatter(FuncFormatter(lambda v, _: f"{v:g}"))
        ax3.yaxis.set_minor_formatter(NullFormatter())
        floor = (
            report.params.tremor.min_amplitude_deg_s
            if unit == "deg/s"
            else report.params.tremor.min_amplitude_m_s2
        )
        ax3.axhline(floor, color="#34495e", lw=0.8, ls=":", label="detection floor")
        ax3.set_ylabel(f"amplitude ({unit})")
        ax3.set_title("Tremor-band amplitude per window", fontsize=10, loc="left")
    elif n:
        # long recordings: share of time with tremor per bin, and the median tremor amplitude
        bin_s = 3600.0 if duration > 2 * 86400 else (900.0 if duration > 6 * 3600 else 300.0)
        idx = np.floor(w.start_s / bin_s).astype(np.intp)
        n_bins = int(idx.max()) + 1
        worn_count = np.bincount(idx, weights=w.worn.astype(float), minlength=n_bins)
        trem_count = np.bincount(idx, weights=(w.tremor & w.worn).astype(float), minlength=n_bins)
        with np.errstate(invalid="ignore", divide="ignore"):
            share = np.where(worn_count > 0, 100 * trem_count / worn_count, np.nan)
        left = np.arange(n_bins) * bin_s / scale
        ax3.bar(left, share, width=bin_s / scale, align="edge", color=_TREMOR, lw=0)
        ax3.set_ylim(0, 100)
        ax3.set_ylabel("tremor (% of time)")
        ax3.set_title(
            f"Share of worn time with tremor per {bin_s / 60:.0f} min", fontsize=10, loc="left"
        )
    for gap in report.gaps:
        ax3.axvspan(gap.start_s / scale, (gap.start_s + gap.duration_s) / scale, color=_SHADE, lw=0)
        ax1.axvspan(gap.start_s / scale, (gap.start_s + gap.duration_s) / scale, color=_SHADE, lw=0)
    for period in report.non_wear.periods():
        ax3.axvspan(period.start_s / scale, (period.start_s + period.duration_s) / scale,
                    color="#aed6f1", alpha=0.6, lw=0)  # fmt: skip
    ax3.set_xlabel(tlabel)
    from matplotlib.lines import Line2D

    handles: list[Any] = [
        Patch(color=_TREMOR, label="tremor share" if long_view else "tremor window")
    ]
    if not long_view:
        handles.append(Patch(color=_OTHER, label="no tremor"))
    handles.append(Patch(color=_SHADE, label="gap"))
    if not long_view:
        handles.append(Line2D([], [], color="#34495e", lw=0.8, ls=":", label="detection floor"))
    if report.non_wear.periods():
        handles.append(Patch(color="#aed6f1", label="not worn"))
    ax3.legend(handles=handles, fontsize=8, loc="upper right", ncol=len(handles), framealpha=0.8)
    ax3.set_xlim(0, duration / scale)

    # -- peak-frequency histogram --------------------------------------------------------------
    ax4 = fig.add_subplot(grid[2, 1])
    freqs = w.column("peak_frequency_hz")[w.tremor & w.worn] if n else np.zeros(0)
    if freqs.size:
        ax4.hist(freqs, bins=np.arange(band[0], band[1] + 0.25, 0.25).tolist(), color=_TREMOR)
        if tr["peak_frequency_hz"] is not None:
            ax4.axvline(tr["peak_frequency_hz"], color="#2c3e50", lw=1)
    else:
        ax4.text(0.5, 0.5, "no tremor windows", ha="center", va="center",
                 transform=ax4.transAxes, fontsize=9, color="#566573")  # fmt: skip
    ax4.yaxis.set_major_locator(MaxNLocator(integer=True))
    ax4.set_xlim(band[0], band[1])
    ax4.set_xlabel("peak frequency (Hz)", fontsize=8)
    ax4.set_title("Tremor windows", fontsize=10, loc="left")
    ax4.tick_params(labelsize=8)
    for ax in (ax1, ax3):
        ax.tick_params(labelsize=8)

    fig.text(
        0.05,
        0.0,
        "Objective measures to support a clinician's assessment; not a diagnosis. "
        "TSI: di Biase et al. 2017 (doi:10.1093/brain/awx104).",
        fontsize=7,
        color="#566573",
    )
    fig.savefig(out, bbox_inches="tight")
    plt.close(fig)
    return out
