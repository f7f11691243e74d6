"""Handwriting kinematics: strokes, stroke frequency, velocity inversions, pressure, pen lifts,
lines, and how they change from line to line and over time.

Strokes follow Marquardt & Mai (1994): the writing is cut where the vertical velocity changes
sign, i.e. at each top and bottom of the pen's vertical movement (with a small hysteresis,
``WritingParams.min_stroke_height_mm``, so that noise while the pen rests does not cut strokes).
For each stroke, the number of inversions of the absolute (tangential) velocity (NIV) is the
count of its local speed maxima and minima; fluent, automated writing has one velocity peak per
stroke (NIV = 1), writer's cramp raises it (Mai & Marquardt 1994; LEKH 2024: stroke frequency
and NIV both separate writer's cramp from controls, p < 0.001).

Lines are found from the pen-down runs: a run that starts left of where the previous run ended
and lies clearly lower begins a new line. Deterioration is the least-squares slope of each
per-line measure against the line number (and of per-window measures against time), with the
first and the last line side by side.

References
----------
.. [1] Marquardt C, Mai N. A computational procedure for movement analysis in handwriting.
   J Neurosci Methods. 1994;52(1):39-45. doi:10.1016/0165-0270(94)90053-1
.. [2] Schneider AS, Baur B, Fürholzer W, Jasper I, Marquardt C, Hermsdörfer J. Writing
   kinematics and pen forces in writer's cramp: effects of task and clinical subtype.
   Clin Neurophysiol. 2010;121(11):1898-1907. doi:10.1016/j.clinph.2010.04.013
.. [3] LEKH handwriting platform in writer's cramp (21 patients, 39 controls). Acta Neurol
   Belg. 2024. [unverified: authors and pages not checked]
"""

from __future__ import annotations

import itertools
import math
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np
from numpy.typing import NDArray
from scipy import signal

from dystonia.ink.jsonsafe import num
from dystonia.ink.params import WritingParams
from dystonia.ink.prepare import Run
from dystonia.ink.recording import InkTask

__all__ = ["MEASURES", "Stroke", "WritingResult", "analyze_writing", "segment_strokes"]

FloatArray = NDArray[np.float64]

#: Per-line / per-window measures whose trends are reported.
MEASURES = (
    "stroke_frequency_hz",
    "velocity_inversions_per_stroke",
    "pressure_mean",
    "stroke_height_mm",
    "speed_mm_s",
)


@dataclass(frozen=True)
class Stroke:
    """One stroke: the pen movement between two turning points of its vertical motion."""

    run: int
    start_s: float
    duration_s: float
    height_mm: float
    length_mm: float
    peak_speed_mm_s: float
    inversions: int


def _turning_points(y: FloatArray, min_height: float) -> list[int]:
    """Indices of alternating tops and bottoms of ``y`` (prominence >= ``min_height``)."""
    prom = max(min_height, 1e-9)
    tops, _ = signal.find_peaks(y, prominence=prom)
    bottoms, _ = signal.find_peaks(-y, prominence=prom)
    marks = sorted([(int(i), 1) for i in tops] + [(int(i), -1) for i in bottoms])
    out: list[tuple[int, int]] = []
    for i, kind in marks:
        if out and out[-1][1] == kind:
            j = out[-1][0]
            better = y[i] > y[j] if kind == 1 else y[i] < y[j]
            if better:
                out[-1] = (i, kind)
            continue
        out.append((i, kind))
    return [i for i, _ in out]


def _inversions(speed: FloatArray, params: WritingParams) -> int:
    if speed.size < 3:
        return 0
    thr = max(params.niv_min_prominence_mm_s, params.niv_min_prominence_fraction * speed.max())
    maxima, _ = signal.find_peaks(speed, prominence=thr)
    minima, _ = signal.find_peaks(-speed, prominence=thr)
    count = int(maxima.size + minima.size)
    # a stroke whose speed only rises or only falls still has one velocity "peak" at an end
    return max(count, 1)


