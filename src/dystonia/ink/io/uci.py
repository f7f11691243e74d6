"""The UCI "Parkinson Disease Spiral Drawings Using Digitized Graphics Tablet" text format.

Each line is ``X;Y;Z;Pressure;GripAngle;Timestamp;TestID`` (integers, no header), recorded with
a Wacom Cintiq 12WX by Isenkul, Sakar and Kursun (2014). ``TestID`` is 0 for the static spiral
(drawn over a template), 1 for the dynamic spiral (the template blinks), 2 for the stability
test (holding the pen at a point); each becomes one :class:`~dystonia.ink.InkTask`.

Units, as far as they are known:

* ``Timestamp`` is in milliseconds (consecutive samples are 7-8 ms or 9-10 ms apart, i.e.
  100-143 Hz, the rates the data set documents).
* ``X``, ``Y`` are taken as screen pixels of the Cintiq 12WX (the values span at most about
  1000 x 570, inside its 1280 x 800 display), with y growing downwards as on any screen, and
  converted with the display's pixel pitch, 0.2036 mm: a 12.1-inch 16:10 panel is
  260.6 mm wide, over 1280 pixels. [unverified: neither the pixel unit nor the panel size is
  stated by the data set; the pitch is computed from Wacom's published diagonal and
  resolution.] Pass ``mm_per_unit`` to use another scale.
* ``Pressure`` is 0-1023 (10-bit; the largest value in the data is 1023) and is divided by 1023.
  A sample with pressure 0 is taken as pen up (hovering).
* ``Z`` and ``GripAngle`` are kept in no analysis.

Known faults of the data, which the reader reports instead of repairing: in 13 of the 77 files
the ``Timestamp`` of some task goes back in time (by 0.1 to 6 s, mostly where the pen touches
down after hovering in the stability test). Such a task is refused with the line number; the
other tasks of the file can still be read with ``tasks=[...]``.

References
----------
.. [1] Isenkul ME, Sakar BE, Kursun O. Improved spiral test using digitized graphics tablet for
   monitoring Parkinson's disease. Proc. 2nd Int Conf e-Health and Telemedicine (ICEHTM 2014),
   171-175. Data: UCI Machine Learning Repository, CC BY 4.0.
"""

from __future__ import annotations

from collections.abc import Iterable
from pathlib import Path

import numpy as np

from dystonia.exceptions import UnreadableFileError
from dystonia.ink.io.limits import MAX_TASKS, check_sample_count, read_limited
from dystonia.ink.io.text import decode_text, numeric_rows
from dystonia.ink.recording import InkRecording, InkTask

__all__ = [
    "UCI_FIELDS",
    "UCI_KINDS",
    "UCI_MM_PER_PX",
    "UCI_PRESSURE_MAX",
    "parse_uci",
    "read_uci",
]

UCI_FIELDS = "X;Y;Z;Pressure;GripAngle;Timestamp;TestID"
#: Task kind of each UCI TestID.
UCI_KINDS = {0: "spiral", 1: "spiral", 2: "hold"}
UCI_TASK_NAMES = {0: "static spiral", 1: "dynamic spiral", 2: "stability test (hold)"}
#: Assumed pixel pitch of the Wacom Cintiq 12WX display (mm per pixel) [unverified].
UCI_MM_PER_PX = 260.6 / 1280.0
#: Largest raw pressure value (10-bit).
UCI_PRESSURE_MAX = 1023.0


def read_uci(
    path: str | Path,
    *,
    tasks: Iterable[int] | None = None,
    mm_per_unit: float | None = None,
) -> InkRecording:
    """Read a UCI spiral-drawing text file.

    Parameters
    ----------
    path : str or Path
        The ``.txt`` file.
    tasks : iterable of int, optional
        TestIDs to read (default: all present). Tasks not selected are not checked.
    mm_per_unit : float, optional
        Millimetres per coordinate unit (default :data:`UCI_MM_PER_PX`).

    Returns
    -------
    InkRecording
        One task per TestID, in increasing TestID order, y up, in mm and s.

    Raises
    ------
    UnreadableFileError
        Wrong number of fields, text that is not a number, an unknown TestID, a pressure outside
        0-1023, time that does not increase within a task, or a selected task that is absent.
    """
    data = read_limited(path)
    return parse_uci(data, source=str(path), tasks=tasks, mm_per_unit=mm_per_unit)


