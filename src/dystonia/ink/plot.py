"""One-page figure of a pen report: what was drawn, its shape measures, and its tremor spectrum.

Needs matplotlib; it is imported only when a figure is drawn, with the non-interactive Agg
backend. One row per task, read left to right:

1. the drawing itself as the patient made it (pen-down ink in dark blue, pen lifts as faint
   dotted lines), with the key numbers above it; for a spiral the fitted centre and the ideal
   Archimedean spiral (dashed), and for a tremor its axis as a red double arrow;
2. the shape: for a spiral the radius against the unwrapped angle with the fitted line (a smooth
   spiral is a straight ramp; tremor shows as ripples, uneven loop widths as waves); for
   writing the per-line measures (stroke frequency, velocity inversions per stroke, pressure)
   so that deterioration from line to line shows as a trend; for a hold the pen's drift;
3. the spectrum of the pen path with its smooth background and the tremor band, the peak
   marked when it counts as tremor.
"""

from __future__ import annotations

import math
from pathlib import Path
from typing import IO, Any

import numpy as np

from dystonia.exceptions import InvalidInputError
from dystonia.ink.report import InkReport, TaskReport

__all__ = ["plot_report"]

_INK = "#1f3a93"
_TREMOR = "#c0392b"
_OK = "#27ae60"
_MUTED = "#566573"
_SHADE = "#d5d8dc"


def _fmt(value: Any, spec: str, unit: str = "") -> str:
    if value is None or (isinstance(value, float) and not math.isfinite(value)):
        return "-"
    return f"{format(value, spec)}{(' ' + unit) if unit else ''}"


def _headline(tr: TaskReport) -> tuple[str, str]:
    """Title line and the tremor line of one task."""
    t = tr.tremor
    if t.present is None:
        tremor = "tremor: not assessed"
    elif t.present:
        tremor = (
            f"TREMOR {_fmt(t.frequency_hz, '.1f', 'Hz')}, {_fmt(t.amplitude_mm, '.2f', 'mm')} RMS,"
            f" axis {_fmt(t.axis_deg, '.0f')}° (strength {_fmt(t.axis_strength, '.2f')})"
        )
    else:
        tremor = "no tremor found"
    if tr.spiral is not None:
        s = tr.spiral
        shape = (
            f"{s.turns:.1f} turns · smoothness {_fmt(s.smoothness_first_order, '.2f')} mm/rad ·"
            f" loop-width CV {_fmt(s.loop_width_cv, '.2f')}"
        )
    elif tr.writing is not None:
        w = tr.writing
        shape = (
            f"{len(w.strokes)} strokes · {_fmt(w.stroke_frequency_hz, '.2f', 'Hz')} ·"
            f" NIV {_fmt(w.velocity_inversions_per_stroke, '.2f')} · {len(w.lines)} line(s)"
        )
    else:
        shape = f"hold {tr.task.duration_s:.1f} s"
    return f"task {tr.task.task_id}: {tr.kind} — {shape}", tremor


def _draw_path(ax: Any, tr: TaskReport) -> None:
    task = tr.task
    x, y = task.x_mm, task.y_mm
    # pen lifts: faint dotted line between strokes; in-air samples as dots
    ax.plot(x, y, color=_SHADE, lw=0.6, ls=":", zorder=1)
    for s in range(task.n_strokes):
        m = task.stroke == s
        ax.plot(x[m], y[m], color=_INK, lw=0.9, zorder=2)
    if not task.pen_down.any():
        ax.plot(x, y, color=_INK, lw=0.6, zorder=2)
    if tr.spiral is not None:
        f = tr.spiral.fit
        th = np.linspace(tr.spiral.grid_theta[0], tr.spiral.grid_theta[-1], 800)
        r = f.a_mm + f.b_mm_per_rad * th
        ang = -th if f.clockwise else th
        ax.plot(
            f.centre_x_mm + r * np.cos(ang), f.centre_y_mm + r * np.sin(ang),
            color=_OK, lw=0.8, ls="--", zorder=3, label="fitted spiral",
        )  # fmt: skip
        ax.plot(f.centre_x_mm, f.centre_y_mm, "+", color=_OK, ms=10, mew=1.5, zorder=4)
    t = tr.tremor
    if t.present and t.axis_deg is not None:
        cx = float(np.median(x)) if tr.spiral is None else tr.spiral.fit.centre_x_mm
        cy = float(np.median(y)) if tr.spiral is None else tr.spiral.fit.centre_y_mm
        span = 0.18 * max(float(np.ptp(x)), float(np.ptp(y)), 1.0)
        a = math.radians(t.axis_deg)
        dx, dy = span * math.cos(a), span * math.sin(a)
        ax.annotate(
            "", xy=(cx + dx, cy + dy), xytext=(cx - dx, cy - dy),
            arrowprops={"arrowstyle": "<->", "color": _TREMOR, "lw": 2.0}, zorder=5,
        )  # fmt: skip
    ax.set_aspect("equal", adjustable="datalim")
    ax.set_xlabel("x (mm)", fontsize=8)
    ax.set_ylabel("y (mm)", fontsize=8)
    ax.tick_params(labelsize=7)