def segment_strokes(run: Run, index: int, params: WritingParams) -> list[Stroke]:
    """Cut one pen-down run into strokes at the turning points of its vertical movement."""
    y = run.y_lp
    n = run.n
    if n < 3:
        return []
    vx, vy = run.velocity()
    speed = np.hypot(vx, vy)
    bounds = [0, *_turning_points(y, params.min_stroke_height_mm), n - 1]
    strokes: list[Stroke] = []
    for a, b in itertools.pairwise(bounds):
        if b - a < 2:
            continue
        height = float(abs(y[b] - y[a]))
        if height < params.min_stroke_height_mm:
            continue  # a tail shorter than a stroke at the start or end of a run
        seg = slice(a, b + 1)
        steps = np.hypot(np.diff(run.x_lp[seg]), np.diff(y[seg]))
        strokes.append(
            Stroke(
                run=index,
                start_s=run.start_s + a / run.fs_hz,
                duration_s=(b - a) / run.fs_hz,
                height_mm=height,
                length_mm=float(steps.sum()),
                peak_speed_mm_s=float(speed[seg].max()),
                inversions=_inversions(speed[seg], params),
            )
        )
    return strokes


def assign_lines(runs: Sequence[Run], params: WritingParams) -> list[int]:
    """Line number of each run (0, 1, ...), by carriage returns (left and clearly lower)."""
    lines: list[int] = []
    line_y: list[float] = []
    prev_end_x = -math.inf
    for run in runs:
        y_med = float(np.median(run.y_lp))
        x_start = float(run.x_lp[0])
        if not lines:
            lines.append(0)
            line_y = [y_med]
        else:
            current = float(np.median(line_y))
            if y_med < current - params.line_min_drop_mm and x_start < prev_end_x:
                lines.append(lines[-1] + 1)
                line_y = [y_med]
            else:
                lines.append(lines[-1])
                line_y.append(y_med)
        prev_end_x = float(run.x_lp[-1])
    return lines


@dataclass(frozen=True, eq=False)
class WritingResult:
    """Measures of a handwriting task (see the module docstring)."""

    strokes: list[Stroke]
    run_lines: list[int]
    stroke_frequency_hz: float | None
    velocity_inversions_per_stroke: float | None
    pressure_mean: float | None
    pressure_cv: float | None
    pen_down_s: float
    in_air_s: float
    in_air_fraction: float | None
    pen_lifts: int
    stroke_height_mm: float | None
    speed_mm_s: float | None
    lines: list[dict[str, Any]]
    windows: list[dict[str, Any]]
    per_line: dict[str, dict[str, float | None]]
    per_minute: dict[str, dict[str, float | None]]
    deterioration_slope: float | None
    extras: dict[str, Any] = field(default_factory=dict)

    def to_dict(self) -> dict[str, Any]:
        """Contract fields (strokes, stroke_frequency_hz, velocity_inversions_per_stroke,
        pressure_mean, pressure_cv, deterioration_slope) and the extras."""
        return {
            "strokes": len(self.strokes),
            "stroke_frequency_hz": num(self.stroke_frequency_hz),
            "velocity_inversions_per_stroke": num(self.velocity_inversions_per_stroke),
            "pressure_mean": num(self.pressure_mean),
            "pressure_cv": num(self.pressure_cv),
            "deterioration_slope": num(self.deterioration_slope),
            "deterioration_measure": "velocity_inversions_per_stroke per line",
            "pen_down_s": num(self.pen_down_s),
            "in_air_s": num(self.in_air_s),
            "in_air_fraction": num(self.in_air_fraction),
            "pen_lifts": self.pen_lifts,
            "stroke_height_mm": num(self.stroke_height_mm),
            "speed_mm_s": num(self.speed_mm_s),
            "lines": self.lines,
            "windows": self.windows,
            "deterioration": {"per_line": self.per_line, "per_minute": self.per_minute},
        }


def _group_measures(
    runs: Sequence[Run], strokes: Sequence[Stroke], run_ids: Sequence[int]
) -> dict[str, float | None]:
    ids = set(run_ids)
    mine = [s for s in strokes if s.run in ids]
    pen_down = sum(runs[i].duration_s for i in ids)
    pressures = [runs[i].pressure for i in ids if runs[i].pressure is not None]
    speeds = [np.hypot(*runs[i].velocity()) for i in ids]
    return {
        "strokes": float(len(mine)),
        "stroke_frequency_hz": len(mine) / pen_down if pen_down > 0 else None,
        "velocity_inversions_per_stroke": (
            float(np.mean([s.inversions for s in mine])) if mine else None
        ),
        "pressure_mean": (
            float(np.mean(np.concatenate(pressures))) if pressures else None  # type: ignore[arg-type]
        ),
        "stroke_height_mm": float(np.median([s.height_mm for s in mine])) if mine else None,
        "speed_mm_s": float(np.mean(np.concatenate(speeds))) if speeds else None,
    }


