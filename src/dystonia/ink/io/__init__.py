"""Reading pen recordings: one :class:`~dystonia.ink.InkRecording` from any supported file.

Formats (``docs/ink/formats.md``)
---------------------------------
``uci``
    UCI Parkinson spiral-drawing tablet text (``X;Y;Z;Pressure;GripAngle;Timestamp;TestID``),
    one task per TestID.
``svc``
    SVC2004/BiosecurID/PaHaW text (sample count, then ``x y time pen_status azimuth altitude
    pressure``).
``inkml``
    W3C InkML with X, Y and T channels (F, S used when present).
``csv``
    Contract CSV: ``time`` (s), ``x``, ``y`` (mm, y up), optional ``pressure`` (0..1) and
    ``pen_down`` (0/1).
``pointer-json``
    Browser ``PointerEvent`` samples posted by a web drawing page (:func:`read_pointer_json`).

Every reader converts to one frame (mm, y up, s from the first sample), refuses bad input with
:class:`~dystonia.exceptions.UnreadableFileError` naming the line, trace or JSON path, and
enforces the size limits of :mod:`dystonia.ink.io.limits`.
"""

from __future__ import annotations

from collections.abc import Iterable
from pathlib import Path

from dystonia.exceptions import InvalidInputError, UnreadableFileError
from dystonia.ink.io.detect import FORMATS, detect_format
from dystonia.ink.io.inkml import parse_inkml, read_inkml
from dystonia.ink.io.limits import read_limited
from dystonia.ink.io.pointer import read_pointer_json
from dystonia.ink.io.svc import parse_svc, read_svc
from dystonia.ink.io.table import parse_contract_csv, read_contract_csv
from dystonia.ink.io.uci import parse_uci, read_uci
from dystonia.ink.recording import InkRecording
from dystonia.validation import check_option

__all__ = [
    "FORMATS",
    "detect_format",
    "read_contract_csv",
    "read_ink",
    "read_inkml",
    "read_pointer_json",
    "read_svc",
    "read_uci",
]


def read_ink(
    path: str | Path,
    *,
    format: str = "auto",
    tasks: Iterable[int] | None = None,
    mm_per_unit: float | None = None,
) -> InkRecording:
    """Read a pen recording file.

    Parameters
    ----------
    path : str or Path
        The file.
    format : {"auto", "uci", "svc", "inkml", "csv", "pointer-json"}
        Reader; ``"auto"`` decides from the content (:func:`detect_format`).
    tasks : iterable of int, optional
        Task ids to keep (UCI TestIDs; other formats hold task 0 only).
    mm_per_unit : float, optional
        Millimetres per coordinate unit, for formats whose units are not in the file (UCI,
        SVC, InkML without units).

    Returns
    -------
    InkRecording

    Raises
    ------
    UnreadableFileError
        The file cannot be read as that format; the message names the line, trace or field.
    InvalidInputError
        ``format`` is not one of the allowed names.
    """
    check_option("format", format, ("auto", *FORMATS))
    p = Path(path)
    data = read_limited(p)
    if format == "auto":
        format = detect_format(p, data)
    source = str(p)
    if format == "uci":
        return parse_uci(data, source=source, tasks=tasks, mm_per_unit=mm_per_unit)
    if format == "svc":
        rec = parse_svc(data, source=source, mm_per_unit=mm_per_unit)
    elif format == "inkml":
        rec = parse_inkml(data, source=source, mm_per_unit=mm_per_unit)
    elif format == "csv":
        if mm_per_unit is not None:
            raise InvalidInputError(
                "mm_per_unit", mm_per_unit, reason="contract CSV is in mm already"
            )
        rec = parse_contract_csv(data, source=source)
    else:
        try:
            rec = read_pointer_json(data, source=source)
        except InvalidInputError as exc:
            raise UnreadableFileError(p, str(exc)) from None
        if mm_per_unit is not None:
            raise InvalidInputError(
                "mm_per_unit", mm_per_unit, reason="pointer JSON gives mm_per_px itself"
            )
    if tasks is not None:
        wanted = sorted({int(t) for t in tasks})
        have = [t.task_id for t in rec.tasks]
        missing = [t for t in wanted if t not in have]
        if missing:
            raise UnreadableFileError(
                p, f"task {missing[0]} is not in the file; its tasks are {have}"
            )
    return rec
