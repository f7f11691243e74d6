"""From a pen recording to a report: one entry per task, as ``contracts/ink.md`` defines it.

:func:`analyze` takes a file, a pointer-JSON document or an :class:`InkRecording`; each task is
resampled (:mod:`~dystonia.ink.prepare`), its kind taken from the caller, the file or detection
(:mod:`~dystonia.ink.kind`), and analysed for tremor (every kind), spiral geometry (spirals) or
handwriting kinematics (writing). The core is pure: no printing, and files are only read when a
path is given.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np

from dystonia.exceptions import InvalidInputError
from dystonia.ink.io import read_ink, read_pointer_json
from dystonia.ink.jsonsafe import num
from dystonia.ink.kind import KindDecision, detect_kind
from dystonia.ink.params import InkParams
from dystonia.ink.prepare import Run, prepare_runs
from dystonia.ink.recording import InkRecording, InkTask
from dystonia.ink.spiral import SpiralResult, analyze_spiral
from dystonia.ink.tremor import PenTremor, pen_tremor
from dystonia.ink.writing import WritingResult, analyze_writing
from dystonia.validation import check_option

__all__ = ["DISCLAIMER", "TASKS", "InkReport", "TaskReport", "analyze", "analyze_task"]

#: Values of ``task=``: detect, or force one kind on every task of the file.
TASKS = ("auto", "spiral", "writing", "hold")

DISCLAIMER = (
    "Objective pen measures to support a clinician's assessment; not a diagnosis. No pen data"
    " set labelled for dystonia exists: thresholds were set on synthetic drawings and the UCI"
    " Parkinson/control spirals (docs/validation.md)."
)


@dataclass(frozen=True, eq=False)
class TaskReport:
    """Analysis of one task; :meth:`to_dict` gives the contract's ``task`` object."""

    task: InkTask
    kind: str
    kind_source: str
    runs: list[Run]
    tremor: PenTremor
    spiral: SpiralResult | None
    writing: WritingResult | None
    detection: KindDecision | None
    pressure_mean: float | None
    pressure_cv: float | None
    pen_down_s: float
    notes: list[str] = field(default_factory=list)

    def to_dict(self) -> dict[str, Any]:
        """Plain-JSON form: the contract fields first, then the extras."""
        t = self.task
        out: dict[str, Any] = {
            "task_id": t.task_id,
            "kind": self.kind,
            "duration_s": num(t.duration_s),
            "samples": t.n_samples,
            "fs_hz": num(t.fs_hz),
            "spiral": self.spiral.to_dict() if self.spiral is not None else None,
            "writing": self.writing.to_dict() if self.writing is not None else None,
            "tremor": self.tremor.to_dict(),
            "kind_source": self.kind_source,
            "pen_down_s": num(self.pen_down_s),
            "pen_down_runs": t.n_strokes,
            "pressure": (
                None
                if self.pressure_mean is None
                else {"mean": num(self.pressure_mean), "cv": num(self.pressure_cv)}
            ),
            "notes": list(self.notes),
        }
        if self.detection is not None:
            d = self.detection
            out["detection"] = {
                "extent_mm": num(d.extent_mm),
                "turns": num(d.turns),
                "monotonic_fraction": num(d.monotonic_fraction),
                "residual_fraction": num(d.residual_fraction),
            }
        return out


@dataclass(frozen=True, eq=False)
class InkReport:
    """Report of one recording: ``tasks`` (one :class:`TaskReport` each) and provenance."""

    recording: InkRecording
    tasks: list[TaskReport]
    params: InkParams
    notes: list[str] = field(default_factory=list)

    def to_dict(self, *, include_params: bool = True) -> dict[str, Any]:
        """Contract JSON ``{"tasks": [...]}`` plus source, format, units, notes, disclaimer."""
        meta = self.recording.metadata
        out: dict[str, Any] = {
            "tasks": [t.to_dict() for t in self.tasks],
            "source": self.recording.source,
            "format": self.recording.format,
            "units": {
                "length": "mm",
                "time": "s",
                "pressure": "0..1 of the device maximum",
                "mm_per_unit": meta.get("mm_per_unit"),
                "mm_per_unit_source": meta.get("mm_per_unit_source", "file"),
                "y_axis": "up",
            },
            "notes": list(self.notes),
            "disclaimer": DISCLAIMER,
        }
        if include_params:
            out["params"] = self.params.to_dict()
        return out