def _trend(
    xs: Sequence[float], values: Sequence[float | None], scale: float = 1.0
) -> dict[str, float | None]:
    pts = [(x, v) for x, v in zip(xs, values, strict=True) if v is not None and math.isfinite(v)]
    first = pts[0][1] if pts else None
    last = pts[-1][1] if pts else None
    slope = None
    if len(pts) >= 2 and len({x for x, _ in pts}) >= 2:
        px, pv = zip(*pts, strict=True)
        slope = float(np.polyfit(np.asarray(px, float), np.asarray(pv, float), 1)[0]) * scale
    change = None if first is None or last is None or len(pts) < 2 else last - first
    return {
        "slope": num(slope),
        "first": num(first),
        "last": num(last),
        "change": num(change),
    }


def analyze_writing(
    task: InkTask, runs: Sequence[Run], params: WritingParams | None = None
) -> WritingResult:
    """Writing measures of a task from its pen-down runs.

    Parameters
    ----------
    task : InkTask
        For pressure and pen-up time (raw samples).
    runs : sequence of Run
        Pen-down runs (:func:`dystonia.ink.prepare.prepare_runs`).
    params : WritingParams, optional
    """
    p = params or WritingParams()
    strokes: list[Stroke] = []
    for i, run in enumerate(runs):
        strokes.extend(segment_strokes(run, i, p))
    pen_down_s = float(sum(r.duration_s for r in runs))
    duration = task.duration_s
    # pen-up time: the task's span not covered by a pen-down stroke (raw samples)
    covered = 0.0
    if task.n_strokes:
        t = task.time_s
        sid = task.stroke
        down = sid >= 0
        first = np.full(task.n_strokes, np.inf)
        last = np.full(task.n_strokes, -np.inf)
        np.minimum.at(first, sid[down], t[down])
        np.maximum.at(last, sid[down], t[down])
        covered = float(np.sum(last - first))
    in_air = max(duration - covered, 0.0)
    pressure_mean = pressure_cv = None
    if task.pressure is not None and task.pen_down.any():
        pv = task.pressure[task.pen_down]
        pressure_mean = float(pv.mean())
        pressure_cv = float(pv.std() / pv.mean()) if pv.mean() > 0 else None
    run_lines = assign_lines(runs, p) if runs else []
    n_lines = (max(run_lines) + 1) if run_lines else 0
    lines: list[dict[str, Any]] = []
    for k in range(n_lines):
        ids = [i for i, line in enumerate(run_lines) if line == k]
        m = _group_measures(runs, strokes, ids)
        start = runs[ids[0]].start_s
        end = runs[ids[-1]].start_s + runs[ids[-1]].duration_s
        lines.append(
            {"line": k, "start_s": num(start), "duration_s": num(end - start)}
            | {key: (num(v) if key != "strokes" else int(v or 0)) for key, v in m.items()}
        )
    windows: list[dict[str, Any]] = []
    if runs:
        starts = np.array([r.start_s for r in runs])
        n_win = int(starts.max() // p.time_window_s) + 1
        for k in range(n_win):
            ids = [
                i
                for i, s in enumerate(starts)
                if k * p.time_window_s <= s < (k + 1) * p.time_window_s
            ]
            if not ids:
                continue
            m = _group_measures(runs, strokes, ids)
            windows.append(
                {"start_s": num(k * p.time_window_s)}
                | {key: (num(v) if key != "strokes" else int(v or 0)) for key, v in m.items()}
            )
    per_line = {
        name: _trend([row["line"] for row in lines], [row[name] for row in lines])
        for name in MEASURES
    }
    per_minute = {
        name: _trend([row["start_s"] for row in windows], [row[name] for row in windows], 60.0)
        for name in MEASURES
    }
    whole = _group_measures(runs, strokes, list(range(len(runs)))) if runs else {}
    return WritingResult(
        strokes=strokes,
        run_lines=run_lines,
        stroke_frequency_hz=len(strokes) / pen_down_s if pen_down_s > 0 else None,
        velocity_inversions_per_stroke=(
            float(np.mean([s.inversions for s in strokes])) if strokes else None
        ),
        pressure_mean=pressure_mean,
        pressure_cv=pressure_cv,
        pen_down_s=pen_down_s,
        in_air_s=in_air,
        in_air_fraction=in_air / duration if duration > 0 else None,
        pen_lifts=max(task.n_strokes - 1, 0),
        stroke_height_mm=whole.get("stroke_height_mm"),
        speed_mm_s=whole.get("speed_mm_s"),
        lines=lines,
        windows=windows,
        per_line=per_line,
        per_minute=per_minute,
        deterioration_slope=per_line["velocity_inversions_per_stroke"]["slope"],
    )