def _draw_shape(ax: Any, tr: TaskReport) -> None:
    if tr.spiral is not None:
        s = tr.spiral
        turns = (s.grid_theta - s.grid_theta[0]) / (2 * math.pi)
        ax.plot(turns, s.grid_radius, color=_INK, lw=0.9, label="drawn")
        fit = s.fit.a_mm + s.fit.b_mm_per_rad * s.grid_theta
        ax.plot(turns, fit, color=_OK, lw=0.9, ls="--", label="Archimedean fit")
        ax.set_xlabel("turns (unwrapped angle / 360°)", fontsize=8)
        ax.set_ylabel("radius (mm)", fontsize=8)
        ax.set_title(
            f"Radius vs angle: smoothness {_fmt(s.smoothness_first_order, '.2f')} mm/rad,"
            f" 2nd order {_fmt(s.smoothness_second_order, '.0f')} mm/rad²",
            fontsize=9, loc="left",
        )  # fmt: skip
        ax.legend(fontsize=7, loc="upper left")
    elif tr.writing is not None and tr.writing.lines:
        w = tr.writing
        lines = [row["line"] + 1 for row in w.lines]
        series = [
            ("stroke_frequency_hz", "stroke freq. (Hz)", _INK, "o-"),
            ("velocity_inversions_per_stroke", "NIV per stroke", _TREMOR, "s-"),
        ]
        for key, label, color, style in series:
            vals = [np.nan if row[key] is None else row[key] for row in w.lines]
            ax.plot(lines, vals, style, color=color, lw=1.2, ms=4, label=label)
        if any(row["pressure_mean"] is not None for row in w.lines):
            ax2 = ax.twinx()
            vals = [
                np.nan if row["pressure_mean"] is None else row["pressure_mean"] for row in w.lines
            ]
            ax2.plot(lines, vals, "^--", color=_MUTED, lw=1.0, ms=4, label="pressure")
            ax2.set_ylabel("pressure (0-1)", fontsize=8, color=_MUTED)
            ax2.tick_params(labelsize=7)
            ax2.set_ylim(0, 1)
        ax.set_xlabel("line", fontsize=8)
        ax.set_xticks(lines)
        slope = w.deterioration_slope
        ax.set_title(
            f"Line by line (NIV slope {_fmt(slope, '+.2f')} per line; pen lifts {w.pen_lifts},"
            f" in air {_fmt(w.in_air_fraction and 100 * w.in_air_fraction, '.0f')} %)",
            fontsize=9, loc="left",
        )  # fmt: skip
        ax.legend(fontsize=7, loc="upper left")
    else:
        task = tr.task
        t = task.time_s
        ax.plot(t, task.x_mm - np.median(task.x_mm), color=_INK, lw=0.7, label="x")
        ax.plot(t, task.y_mm - np.median(task.y_mm), color=_MUTED, lw=0.7, label="y")
        ax.set_xlabel("time (s)", fontsize=8)
        ax.set_ylabel("position − median (mm)", fontsize=8)
        ax.set_title("Pen position over time", fontsize=9, loc="left")
        ax.legend(fontsize=7, loc="upper right")
    ax.tick_params(labelsize=7)


