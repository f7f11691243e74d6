"""Comma-separated numbers read in newline-aligned byte blocks, with exact error positions.

Each block (a few megabytes of whole lines) is parsed by Arrow's multithreaded C++ CSV parser,
so memory stays flat whatever the file size and speed is that of Arrow. When Arrow rejects a
block, or a value is missing or not finite, the block is scanned again line by line in Python to
name the first bad line and column exactly (this slow path only runs on error).

Line numbers in messages are 1-based and count every line of the file, header included.
"""

from __future__ import annotations

import io
import os
from collections.abc import Iterator
from dataclasses import dataclass
from typing import IO

import numpy as np
import pyarrow as pa
import pyarrow.csv as pacsv
from numpy.typing import NDArray

from dystonia.exceptions import UnreadableFileError
from dystonia.motion.io.arrow_arrays import column_values, first_finite_violation

__all__ = ["BLOCK_BYTES", "TextBlock", "iter_text_blocks", "parse_block", "show"]

#: Bytes of text handed to the parser at a time (whole lines; a block ends at a newline).
BLOCK_BYTES = 16 * 1024 * 1024
#: Arrow's own parallel block size within one of ours (measured best of 1-64 MiB on 2 cores).
_ARROW_BLOCK_BYTES = 4 * 1024 * 1024


@dataclass(frozen=True)
class TextBlock:
    """Whole lines of a text file.

    Parameters
    ----------
    data : memoryview
        The lines, each ending in ``\\n`` (a view of a buffer owned by the block).
    first_line : int
        1-based line number of the first line of ``data`` in the file.
    n_lines : int
        Number of lines in ``data``.
    """

    data: memoryview
    first_line: int
    n_lines: int


def show(raw: bytes, limit: int = 40) -> str:
    """Quote a field of the file for an error message (decoded, shortened)."""
    text = raw.decode("utf-8", errors="replace")
    return repr(text if len(text) <= limit else text[: limit - 3] + "...")


def _content_end(buf: bytearray, last_newline: int) -> int:
    """Index of the newline that ends the last non-blank line up to ``last_newline``, or -1."""
    i = last_newline
    while i >= 0 and buf[i] in b" \t\r\n":
        i -= 1
    return -1 if i < 0 else buf.find(b"\n", i, last_newline + 1)


def _next_read_size(fh: IO[bytes], block_bytes: int) -> int:
    """Bytes to read next: a block, or less when the file has less left (small files)."""
    try:
        left = os.fstat(fh.fileno()).st_size - fh.tell()
    except (OSError, AttributeError, io.UnsupportedOperation):
        return block_bytes
    return max(1, min(block_bytes, left))


def iter_text_blocks(
    fh: IO[bytes], *, first_line: int, block_bytes: int = BLOCK_BYTES
) -> Iterator[TextBlock]:
    """Yield whole-line blocks from the current position of ``fh`` to the end.

    Blank lines at the very end of the file are dropped; blank lines elsewhere are kept (the
    parser reports them). Each block is a fresh buffer filled by ``readinto`` (one copy of the
    file's bytes in all).
    """
    carry = b""
    line = first_line
    while True:
        buf = bytearray(len(carry) + _next_read_size(fh, block_bytes))
        buf[: len(carry)] = carry
        got = fh.readinto(memoryview(buf)[len(carry) :])  # type: ignore[attr-defined]
        if not got:
            break
        size = len(carry) + got
        end = _content_end(buf, buf.rfind(b"\n", 0, size))
        if end < 0:
            # no complete non-blank line yet (or only blank lines): wait for more text
            carry = bytes(buf[:size])
            continue
        n = buf.count(b"\n", 0, end + 1)
        yield TextBlock(memoryview(buf)[: end + 1], line, n)
        line += n
        carry = bytes(buf[end + 1 : size])
    tail = carry.rstrip(b" \t\r\n")
    if tail:
        yield TextBlock(memoryview(tail + b"\n"), line, 1 + tail.count(b"\n"))


def _convert(raw: bytes, kind: pa.DataType) -> bool:
    text = raw.strip().strip(b'"').strip()
    try:
        if pa.types.is_integer(kind):
            int(text)
        else:
            float(text)
    except ValueError:
        return False
    return True