def _pressure(task: InkTask) -> tuple[float | None, float | None]:
    if task.pressure is None or not task.pen_down.any():
        return None, None
    pv = task.pressure[task.pen_down]
    mean = float(pv.mean())
    return mean, (float(pv.std() / mean) if mean > 0 else None)


def analyze_task(task: InkTask, kind: str = "auto", params: InkParams | None = None) -> TaskReport:
    """Analyse one task.

    Parameters
    ----------
    task : InkTask
    kind : {"auto", "spiral", "writing", "hold"}
        ``"auto"`` uses the task's own kind (given by its format) or detects it.
    params : InkParams, optional
    """
    check_option("task", kind, TASKS)
    p = params or InkParams()
    notes: list[str] = []
    detection: KindDecision | None = None
    if kind != "auto":
        chosen, source = kind, "given"
    elif task.kind is not None:
        chosen, source = task.kind, "format"
    else:
        pen_runs = prepare_runs(task, p.prepare, pen_down_only=True)
        detection = detect_kind(task, pen_runs, p.kind)
        chosen, source = detection.kind, "detected"
    runs = prepare_runs(task, p.prepare, pen_down_only=chosen != "hold")
    if chosen != "hold" and not runs:
        notes.append("no pen-down samples: nothing to analyse")
    spiral = None
    writing = None
    exclude: list[tuple[float, float]] = []
    if chosen == "writing":
        writing = analyze_writing(task, runs, p.writing)
        if len(writing.lines) < 2:
            notes.append("one line of writing: deterioration over lines not computed")
        if writing.stroke_frequency_hz:
            rhythm = 0.5 * writing.stroke_frequency_hz
            half = p.writing.rhythm_exclusion_hz
            exclude.append((rhythm - half, rhythm + half))
    fs_raw = task.fs_hz
    if fs_raw < 2.2 * p.tremor.band_hz[1]:
        tremor = pen_tremor([], p.tremor)
        notes.append(
            f"sampled at {fs_raw:.0f} Hz: too slow for the {p.tremor.band_hz[0]:g}-"
            f"{p.tremor.band_hz[1]:g} Hz tremor band; tremor not assessed"
        )
    else:
        tremor = pen_tremor(runs, p.tremor, exclude_hz=exclude)
        if tremor.present is None:
            notes.append(
                f"tremor not assessed: {tremor.analysed_s:.1f} s of pause-free runs of at least"
                f" {p.tremor.min_segment_s:g} s (needs {p.tremor.min_analysed_s:g} s)"
            )
    if chosen == "spiral":
        spiral = analyze_spiral(runs, p.spiral)
        if spiral is None:
            notes.append(f"fewer than {p.spiral.min_turns:g} turns: spiral measures not computed")
        elif spiral.aspect_ratio is not None and spiral.aspect_ratio > p.spiral.elongation_note:
            notes.append(
                f"spiral elongated {spiral.aspect_ratio:.2f}:1 (axis"
                f" {spiral.elongation_axis_deg:.0f} deg): check the screen or tablet scaling;"
                " smoothness and loop-width variation are inflated by it"
            )
    pen_down_s = float(sum(r.duration_s for r in runs)) if chosen != "hold" else 0.0
    if chosen == "hold":
        extent = float(np.hypot(np.ptp(task.x_mm), np.ptp(task.y_mm)))
        if extent > p.kind.hold_max_extent_mm:
            notes.append(
                f"the pen moved over {extent:.0f} mm in this hold task (more than"
                f" {p.kind.hold_max_extent_mm:g} mm): not held still (in some UCI files task 2"
                " is the circular-motion test); analysed for tremor only"
            )
        pen_down_s = float(
            sum(r.duration_s for r in prepare_runs(task, p.prepare, pen_down_only=True))
        )
    pm, pcv = _pressure(task)
    return TaskReport(
        task=task,
        kind=chosen,
        kind_source=source,
        runs=runs,
        tremor=tremor,
        spiral=spiral,
        writing=writing,
        detection=detection,
        pressure_mean=pm,
        pressure_cv=pcv,
        pen_down_s=pen_down_s,
        notes=notes,
    )


