"""Contract CSV: a header line, then one pen sample per line.

Columns (``/work/shared/contracts/ink.md``): ``time`` (s, strictly increasing), ``x``, ``y``
(mm; x to the right, **y up**), ``pressure`` (0..1, optional), ``pen_down`` (0/1, optional;
default 1, every sample touching). Other columns are ignored and listed in
``metadata["ignored_columns"]``. Names are exact and case-sensitive; a missing or misspelt
column is an error that proposes the closest name.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np

from dystonia.exceptions import UnreadableFileError, closest_match
from dystonia.ink.io.limits import check_sample_count, read_limited
from dystonia.ink.io.text import decode_text, show
from dystonia.ink.recording import InkRecording, InkTask

__all__ = ["CSV_COLUMNS", "CSV_REQUIRED", "parse_contract_csv", "read_contract_csv"]

CSV_REQUIRED = ("time", "x", "y")
CSV_COLUMNS = ("time", "x", "y", "pressure", "pen_down")


def read_contract_csv(path: str | Path) -> InkRecording:
    """Read a contract CSV pen file (one task).

    Raises
    ------
    UnreadableFileError
        No header, a missing or duplicated contract column, a row with the wrong number of
        fields, a value that is not a number, pressure outside 0..1, pen_down other than 0/1,
        time that does not increase.
    """
    return parse_contract_csv(read_limited(path), source=str(path))


def _header(source: str, line: str) -> list[str]:
    names = [n.strip().strip('"') for n in line.split(",")]
    seen: set[str] = set()
    for name in names:
        if name in seen and name in CSV_COLUMNS:
            raise UnreadableFileError(source, f"column {name!r} appears more than once")
        seen.add(name)
    for name in CSV_REQUIRED:
        if name not in seen:
            near = closest_match(name, names) or {n.lower(): n for n in names}.get(name)
            hint = f"; did you mean {near!r}? (names are exact)" if near else ""
            found = ", ".join(repr(n) for n in names[:8]) + (", ..." if len(names) > 8 else "")
            raise UnreadableFileError(
                source, f"missing column {name!r}{hint}; columns found: {found}"
            )
    return names


def parse_contract_csv(data: bytes, *, source: str = "csv") -> InkRecording:
    """Parse the bytes of a contract CSV file (see :func:`read_contract_csv`)."""
    text = decode_text(source, data)
    lines = text.splitlines()
    while lines and not lines[-1].strip():
        lines.pop()
    if not lines:
        raise UnreadableFileError(source, "empty file")
    names = _header(source, lines[0])
    body = lines[1:]
    if len(body) < 2:
        raise UnreadableFileError(source, f"{len(body)} data row(s); at least 2 are needed")
    check_sample_count(source, len(body))
    wanted = [n for n in CSV_COLUMNS if n in names]
    index = [names.index(n) for n in wanted]
    width = len(names)
    table = np.empty((len(body), len(wanted)), dtype=np.float64)
    for i, line in enumerate(body):
        fields = line.split(",")
        if len(fields) != width:
            raise UnreadableFileError(
                source,
                f"line {i + 2}: {len(fields)} fields where the header has {width};"
                f" got {show(line)}",
            )
        for j, k in enumerate(index):
            cell = fields[k].strip()
            try:
                v = float(cell)
            except ValueError:
                what = "empty" if not cell else f"{show(cell)} is not a number"
                raise UnreadableFileError(
                    source, f"line {i + 2}, column {wanted[j]!r}: {what}"
                ) from None
            if not np.isfinite(v):
                raise UnreadableFileError(
                    source, f"line {i + 2}, column {wanted[j]!r}: {show(cell)} is not finite"
                )
            table[i, j] = v
    col = {n: table[:, j] for j, n in enumerate(wanted)}
    t = col["time"]
    back = np.flatnonzero(np.diff(t) <= 0)
    if back.size:
        k = int(back[0]) + 1
        raise UnreadableFileError(
            source, f"line {k + 2}: time does not increase ({t[k - 1]:g} then {t[k]:g} s)"
        )
    pressure = col.get("pressure")
    if pressure is not None:
        bad = np.flatnonzero(~((pressure >= 0) & (pressure <= 1)))
        if bad.size:
            k = int(bad[0])
            raise UnreadableFileError(
                source, f"line {k + 2}: pressure {pressure[k]:g} is outside 0..1"
            )
    pen = col.get("pen_down")
    if pen is not None:
        bad = np.flatnonzero(~np.isin(pen, (0.0, 1.0)))
        if bad.size:
            k = int(bad[0])
            raise UnreadableFileError(source, f"line {k + 2}: pen_down {pen[k]:g} is not 0 or 1")
    task = InkTask.from_samples(
        t - t[0],
        col["x"],
        col["y"],
        pressure=pressure,
        pen_down=None if pen is None else pen == 1.0,
    )
    meta = {
        "mm_per_unit": 1.0,
        "y_axis_in_file": "up",
        "time_origin_s": float(t[0]),
        "ignored_columns": [n for n in names if n not in CSV_COLUMNS],
    }
    return InkRecording(tasks=(task,), source=source, format="csv", metadata=meta)
