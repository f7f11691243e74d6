"""SVC: the plain-text tablet format of SVC2004, BiosecurID and PaHaW.

The first line is the number of samples; each following line is
``x y time pen_status azimuth altitude pressure`` separated by spaces (the column order read by
BDALab's ``handwriting-sample``, MIT licence). ``time`` is in milliseconds, ``pen_status`` is 1
when the pen touches the tablet and 0 in the air, ``pressure`` is a raw level.

The format carries no units, so two device facts are parameters:

* ``mm_per_unit``: tablet resolution. Default 25.4 / 5080 = 0.005 mm, the 5080 lines per inch of
  Wacom Intuos-class tablets and BDALab's default conversion [unverified for any given file:
  check the device].
* ``pressure_max``: the device's largest pressure level (default 1023 for 1024-level tablets;
  2047 for Intuos 4, 32767 for recent Wacom drivers). A value above it is an error, never
  clipped.

The y axis is taken as pointing up (Wintab's tablet coordinates) [unverified]; pass
``y_axis="down"`` for files written from screen coordinates.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np

from dystonia.exceptions import UnreadableFileError
from dystonia.ink.io.limits import check_sample_count, read_limited
from dystonia.ink.io.text import decode_text, numeric_rows, show
from dystonia.ink.recording import InkRecording, InkTask

__all__ = ["SVC_FIELDS", "SVC_MM_PER_UNIT", "SVC_PRESSURE_MAX", "parse_svc", "read_svc"]

SVC_FIELDS = "x y time pen_status azimuth altitude pressure"
#: Default tablet resolution: 5080 lines per inch [unverified per device].
SVC_MM_PER_UNIT = 25.4 / 5080.0
#: Default largest pressure level (1024-level tablets).
SVC_PRESSURE_MAX = 1023.0


def read_svc(
    path: str | Path,
    *,
    mm_per_unit: float | None = None,
    pressure_max: float = SVC_PRESSURE_MAX,
    y_axis: str = "up",
) -> InkRecording:
    """Read an SVC file (one task).

    Parameters
    ----------
    path : str or Path
    mm_per_unit : float, optional
        Millimetres per coordinate unit (default :data:`SVC_MM_PER_UNIT`).
    pressure_max : float
        Largest pressure level of the device (default 1023).
    y_axis : {"up", "down"}
        Direction of increasing y in the file.

    Raises
    ------
    UnreadableFileError
        Missing or non-integer sample count, a count that does not match the rows (truncated
        file), wrong number of fields, a pen status other than 0/1, pressure outside
        0..``pressure_max``, time that does not increase.
    """
    data = read_limited(path)
    return parse_svc(
        data, source=str(path), mm_per_unit=mm_per_unit, pressure_max=pressure_max, y_axis=y_axis
    )


def parse_svc(
    data: bytes,
    *,
    source: str = "svc",
    mm_per_unit: float | None = None,
    pressure_max: float = SVC_PRESSURE_MAX,
    y_axis: str = "up",
) -> InkRecording:
    """Parse the bytes of an SVC file (see :func:`read_svc`)."""
    scale = SVC_MM_PER_UNIT if mm_per_unit is None else float(mm_per_unit)
    if not (np.isfinite(scale) and scale > 0):
        raise UnreadableFileError(source, f"mm_per_unit must be > 0, not {mm_per_unit!r}")
    if not (np.isfinite(pressure_max) and pressure_max > 0):
        raise UnreadableFileError(source, f"pressure_max must be > 0, not {pressure_max!r}")
    if y_axis not in ("up", "down"):
        raise UnreadableFileError(source, f"y_axis must be 'up' or 'down', not {y_axis!r}")
    text = decode_text(source, data)
    lines = text.splitlines()
    while lines and not lines[-1].strip():
        lines.pop()
    if not lines:
        raise UnreadableFileError(source, "empty file")
    head = lines[0].strip()
    try:
        count = int(head)
    except ValueError:
        raise UnreadableFileError(
            source, f"line 1: {show(head)} is not the sample count (an integer) that starts SVC"
        ) from None
    if count < 2:
        raise UnreadableFileError(source, f"line 1: sample count {count}; at least 2 needed")
    check_sample_count(source, count)
    body = lines[1:]
    blank = [i for i, line in enumerate(body) if not line.strip()]
    if blank:
        raise UnreadableFileError(source, f"line {blank[0] + 2}: blank line inside the samples")
    if len(body) != count:
        state = "truncated?" if len(body) < count else "extra lines?"
        raise UnreadableFileError(
            source, f"line 1 says {count} samples but {len(body)} follow ({state})"
        )
    rows = numeric_rows(source, body, n_columns=7, sep=None, first_line_number=2, what=SVC_FIELDS)
    status = rows[:, 3]
    bad = ~np.isin(status, (0.0, 1.0))
    if bad.any():
        i = int(np.flatnonzero(bad)[0])
        raise UnreadableFileError(
            source, f"line {i + 2}: pen_status {status[i]:g} is not 0 (in the air) or 1 (down)"
        )
    p = rows[:, 6]
    bad = (p < 0) | (p > pressure_max)
    if bad.any():
        i = int(np.flatnonzero(bad)[0])
        raise UnreadableFileError(
            source,
            f"line {i + 2}: pressure {p[i]:g} is outside 0..{pressure_max:g}; pass the device's"
            " pressure_max (e.g. 2047 for Intuos 4, 32767 for recent Wacom drivers)",
        )
    t_ms = rows[:, 2]
    dt = np.diff(t_ms)
    back = np.flatnonzero(dt <= 0)
    if back.size:
        k = int(back[0]) + 1
        raise UnreadableFileError(
            source,
            f"line {k + 2}: time does not increase ({t_ms[k - 1]:g} then {t_ms[k]:g} ms)",
        )
    sign = 1.0 if y_axis == "up" else -1.0
    task = InkTask.from_samples(
        (t_ms - t_ms[0]) / 1000.0,
        rows[:, 0] * scale,
        sign * rows[:, 1] * scale,
        pressure=p / pressure_max,
        pen_down=status == 1.0,
        task_id=0,
    )
    meta = {
        "mm_per_unit": scale,
        "mm_per_unit_source": "given" if mm_per_unit is not None else "5080 lpi [unverified]",
        "y_axis_in_file": y_axis,
        "pressure_max": float(pressure_max),
    }
    return InkRecording(tasks=(task,), source=source, format="svc", metadata=meta)