def analyze(
    path_or_data: str | Path | bytes | dict[str, Any] | list[Any] | InkRecording | InkTask,
    task: str = "auto",
    *,
    format: str = "auto",
    tasks: Iterable[int] | None = None,
    mm_per_unit: float | None = None,
    params: InkParams | None = None,
) -> InkReport:
    """Analyse a pen recording: spiral, writing and tremor measures for every task.

    Parameters
    ----------
    path_or_data : str, Path, bytes, dict, list, InkRecording or InkTask
        A file (``str`` and ``Path`` are always file names), a pointer-event JSON document
        (``bytes``, or parsed ``dict``/``list``; see :func:`dystonia.ink.read_pointer_json`), or
        data already read.
    task : {"auto", "spiral", "writing", "hold"}
        ``"auto"``: the kind the file gives (UCI TestID, the JSON ``task``) or detection;
        otherwise that kind for every task.
    format : {"auto", "uci", "svc", "inkml", "csv", "pointer-json"}
        Reader for files (ignored for data).
    tasks : iterable of int, optional
        Task ids to analyse (UCI TestIDs); default all.
    mm_per_unit : float, optional
        Coordinate scale for files whose units are not in the file.
    params : InkParams, optional

    Returns
    -------
    InkReport
        ``.to_dict()`` is the contract JSON.

    Raises
    ------
    UnreadableFileError
        The file cannot be read (the message names the line, trace or field).
    InvalidInputError
        A bad option, or a pointer-JSON document that breaks its schema.
    """
    check_option("task", task, TASKS)
    p = params or InkParams()
    if isinstance(path_or_data, InkRecording):
        rec = path_or_data
    elif isinstance(path_or_data, InkTask):
        rec = InkRecording(tasks=(path_or_data,))
    elif isinstance(path_or_data, str | Path):
        rec = read_ink(path_or_data, format=format, tasks=tasks, mm_per_unit=mm_per_unit)
        tasks = None
    elif isinstance(path_or_data, bytes | bytearray | dict | list):
        rec = read_pointer_json(path_or_data)
    else:
        raise InvalidInputError(
            "path_or_data",
            type(path_or_data).__name__,
            reason="must be a file path, pointer-JSON bytes/dict/list, InkRecording or InkTask",
        )
    chosen = list(rec.tasks)
    if tasks is not None:
        wanted = {int(t) for t in tasks}
        chosen = [t for t in chosen if t.task_id in wanted]
        if not chosen:
            raise InvalidInputError("tasks", sorted(wanted), allowed=[t.task_id for t in rec.tasks])
    reports = [analyze_task(t, task, p) for t in chosen]
    notes: list[str] = []
    src = rec.metadata.get("mm_per_unit_source", "")
    if "unverified" in str(src) or "CSS" in str(src):
        notes.append(
            f"coordinates scaled with {rec.metadata.get('mm_per_unit'):.4g} mm per unit ({src});"
            " lengths and amplitudes in mm depend on it"
        )
    if "pressure_note" in rec.metadata:
        notes.append(str(rec.metadata["pressure_note"]))
    return InkReport(recording=rec, tasks=reports, params=p, notes=notes)