def _lines(block: TextBlock) -> list[bytes]:
    lines = bytes(block.data).split(b"\n")
    if lines and lines[-1] == b"":
        lines.pop()
    return [ln[:-1] if ln.endswith(b"\r") else ln for ln in lines]


def _diagnose(block: TextBlock, names: list[str], wanted: dict[str, pa.DataType]) -> str | None:
    """First bad line of ``block`` as a message, or None if the slow scan finds nothing."""
    index = {name: names.index(name) for name in wanted}
    for offset, line in enumerate(_lines(block)):
        number = block.first_line + offset
        if line.strip() == b"":
            return f"line {number} is empty"
        fields = line.split(b",")
        if len(fields) != len(names):
            return f"line {number} has {len(fields)} fields, expected {len(names)}"
        for name, kind in wanted.items():
            raw = fields[index[name]]
            if raw.strip() == b"":
                return f"line {number}, column {name!r}: empty value"
            if not _convert(raw, kind):
                what = "an integer" if pa.types.is_integer(kind) else "a number"
                return f"line {number}, column {name!r}: {show(raw.strip())} is not {what}"
    return None


def _field(block: TextBlock, row: int, column: int) -> bytes:
    lines = _lines(block)
    if row >= len(lines):  # pragma: no cover - rows and lines agree (no quoted newlines)
        return b""
    fields = lines[row].split(b",")
    return fields[column].strip() if column < len(fields) else b""


def parse_block(
    path: object,
    block: TextBlock,
    names: list[str],
    wanted: dict[str, pa.DataType],
) -> dict[str, NDArray[np.float64] | NDArray[np.int64]]:
    """Parse ``block`` and return the ``wanted`` columns as finite numpy arrays.

    Raises
    ------
    UnreadableFileError
        Wrong number of fields, a value that is not a number, an empty line or value, or a
        value that is not finite; the message names the line and the column.
    """
    try:
        table = pacsv.read_csv(
            pa.BufferReader(pa.py_buffer(block.data)),
            read_options=pacsv.ReadOptions(
                column_names=names,
                autogenerate_column_names=False,
                block_size=_ARROW_BLOCK_BYTES,
                use_threads=len(block.data) > _ARROW_BLOCK_BYTES,
            ),
            parse_options=pacsv.ParseOptions(ignore_empty_lines=False),
            convert_options=pacsv.ConvertOptions(
                column_types=wanted, include_columns=list(wanted), quoted_strings_can_be_null=True
            ),
        )
    except (pa.ArrowInvalid, pa.ArrowTypeError) as exc:
        found = _diagnose(block, names, wanted)
        if found is None:
            last = block.first_line + block.n_lines - 1
            first = str(exc).splitlines()[0] if str(exc) else type(exc).__name__
            found = f"lines {block.first_line}-{last}: {first}"
        raise UnreadableFileError(path, found) from None
    if table.num_rows != block.n_lines:  # pragma: no cover - quoted newlines are not supported
        raise UnreadableFileError(
            path, f"lines {block.first_line}-: quoted line breaks are not supported"
        )
    out: dict[str, NDArray[np.float64] | NDArray[np.int64]] = {}
    for name, kind in wanted.items():
        column = table.column(name)
        if column.null_count:
            row = int(np.flatnonzero(column.is_null().to_numpy(zero_copy_only=False))[0])
            raw = _field(block, row, names.index(name))
            number = block.first_line + row
            if all(not f.strip() for f in _lines(block)[row].split(b",")):
                raise UnreadableFileError(path, f"line {number} is empty")
            value = "empty value" if raw == b"" else f"{show(raw)} is not a number"
            raise UnreadableFileError(path, f"line {number}, column {name!r}: {value}")
        values = column_values(column)
        if not pa.types.is_integer(kind):
            bad = first_finite_violation(values)
            if bad is not None:
                number = block.first_line + bad
                raise UnreadableFileError(
                    path, f"line {number}, column {name!r}: {float(values[bad])!r} is not finite"
                )
        out[name] = values
    return out