def _draw_spectrum(ax: Any, tr: TaskReport, band: tuple[float, float]) -> None:
    t = tr.tremor
    spec = t.spectrum
    if spec is None or t.present is None:
        ax.text(0.5, 0.5, "not enough pause-free\ndata for a spectrum", ha="center",
                va="center", transform=ax.transAxes, fontsize=8, color=_MUTED)  # fmt: skip
        ax.set_axis_off()
        return
    f = spec.frequency_hz
    keep = (f >= 0.5) & (f <= 20.0)
    ax.semilogy(f[keep], spec.power[keep], color=_INK, lw=1.0, label="pen path")
    if t.background is not None:
        ax.semilogy(f[keep], t.background[keep], color=_MUTED, lw=0.9, ls="--", label="background")
    ax.axvspan(band[0], band[1], color=_SHADE, alpha=0.5, lw=0)
    if t.peak_hz is not None:
        i = int(np.argmin(np.abs(f - t.peak_hz)))
        color = _TREMOR if t.present else _MUTED
        ax.plot(f[i], spec.power[i], "v", color=color, ms=7,
                label=f"{'tremor' if t.present else 'largest peak'} {t.peak_hz:.1f} Hz")  # fmt: skip
    ax.set_xlabel("frequency (Hz)", fontsize=8)
    ax.set_ylabel("power (mm²/Hz)", fontsize=8)
    ax.set_title(
        f"Spectrum (peak/background {_fmt(t.peak_to_background, '.1f')})", fontsize=9, loc="left"
    )
    ax.legend(fontsize=7, loc="upper right")
    ax.tick_params(labelsize=7)


def plot_report(
    report: InkReport,
    path: str | Path | IO[bytes],
    *,
    title: str | None = None,
    format: str = "png",
) -> str | Path | IO[bytes]:
    """Draw the report, one row per task.

    Parameters
    ----------
    report : InkReport
        From :func:`dystonia.ink.analyze`.
    path : str, Path or binary file object
        Output file (format from the suffix) or a writable buffer (e.g. ``io.BytesIO`` for a
        web response; then ``format`` applies).
    title : str, optional
        Figure title (default: the file name).
    format : str
        Image format for buffers (default ``"png"``).

    Returns
    -------
    str, Path or file object
        What was written to.
    """
    try:
        import matplotlib
    except ImportError:  # pragma: no cover - matplotlib is a dependency
        raise InvalidInputError("plot", None, reason="matplotlib is not installed") from None
    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    rows = max(len(report.tasks), 1)
    row_in, head_in, foot_in = 3.3, 1.0, 0.45
    title_in = 0.35
    height = title_in + rows * (row_in + head_in) + foot_in
    fig = plt.figure(figsize=(13, height), dpi=100)
    src = report.recording.source
    name = title or (Path(src).name if src else "pen recording")
    fig.text(0.01, 1 - 0.12 / height, f"Pen report - {name} ({report.recording.format})",
             fontsize=12, ha="left", va="top")  # fmt: skip
    band = report.params.tremor.band_hz
    for k, tr in enumerate(report.tasks):
        top = 1 - (title_in + k * (row_in + head_in) + head_in) / height
        bottom = top - (row_in - 0.55) / height
        grid = fig.add_gridspec(
            1, 3, left=0.05, right=0.98, top=top, bottom=bottom, wspace=0.36,
            width_ratios=[1.15, 1.35, 1.1],
        )  # fmt: skip
        head, tremor_line = _headline(tr)
        color = _TREMOR if tr.tremor.present else (_OK if tr.tremor.present is False else _MUTED)
        fig.text(0.01, top + 0.62 / height, head, fontsize=10, weight="bold", ha="left")
        fig.text(0.01, top + 0.38 / height, tremor_line, fontsize=9.5, weight="bold",
                 color=color, ha="left")  # fmt: skip
        _draw_path(fig.add_subplot(grid[0, 0]), tr)
        _draw_shape(fig.add_subplot(grid[0, 1]), tr)
        _draw_spectrum(fig.add_subplot(grid[0, 2]), tr, band)
        if tr.notes:
            fig.text(0.01, bottom - 0.5 / height, "note: " + " | ".join(tr.notes)[:260],
                     fontsize=7, color=_MUTED, ha="left")  # fmt: skip
    fig.text(
        0.01, 0.15 / height,
        "Objective pen measures to support a clinician's assessment; not a diagnosis."
        " Spiral analysis after Pullman 1998 (doi:10.1002/mds.870131315); strokes and NIV after"
        " Marquardt & Mai 1994 (doi:10.1016/0165-0270(94)90053-1).",
        fontsize=7, color=_MUTED, ha="left",
    )  # fmt: skip
    if isinstance(path, str | Path):
        out = Path(path)
        fig.savefig(out)
        plt.close(fig)
        return out
    fig.savefig(path, format=format)
    plt.close(fig)
    return path