def parse_uci(
    data: bytes,
    *,
    source: str = "uci",
    tasks: Iterable[int] | None = None,
    mm_per_unit: float | None = None,
) -> InkRecording:
    """Parse the bytes of a UCI file (see :func:`read_uci`)."""
    scale = UCI_MM_PER_PX if mm_per_unit is None else float(mm_per_unit)
    if not (np.isfinite(scale) and scale > 0):
        raise UnreadableFileError(source, f"mm_per_unit must be > 0, not {mm_per_unit!r}")
    text = decode_text(source, data)
    raw_lines = text.splitlines()
    while raw_lines and not raw_lines[-1].strip():
        raw_lines.pop()
    if not raw_lines:
        raise UnreadableFileError(source, "empty file")
    if all(raw_lines):  # the usual case: no blank line inside
        lines = raw_lines
        line_no = np.arange(1, len(lines) + 1)
    else:
        keep = [i for i, line in enumerate(raw_lines) if line.strip()]
        lines = [raw_lines[i] for i in keep]
        line_no = np.asarray(keep) + 1
    check_sample_count(source, len(lines))
    rows = numeric_rows(
        source, lines, n_columns=7, sep=";", first_line_number=1, what=UCI_FIELDS,
        line_numbers=line_no,
    )  # fmt: skip
    test = rows[:, 6]
    known = np.isin(test, list(UCI_KINDS))
    if not known.all():
        i = int(np.flatnonzero(~known)[0])
        raise UnreadableFileError(
            source,
            f"line {line_no[i]}: TestID {rows[i, 6]:g} is not one of 0, 1, 2"
            " (0 static spiral, 1 dynamic spiral, 2 stability test)",
        )
    pressure_raw = rows[:, 3]
    bad = (pressure_raw < 0) | (pressure_raw > UCI_PRESSURE_MAX)
    if bad.any():
        i = int(np.flatnonzero(bad)[0])
        raise UnreadableFileError(
            source, f"line {line_no[i]}: Pressure {pressure_raw[i]:g} is outside 0-1023"
        )
    present = sorted({int(v) for v in np.unique(test)})
    if tasks is None:
        wanted = present
    else:
        wanted = sorted({int(t) for t in tasks})
        missing = [t for t in wanted if t not in present]
        if missing:
            raise UnreadableFileError(
                source,
                f"task {missing[0]} is not in the file; its tasks are "
                + ", ".join(str(t) for t in present),
            )
    if len(wanted) > MAX_TASKS:  # pragma: no cover - only three TestIDs exist
        raise UnreadableFileError(source, "too many tasks")
    out: list[InkTask] = []
    for tid in wanted:
        idx = np.flatnonzero(test == tid)
        block = rows[idx]
        t_ms = block[:, 5]
        dt = np.diff(t_ms)
        back = np.flatnonzero(dt <= 0)
        if back.size:
            k = int(back[0]) + 1
            others = [t for t in present if t != tid]
            hint = (
                f"; read the other tasks with tasks={others} (command line: "
                + " ".join(f"--task-id {t}" for t in others)
                + ")"
                if others
                else ""
            )
            step = "goes back" if dt[k - 1] < 0 else "repeats"
            raise UnreadableFileError(
                source,
                f"line {line_no[idx[k]]}: Timestamp {step} in task {tid}"
                f" ({t_ms[k - 1]:.0f} then {t_ms[k]:.0f} ms); time must increase within a"
                f" task{hint}",
            )
        if idx.size < 2:
            raise UnreadableFileError(
                source, f"task {tid} has {idx.size} sample; at least 2 are needed"
            )
        pressure = block[:, 3] / UCI_PRESSURE_MAX
        task = InkTask.from_samples(
            (t_ms - t_ms[0]) / 1000.0,
            block[:, 0] * scale,
            -block[:, 1] * scale,
            pressure=pressure,
            pen_down=pressure > 0,
            task_id=tid,
            kind=UCI_KINDS[tid],
        )
        out.append(task)
    meta = {
        "mm_per_unit": scale,
        "mm_per_unit_source": (
            "given" if mm_per_unit is not None else "Cintiq 12WX pixel pitch [unverified]"
        ),
        "y_axis_in_file": "down",
        "pressure_max": UCI_PRESSURE_MAX,
        "task_names": {str(t): UCI_TASK_NAMES[t] for t in wanted},
        "tasks_in_file": present,
        "device": "Wacom Cintiq 12WX (Isenkul et al. 2014)",
    }
    return InkRecording(tasks=tuple(out), source=source, format="uci", metadata=meta)
