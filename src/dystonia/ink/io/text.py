"""Decoding text and parsing rows of numbers, fast, with errors that name the line.

The fast path parses the whole text with pandas' C reader; only when that fails, or when a line
has the wrong number of fields or a missing value, is the text walked line by line to find the
first bad line and say what is wrong with it.
"""

from __future__ import annotations

import io

import numpy as np
import pandas as pd
from numpy.typing import NDArray

from dystonia.exceptions import UnreadableFileError

__all__ = ["decode_text", "numeric_rows", "show"]


def show(text: str, limit: int = 40) -> str:
    """A short quoted excerpt of ``text`` for an error message."""
    return repr(text if len(text) <= limit else text[: limit - 3] + "...")


def decode_text(path: object, data: bytes) -> str:
    """UTF-8 text (BOM allowed) of a text format, refusing binary content."""
    if b"\x00" in data[:65536]:
        raise UnreadableFileError(path, "binary content (NUL bytes) where text was expected")
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        raise UnreadableFileError(
            path, f"not UTF-8 text (undecodable byte at offset {exc.start})"
        ) from None


def _fast_table(text: str, n_columns: int, sep: str | None) -> NDArray[np.float64] | None:
    """Parse with pandas' C reader; None when it cannot (the slow path then finds the line)."""
    try:
        frame = pd.read_csv(
            io.BytesIO(text.encode("utf-8")),  # StringIO would hold 4 bytes a character
            sep=sep if sep is not None else r"\s+",
            header=None,
            dtype=np.float64,
            engine="c",
            skip_blank_lines=False,
            na_filter=True,
            keep_default_na=False,
            na_values=[""],
        )
    except (ValueError, pd.errors.ParserError, pd.errors.EmptyDataError):
        return None
    if frame.shape[1] != n_columns:
        return None
    return np.ascontiguousarray(frame.to_numpy(dtype=np.float64))


def _fields(line: str, sep: str | None) -> list[str]:
    return line.split(sep) if sep is not None else line.split()


def numeric_rows(
    path: object,
    lines: list[str],
    *,
    n_columns: int,
    sep: str | None,
    first_line_number: int,
    what: str,
    line_numbers: NDArray[np.int64] | None = None,
) -> NDArray[np.float64]:
    """Parse ``lines`` (no blank lines) into an ``(n, n_columns)`` float array.

    Parameters
    ----------
    path : object
        For error messages.
    lines : list of str
        The data lines, in order.
    n_columns : int
        Fields per line.
    sep : str or None
        Field separator (None: any whitespace).
    first_line_number : int
        1-based line number of ``lines[0]`` in the file.
    what : str
        Name of the field list for messages, e.g. ``"X;Y;Z;Pressure;GripAngle;Timestamp;TestID"``.
    line_numbers : ndarray of int, optional
        1-based file line number of each entry of ``lines`` (when blank lines were left out);
        overrides ``first_line_number``.

    Raises
    ------
    UnreadableFileError
        A line with the wrong number of fields, a field that is not a number, or a non-finite
        number; the message gives the line number and the offending text.
    """
    n = len(lines)
    if n == 0:
        return np.zeros((0, n_columns))

    def number(i: int) -> int:
        return int(line_numbers[i]) if line_numbers is not None else first_line_number + i

    rows = _fast_table("\n".join(lines), n_columns, sep)
    if rows is not None and rows.shape == (n, n_columns):
        finite = np.isfinite(rows)
        if finite.all():
            return rows
        i = int(np.flatnonzero(~finite.all(axis=1))[0])
        if not np.isnan(rows[i]).any():  # NaN may be a missing field: the slow path says which
            raise UnreadableFileError(
                path, f"line {number(i)}: non-finite number in {show(lines[i])}"
            )
    for i, line in enumerate(lines):
        fields = _fields(line, sep)
        where = f"line {number(i)}"
        if len(fields) != n_columns:
            raise UnreadableFileError(
                path,
                f"{where}: {len(fields)} fields where {n_columns} are expected ({what});"
                f" got {show(line)}",
            )
        for j, text in enumerate(fields):
            try:
                v = float(text)
            except ValueError:
                raise UnreadableFileError(
                    path, f"{where}, field {j + 1}: {show(text.strip())} is not a number"
                ) from None
            if not np.isfinite(v):
                raise UnreadableFileError(
                    path, f"{where}, field {j + 1}: {show(text.strip())} is not finite"
                )
    raise UnreadableFileError(path, "could not parse the numbers")  # pragma: no cover
