"""The one type every pen reader returns and every pen analysis takes.

A file (UCI tablet text, SVC, InkML, contract CSV, browser pointer-event JSON) becomes an
:class:`InkRecording`: one or more :class:`InkTask` objects, each a time series of pen samples in
physical units on one frame (x to the right, **y up**, millimetres; time in seconds, strictly
increasing). Readers convert every format into this frame and record what they assumed in
``InkRecording.metadata``; the analyses never see file units.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import numpy as np
from numpy.typing import NDArray

from dystonia.exceptions import InvalidInputError

__all__ = ["KINDS", "STROKE_GAP_S", "InkRecording", "InkTask", "strokes_from_pen"]

#: Task kinds of the contract: a drawn spiral, handwriting, or holding the pen still.
KINDS = ("spiral", "writing", "hold")

#: A pause in the samples longer than this (s) ends a stroke even when the pen is reported down
#: (tablets stop reporting when the pen leaves their range). Ours: 5 to 15 sample periods of
#: 60-200 Hz digitisers, far shorter than a pen lift (about 0.1-0.5 s between letters).
STROKE_GAP_S = 0.1

FloatArray = NDArray[np.float64]


def strokes_from_pen(
    time_s: NDArray[Any], pen_down: NDArray[np.bool_], *, gap_s: float = STROKE_GAP_S
) -> NDArray[np.int32]:
    """Number the pen-down runs 0, 1, 2, ...; -1 for samples with the pen up.

    A run ends where the pen goes up or where consecutive samples are more than ``gap_s``
    apart.
    """
    n = int(time_s.shape[0])
    stroke = np.full(n, -1, dtype=np.int32)
    if n == 0:
        return stroke
    down = np.asarray(pen_down, dtype=bool)
    new = np.empty(n, dtype=bool)
    new[0] = True
    new[1:] = (~down[:-1]) | (np.diff(time_s) > gap_s)
    starts = down & new
    ids = np.cumsum(starts) - 1
    stroke[down] = ids[down].astype(np.int32)
    return stroke


def _check_1d(name: str, value: NDArray[Any], n: int) -> None:
    if value.ndim != 1 or value.shape[0] != n:
        raise InvalidInputError(
            name, None, reason=f"has shape {value.shape}, expected ({n},) like time_s"
        )


@dataclass(frozen=True, eq=False)
class InkTask:
    """One pen task (a spiral, a written text, or a hold) as samples in physical units.

    Parameters
    ----------
    time_s : ndarray of float64, shape (n,)
        Sample times in seconds, strictly increasing (n >= 2).
    x_mm, y_mm : ndarray of float64, shape (n,)
        Pen position in millimetres; x to the right, **y up** (as on a page seen by its reader).
    pressure : ndarray of float64, shape (n,), or None
        Normalised tip pressure 0..1 (device maximum = 1), or None when the device gives none
        (mouse, finger, formats without it).
    pen_down : ndarray of bool, shape (n,)
        True where the pen touches the surface; in-air samples (hovering) are False.
    stroke : ndarray of int32, shape (n,)
        Pen-down run number 0, 1, ... for pen-down samples, -1 for in-air samples.
    task_id : int
        The file's own task id (UCI ``TestID``), or 0.
    kind : {"spiral", "writing", "hold"} or None
        The task, when the format says it; None lets the analysis detect it.
    """

    time_s: FloatArray
    x_mm: FloatArray
    y_mm: FloatArray
    pressure: FloatArray | None
    pen_down: NDArray[np.bool_]
    stroke: NDArray[np.int32]
    task_id: int = 0
    kind: str | None = None

    def __post_init__(self) -> None:
        t = self.time_s
        if not isinstance(t, np.ndarray) or t.ndim != 1:
            raise InvalidInputError("time_s", None, reason="must be a one-dimensional array")
        n = int(t.shape[0])
        if n < 2:
            raise InvalidInputError("time_s", n, reason=f"has {n} sample(s); at least 2 needed")
        for name in ("x_mm", "y_mm", "pen_down", "stroke"):
            _check_1d(name, np.asarray(getattr(self, name)), n)
        if self.pressure is not None:
            _check_1d("pressure", np.asarray(self.pressure), n)
        for name in ("time_s", "x_mm", "y_mm"):
            values = np.asarray(getattr(self, name), dtype=np.float64)
            bad = np.flatnonzero(~np.isfinite(values))
            if bad.size:
                i = int(bad[0])
                raise InvalidInputError(
                    f"{name}[{i}]", float(values[i]), reason=f"{values[i]!r} is not finite"
                )
        dt = np.diff(t)
        back = np.flatnonzero(dt <= 0)
        if back.size:
            i = int(back[0]) + 1
            raise InvalidInputError(
                f"time_s[{i}]",
                float(t[i]),
                reason=f"time does not increase ({t[i - 1]!r} then {t[i]!r})",
            )
        if self.pressure is not None:
            p = np.asarray(self.pressure, dtype=np.float64)
            out = np.flatnonzero(~((p >= 0.0) & (p <= 1.0)))
            if out.size:
                i = int(out[0])
                raise InvalidInputError(
                    f"pressure[{i}]", float(p[i]), allowed="0..1", reason=f"{p[i]!r} is not in 0..1"
                )
        stroke = np.asarray(self.stroke)
        down = np.asarray(self.pen_down, dtype=bool)
        if np.any((stroke >= 0) != down):
            i = int(np.flatnonzero((stroke >= 0) != down)[0])
            raise InvalidInputError(
                f"stroke[{i}]", int(stroke[i]), reason="must be >= 0 exactly where pen_down is True"
            )
        if self.kind is not None and self.kind not in KINDS:
            raise InvalidInputError("kind", self.kind, allowed=KINDS)

    @classmethod
    def from_samples(
        cls,
        time_s: NDArray[Any],
        x_mm: NDArray[Any],
        y_mm: NDArray[Any],
        *,
        pressure: NDArray[Any] | None = None,
        pen_down: NDArray[Any] | None = None,
        task_id: int = 0,
        kind: str | None = None,
        gap_s: float = STROKE_GAP_S,
    ) -> InkTask:
        """Build a task from arrays; strokes are the pen-down runs (split at pauses > ``gap_s``).

        ``pen_down`` defaults to all True (a device that reports only contact samples).
        """
        t = np.ascontiguousarray(time_s, dtype=np.float64)
        down = (
            np.ones(t.shape[0], dtype=bool)
            if pen_down is None
            else np.ascontiguousarray(pen_down, dtype=bool)
        )
        if down.shape != t.shape:
            raise InvalidInputError(
                "pen_down", None, reason=f"has shape {down.shape}, expected {t.shape}"
            )
        return cls(
            time_s=t,
            x_mm=np.ascontiguousarray(x_mm, dtype=np.float64),
            y_mm=np.ascontiguousarray(y_mm, dtype=np.float64),
            pressure=None if pressure is None else np.ascontiguousarray(pressure, np.float64),
            pen_down=down,
            stroke=strokes_from_pen(t, down, gap_s=gap_s),
            task_id=int(task_id),
            kind=kind,
        )

    @property
    def n_samples(self) -> int:
        """Number of samples."""
        return int(self.time_s.shape[0])

    @property
    def duration_s(self) -> float:
        """Time from the first to the last sample (s)."""
        return float(self.time_s[-1] - self.time_s[0])

    @property
    def fs_hz(self) -> float:
        """Sampling rate from the median sample interval (Hz)."""
        return float(1.0 / np.median(np.diff(self.time_s)))

    @property
    def n_strokes(self) -> int:
        """Number of pen-down runs."""
        return int(self.stroke.max()) + 1 if self.stroke.size else 0


@dataclass(frozen=True, eq=False)
class InkRecording:
    """Everything read from one pen file: its tasks, where it came from, what was assumed.

    Parameters
    ----------
    tasks : tuple of InkTask
        One entry per task of the file (the UCI format holds up to three; others hold one).
    source : str
        File path or a label; never patient-identifying text.
    format : str
        Reader that produced it: ``"uci"``, ``"svc"``, ``"inkml"``, ``"csv"``,
        ``"pointer-json"``, or ``"memory"``.
    metadata : dict
        What the reader knows or assumed: ``mm_per_unit`` and where it comes from, the file's
        y direction, the device, ignored columns.
    """

    tasks: tuple[InkTask, ...]
    source: str = ""
    format: str = "memory"
    metadata: dict[str, Any] = field(default_factory=dict)

    def __post_init__(self) -> None:
        if not self.tasks:
            raise InvalidInputError("tasks", None, reason="a recording needs at least one task")
        ids = [t.task_id for t in self.tasks]
        if len(set(ids)) != len(ids):
            raise InvalidInputError("tasks", ids, reason=f"task ids {ids} are not unique")
